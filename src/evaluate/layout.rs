//! Which file is what: the settings file, one entity file per entity under each kind's
//! directory, and library files. Reports files that are in the wrong place and entity files
//! that collide.

use std::collections::BTreeMap;

use strum::IntoEnumIterator;

use crate::diagnostic::{Code, Diagnostic, Location, Sink, suggest};
use crate::model::{EntityId, Kind};
use crate::source::{FileId, SETTINGS_FILE, Sources};

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
        let mut entities: BTreeMap<EntityId, FileId> = BTreeMap::new();
        for (file, source) in sources.iter() {
            let path = source.path.as_str();
            let (dir, rest) = path.split_once('/').unwrap_or(("", path));
            let extension = path.rsplit_once('.').map_or("", |(_, extension)| extension);
            let in_library = library_paths
                .iter()
                .any(|library| path.starts_with(&format!("{}/", library.trim_end_matches('/'))));
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
