//! `registry fetch`: a publication read back and checked against its hash, printed or written
//! to a file; or the publication history.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

use crate::cli::FetchArgs;
use crate::output::Output;
use crate::pipeline::compile_dir;
use crate::store::{Access, Store, fetch};
use crate::{Error, ExitStatus, Result};

pub(crate) fn run(root: &Path, args: &FetchArgs, out: &mut Output) -> Result<ExitStatus> {
    let (url, base) = if let Some(url) = &args.url {
        super::target(root, Some(url), None)
    } else {
        let compiled = compile_dir(root)?;
        let settings = compiled
            .graph
            .as_ref()
            .map(|graph| &graph.registry.settings);
        super::target(root, None, settings)
    };
    let store = Store::open(
        &url,
        &base,
        Duration::from_secs(args.store.retry_for),
        Access::Read,
    )?;
    let runtime = super::runtime()?;
    if args.list {
        let (records, latest) = runtime.block_on(async {
            let records = fetch::history(&store).await?;
            let latest = fetch::latest(&store).await.ok().map(|(record, _)| record);
            Ok::<_, Error>((records, latest))
        })?;
        let mut text = String::new();
        for record in &records {
            let mut notes = Vec::new();
            if record.forced {
                notes.push("forced");
            }
            if record.single_writer {
                notes.push("single writer");
            }
            if latest.as_ref() == Some(record) {
                notes.push("latest");
            }
            let _ = writeln!(
                text,
                "#{:<4} {}  commit {}  sha256 {}  {}{}",
                record.sequence,
                record.published_at,
                record.short_commit(),
                record.sha256.get(..12).unwrap_or(&record.sha256),
                record.tool,
                if notes.is_empty() {
                    String::new()
                } else {
                    format!("  ({})", notes.join(", "))
                }
            );
        }
        if records.is_empty() {
            return Err(Error::NothingPublished { url: store.url("") });
        }
        out.print(&text);
        return Ok(ExitStatus::Clean);
    }
    let (record, blob) = runtime.block_on(async {
        match &args.commit {
            Some(commit) => fetch::at_commit(&store, commit).await,
            None => fetch::latest(&store).await,
        }
    })?;
    match &args.output {
        Some(path) => {
            write_atomically(path, &blob)?;
            out.print(&format!(
                "wrote `{}`: publication #{} of commit `{}`, sha256 {}\n",
                path.display(),
                record.sequence,
                record.short_commit(),
                record.sha256
            ));
        }
        None => out.print(&String::from_utf8_lossy(&blob)),
    }
    Ok(ExitStatus::Clean)
}

/// Writes `bytes` to `path` through a temporary file beside it, so the file is either the old
/// one or the new one.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let failed = |source| Error::WriteFile {
        path: path.to_owned(),
        source,
    };
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(failed)?;
    file.write_all(bytes).map_err(failed)?;
    file.as_file().sync_all().map_err(failed)?;
    file.persist(path).map_err(|error| failed(error.error))?;
    Ok(())
}
