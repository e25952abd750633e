//! `registry site --out DIR`: writes the catalog, `DIR/index.html`, and nothing else. `DIR` is
//! created if missing; if it exists it must be a real directory (not a symbolic link) holding
//! nothing but a catalog this command wrote before, which is replaced atomically. Anything
//! else in it, or an `index.html` it did not write, is refused: nothing is overwritten.

use std::path::Path;

use crate::cli::SiteArgs;
use crate::explore::site::{GENERATOR, INDEX, render};
use crate::output::Output;
use crate::workspace::Workspace;
use crate::{Error, ExitStatus, Result};

pub(super) fn run(workspace: &Workspace, args: &SiteArgs, out: &mut Output) -> Result<ExitStatus> {
    let compilation = super::compile_dir(workspace)?;
    let Some(graph) = super::graph::linked(workspace, &compilation, out) else {
        return Ok(ExitStatus::Problems);
    };
    let outputs = crate::emit::emit(graph);
    let html = render(graph, compilation.sources(), &outputs);
    prepare(&args.out)?;
    let path = args.out.join(INDEX);
    crate::atomic::write(&path, html.as_bytes()).map_err(|source| Error::WriteFile {
        path: path.clone(),
        source,
    })?;
    out.print(&format!(
        "wrote {} ({} entities): open it in a browser\n",
        path.display(),
        graph.registry.entities.len()
    ));
    Ok(ExitStatus::Clean)
}

fn refused(message: String) -> Error {
    Error::Refused {
        message,
        help: Some("give `--out` a new or empty directory".to_owned()),
    }
}

/// Makes sure `dir` is a directory that holds nothing but an earlier catalog.
fn prepare(dir: &Path) -> Result<()> {
    match std::fs::symlink_metadata(dir) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return std::fs::create_dir_all(dir).map_err(|source| Error::WriteFile {
                path: dir.to_owned(),
                source,
            });
        }
        Err(source) => {
            return Err(Error::ReadDir {
                path: dir.to_owned(),
                source,
            });
        }
        Ok(metadata) if metadata.file_type().is_symlink() => {
            return Err(refused(format!(
                "`{}` is a symbolic link: the catalog is only written to a real directory",
                dir.display()
            )));
        }
        Ok(metadata) if !metadata.is_dir() => {
            return Err(refused(format!("`{}` is not a directory", dir.display())));
        }
        Ok(_) => {}
    }
    let entries = std::fs::read_dir(dir).map_err(|source| Error::ReadDir {
        path: dir.to_owned(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| Error::ReadDir {
            path: dir.to_owned(),
            source,
        })?;
        let name = entry.file_name();
        let path = entry.path();
        if name != INDEX {
            return Err(refused(format!(
                "`{}` holds `{}`, which `registry site` did not write",
                dir.display(),
                name.to_string_lossy()
            )));
        }
        let ours = std::fs::symlink_metadata(&path).is_ok_and(|metadata| metadata.is_file())
            && std::fs::read(&path).is_ok_and(|bytes| {
                bytes
                    .windows(GENERATOR.len())
                    .take(1024)
                    .any(|window| window == GENERATOR.as_bytes())
            });
        if !ours {
            return Err(refused(format!(
                "`{}` was not written by `registry site`",
                path.display()
            )));
        }
    }
    Ok(())
}
