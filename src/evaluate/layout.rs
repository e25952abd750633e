//! Which file is what: the settings file, one entity file per entity under each kind's
//! directory, and library files. Reports files that are in the wrong place, entity files that
//! collide, files that are never read (FIFOs, devices, links in a loop or to nothing, files too
//! large, a kind's directory linking out of the root), and library paths that would swallow
//! entity files or leave the root.

use std::collections::BTreeMap;

use strum::IntoEnumIterator;

use crate::diagnostic::{Code, Diagnostic, Location, Sink, suggest};
use crate::model::{EntityId, Kind};
use crate::source::{Content, FileId, SETTINGS_FILE, Sources, Unread, locate, normalize};
use crate::text::shown;

/// An entity's file.
#[derive(Clone, Debug)]
pub(crate) struct EntityFile {
    pub(crate) file: FileId,
    pub(crate) id: EntityId,
}

/// The registry's files, by role.
#[derive(Debug)]
pub(super) struct Layout {
    /// One file per entity, ordered by id; the second file of a duplicate is left out.
    pub(super) entities: Vec<EntityFile>,
}

impl Layout {
    /// Sorts the files of `sources` by role; `library_paths` are directories that hold helpers.
    pub(super) fn new(sources: &Sources, library_paths: &[String], sink: &mut Sink) -> Self {
        let library_paths = usable_library_paths(sources, library_paths, sink);
        let mut entities: BTreeMap<EntityId, FileId> = BTreeMap::new();
        for (file, source) in sources.iter() {
            let path = source.path.as_str();
            let (dir, rest) = path.split_once('/').unwrap_or(("", path));
            let extension = path.rsplit_once('.').map_or("", |(_, extension)| extension);
            let in_library = library_paths
                .iter()
                .any(|library| path.starts_with(&format!("{library}/")));
            let entity_file =
                Kind::from_dir(dir).is_some() && extension == "jsonnet" && !in_library;
            match &source.content {
                // An entity file that is not read is reported where it is evaluated.
                Content::Unread(unread) if !entity_file && path != SETTINGS_FILE => {
                    sink.push(unreadable(file, path, unread));
                    continue;
                }
                Content::Escape { target }
                    if Kind::from_dir(path).is_some()
                        || library_paths.iter().any(|library| library == path)
                        || (Kind::from_dir(dir).is_some()
                            && !in_library
                            && !matches!(extension, "jsonnet" | "json" | "yaml" | "yml")) =>
                {
                    sink.push(
                        Diagnostic::error(
                            Code::UnreadableFile,
                            format!(
                                "`{}` is a symbolic link leading outside the registry root",
                                shown(path, 200)
                            ),
                        )
                        .primary(
                            Location::File { file },
                            format!(
                                "links to `{}`; nothing under it is read",
                                shown(target, 200)
                            ),
                        )
                        .help("replace the link with a directory inside the registry root"),
                    );
                    continue;
                }
                _ => {}
            }
            match Kind::from_dir(dir) {
                Some(kind) if extension == "jsonnet" && !in_library => {
                    let stem = rest.rsplit('/').next().unwrap_or(rest);
                    let id = EntityId::new(kind, stem.trim_end_matches(".jsonnet"));
                    if let Some(first) = entities.get(&id) {
                        sink.push(
                            Diagnostic::error(
                                Code::DuplicateEntity,
                                format!("{} `{}` is declared twice", id.kind, id.name),
                            )
                            .primary(Location::File { file }, "second declaration")
                            .secondary(Location::File { file: *first }, "first declaration")
                            .help(format!(
                                "the file stem is the {}'s name: rename one of the files",
                                id.kind
                            )),
                        );
                    } else {
                        entities.insert(id, file);
                    }
                }
                Some(kind) if matches!(extension, "json" | "yaml" | "yml" | "jsonet") => {
                    sink.push(
                        Diagnostic::new(
                            Code::UnknownFile,
                            Code::UnknownFile.default_severity(),
                            format!("`{path}` is not an entity file, so it declares no {kind}"),
                        )
                        .primary(Location::File { file }, "not evaluated")
                        .help(format!(
                            "entity files are Jsonnet: rename it to `{}.jsonnet`",
                            path.rsplit_once('.').map_or(path, |(stem, _)| stem)
                        )),
                    );
                }
                None if extension == "jsonnet" && path != SETTINGS_FILE && !in_library => {
                    let dirs: Vec<&str> = Kind::iter().map(Kind::dir).collect();
                    let help = if dir.is_empty() {
                        let (last, first) = dirs.split_last().expect("there are kinds");
                        format!("entity files go in `{}` or `{last}`", first.join("`, `"))
                    } else if let Some(near) = suggest(dir, dirs.iter().copied()) {
                        format!("did you mean `{near}/{rest}`?")
                    } else {
                        "entity files go in a kind's directory; helpers end in `.libsonnet`"
                            .to_owned()
                    };
                    sink.push(
                        Diagnostic::new(
                            Code::UnknownFile,
                            Code::UnknownFile.default_severity(),
                            format!(
                                "`{path}` is outside every kind's directory, so it declares nothing"
                            ),
                        )
                        .primary(Location::File { file }, "not evaluated")
                        .help(help),
                    );
                }
                _ => {}
            }
        }
        Self {
            entities: entities
                .into_iter()
                .map(|(id, file)| EntityFile { file, id })
                .collect(),
        }
    }
}

/// The diagnostic for a file under the root that is never read.
pub(crate) fn unreadable(file: FileId, path: &str, unread: &Unread) -> Diagnostic {
    let (label, help) = match unread {
        Unread::Special { .. } => (
            "not a regular file: never opened",
            "remove it: a registry holds only regular files, directories and links to them",
        ),
        Unread::TooLarge { .. } => (
            "too large to read",
            "split it, or keep large data outside the registry",
        ),
        Unread::Loop { .. } => (
            "leads back to itself",
            "point the link at a file inside the registry root, or replace it with the file",
        ),
        Unread::Dangling { .. } => (
            "leads nowhere",
            "point the link at a file inside the registry root, or remove it",
        ),
    };
    Diagnostic::error(
        Code::UnreadableFile,
        format!("`{}` {unread}, so it is never read", shown(path, 200)),
    )
    .primary(Location::File { file }, label)
    .help(help)
}

/// The library paths that can be library paths, each without a trailing `/`; the others are
/// reported. A library path must be a directory inside the root that neither is, holds, nor
/// lies inside a kind's directory: files on a library path declare no entities.
fn usable_library_paths(
    sources: &Sources,
    library_paths: &[String],
    sink: &mut Sink,
) -> Vec<String> {
    let mut usable = Vec::with_capacity(library_paths.len());
    for library in library_paths {
        let trimmed = library.trim_end_matches('/');
        let problem = match normalize("", trimmed) {
            _ if trimmed.starts_with('/') => Some("is outside the registry root".to_owned()),
            None => Some("climbs outside the registry root".to_owned()),
            Some(normal) if normal.is_empty() => Some("is the registry root itself".to_owned()),
            Some(normal) => {
                let (first, rest) = normal.split_once('/').unwrap_or((&normal, ""));
                Kind::from_dir(first).map(|kind| {
                    if rest.is_empty() {
                        format!("is the `{}` directory", kind.dir())
                    } else {
                        format!("is inside the `{}` directory", kind.dir())
                    }
                })
            }
        };
        let Some(problem) = problem else {
            usable.push(trimmed.to_owned());
            continue;
        };
        let Some(settings) = sources.get(SETTINGS_FILE) else {
            continue;
        };
        let location = sources
            .text(settings)
            .and_then(|text| locate::string(text, library))
            .map_or(Location::File { file: settings }, |range| Location::Span {
                file: settings,
                range,
            });
        sink.push(
            Diagnostic::error(
                Code::InvalidLibraryPath,
                format!(
                    "library path `{}` {problem}, so it cannot hold helpers",
                    shown(library, 200)
                ),
            )
            .primary(location, "not used as a library path")
            .note(
                "files on a library path declare no entities, so a kind's directory there would \
                 silently declare nothing",
            )
            .help("name a directory of helpers inside the registry root, such as `lib`"),
        );
    }
    usable
}
