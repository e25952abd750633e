//! `registry new KIND NAME`: writes a new entity file from the golden path. Its name must be a
//! DNS label; its references are checked against the compiled registry first (an unknown one
//! suggests the nearest); the registry with the new file must compile without a problem in it;
//! and nothing is ever overwritten. Only `<root>/<kind dir>/<name>.jsonnet` is written.

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;

use crate::cli::{NewArgs, NewKind};
use crate::compilation::Compilation;
use crate::diagnostic::render::{Format, Options, Paths, render};
use crate::diagnostic::{Severity, suggest};
use crate::explore::scaffold::{Scaffold, is_name, scaffold, target};
use crate::model::{EntityId, Kind, Registry};
use crate::output::Output;
use crate::source::{Content, SourceFile, Sources};
use crate::text::shown;
use crate::workspace::Workspace;
use crate::{Error, ExitStatus, Result};

pub(super) fn run(workspace: &Workspace, args: &NewArgs, out: &mut Output) -> Result<ExitStatus> {
    let request = &args.kind;
    let (kind, name) = target(request);
    if !is_name(name) {
        return Err(Error::Lookup {
            message: format!("`{}` cannot name a {kind}", shown(name, 80)),
            help: Some(
                "a name is a DNS label: lowercase letters, digits and `-`, starting with a \
                 letter, at most 63 characters"
                    .to_owned(),
            ),
        });
    }
    let compilation = super::compile_dir(workspace)?;
    let Some(graph) = super::graph::linked(workspace, &compilation, out) else {
        return Ok(ExitStatus::Problems);
    };
    let registry = &graph.registry;
    let id = EntityId::new(kind, name);
    if registry.file(&id).is_some() {
        return Err(Error::Refused {
            message: format!("{kind} `{name}` already exists"),
            help: Some("pick another name, or edit the existing file".to_owned()),
        });
    }
    check_references(registry, request)?;
    let golden = compilation
        .sources()
        .get(&format!("lib/{kind}.libsonnet"))
        .is_some();
    let file = scaffold(request, golden, &registry.settings.org);
    verify(workspace, &compilation, &file, out)?;
    write(workspace.root(), &file)?;
    let shown_path = compilation.sources().display(&file.path);
    out.print(&format!(
        "created {shown_path}:\n\n{}\nnext: `registry build` regenerates the outputs; commit both\n",
        file.text
    ));
    Ok(ExitStatus::Clean)
}

/// Every entity the request refers to must exist, with the kind it is expected to have.
fn check_references(registry: &Registry, request: &NewKind) -> Result<()> {
    let mut wanted: Vec<(Kind, &str, &str)> = Vec::new();
    match request {
        NewKind::Team { parent, .. } => {
            wanted.extend(parent.iter().map(|p| (Kind::Team, p.as_str(), "--parent")));
        }
        NewKind::Project { owner, .. } => {
            wanted.extend(owner.iter().map(|o| (Kind::Team, o.as_str(), "--owner")));
        }
        NewKind::Cluster { project, .. } => wanted.push((Kind::Project, project, "--project")),
        NewKind::System { owner, .. } => wanted.push((Kind::Team, owner, "--owner")),
        NewKind::Api { owner, system, .. } => {
            wanted.push((Kind::Team, owner, "--owner"));
            wanted.extend(
                system
                    .iter()
                    .map(|s| (Kind::System, s.as_str(), "--system")),
            );
        }
        NewKind::Service {
            owner,
            clusters,
            depends_on,
            system,
            ..
        } => {
            wanted.push((Kind::Team, owner, "--owner"));
            wanted.extend(
                system
                    .iter()
                    .map(|s| (Kind::System, s.as_str(), "--system")),
            );
            wanted.extend(
                clusters
                    .iter()
                    .map(|c| (Kind::Cluster, c.as_str(), "--deploy")),
            );
            wanted.extend(
                depends_on
                    .iter()
                    .map(|s| (Kind::Service, s.as_str(), "--depends-on")),
            );
        }
    }
    for (kind, name, flag) in wanted {
        if registry.entities.contains_key(&EntityId::new(kind, name)) {
            continue;
        }
        let names = registry.records(kind).map(|(id, _)| id.name.as_str());
        return Err(Error::Lookup {
            message: format!("{flag}: no {kind} is named `{}`", shown(name, 80)),
            help: suggest(name, names).map(|near| format!("did you mean `{near}`?")),
        });
    }
    Ok(())
}

/// Compiles the registry with the new file added, in memory; any problem in the new file (or
/// any error at all) refuses it, and is printed.
fn verify(
    workspace: &Workspace,
    compilation: &Compilation,
    file: &Scaffold,
    out: &mut Output,
) -> Result<()> {
    let sources = compilation.sources();
    let mut files: Vec<SourceFile> = sources
        .iter()
        .map(|(_, source)| SourceFile {
            path: source.path.clone(),
            content: source.content.clone(),
        })
        .collect();
    files.push(SourceFile {
        path: file.path.clone(),
        content: Content::Text(Arc::from(file.text.as_str())),
    });
    let root = workspace.root().to_string_lossy();
    let with = Compilation::new(Arc::new(Sources::new(
        root.trim_end_matches('/').to_owned(),
        files,
    )))?;
    let new_file = with.sources().get(&file.path);
    let problems: Vec<_> = with
        .diagnostics()
        .iter()
        .filter(|diagnostic| {
            diagnostic.severity == Severity::Error
                || diagnostic
                    .primary
                    .as_ref()
                    .and_then(|label| label.location.file())
                    == new_file
        })
        .cloned()
        .collect();
    if problems.is_empty() {
        return Ok(());
    }
    let options = Options {
        styled: out.styled(),
        verbose: false,
        paths: Paths::AsGiven,
    };
    out.print(&render(&problems, with.sources(), Format::Human, &options));
    Err(Error::Refused {
        message: format!(
            "the new {} `{}` would not be valid: nothing was written",
            file.kind, file.name
        ),
        help: None,
    })
}

/// Creates the file, never replacing anything: the kind's directory must be a real directory
/// (created if missing), and the file must not exist (not even as a dangling link).
fn write(root: &Path, file: &Scaffold) -> Result<()> {
    let dir = root.join(file.kind.dir());
    match std::fs::symlink_metadata(&dir) {
        Ok(metadata) if metadata.is_dir() => {}
        Ok(_) => {
            return Err(Error::Refused {
                message: format!("`{}` is not a directory", dir.display()),
                help: None,
            });
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir(&dir).map_err(|source| Error::WriteFile {
                path: dir.clone(),
                source,
            })?;
        }
        Err(source) => return Err(Error::ReadFile { path: dir, source }),
    }
    let path = dir.join(format!("{}.jsonnet", file.name));
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path);
    let mut handle = match created {
        Ok(handle) => handle,
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::Refused {
                message: format!("`{}` already exists: nothing was written", path.display()),
                help: Some("pick another name, or edit the existing file".to_owned()),
            });
        }
        Err(source) => return Err(Error::WriteFile { path, source }),
    };
    handle
        .write_all(file.text.as_bytes())
        .and_then(|()| handle.sync_all())
        .map_err(|source| Error::WriteFile { path, source })
}
