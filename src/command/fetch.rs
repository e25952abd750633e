//! `registry fetch`: a publication read back and checked against its hash, printed or written
//! to a file; or the publication history.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use crate::cli::FetchArgs;
use crate::output::Output;
use crate::source::read_dir;
use crate::store::{Access, Store, fetch};
use crate::text::short;
use crate::workspace::Workspace;
use crate::{Error, ExitStatus, Result};

pub(crate) fn run(workspace: &Workspace, args: &FetchArgs, out: &mut Output) -> Result<ExitStatus> {
    let target = if let Some(url) = &args.url {
        workspace.store(Some(url), None)
    } else {
        let settings = crate::compilation::settings(&Arc::new(read_dir(workspace.root())?))?;
        workspace.store(None, settings.as_ref())
    };
    let store = Store::open(
        &target,
        Duration::from_secs(args.store.retry_for),
        Access::Read,
    )?;
    let runtime = super::runtime()?;
    if args.list {
        let (records, latest) = runtime.block_on(async {
            let records = fetch::history(&store).await?;
            let latest = fetch::latest_record(&store).await?;
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
                short(&record.commit),
                short(&record.sha256),
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
            crate::atomic::write(path, &blob).map_err(|source| Error::WriteFile {
                path: path.clone(),
                source,
            })?;
            out.print(&format!(
                "wrote `{}`: publication #{} of commit `{}`, sha256 {}\n",
                path.display(),
                record.sequence,
                short(&record.commit),
                record.sha256
            ));
        }
        None => out.print(&String::from_utf8_lossy(&blob)),
    }
    Ok(ExitStatus::Clean)
}

/// A `--commit` value: a commit id or a prefix of one, one to 64 hex digits, in lowercase.
pub(crate) fn commit_prefix(value: &str) -> Result<String, String> {
    if value.is_empty() {
        return Err("an empty commit id would match every publication".to_owned());
    }
    if value.len() > 64 || !value.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err("a commit id is 1 to 64 hex digits, such as `2aa976d`".to_owned());
    }
    Ok(value.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::commit_prefix;

    #[test]
    fn a_commit_prefix_is_hex() {
        assert_eq!(commit_prefix("2AA976d").as_deref(), Ok("2aa976d"));
        assert_eq!(
            commit_prefix(&"f".repeat(64)).as_deref(),
            Ok(&*"f".repeat(64))
        );
        assert!(commit_prefix("").unwrap_err().contains("empty"));
        assert!(commit_prefix("main").unwrap_err().contains("hex digits"));
        assert!(commit_prefix(&"f".repeat(65)).is_err());
        assert!(commit_prefix("2aa976d ").is_err());
    }
}
