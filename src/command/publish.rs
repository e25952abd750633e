//! `registry publish`: the registry at a commit, read from git and compiled in full, published
//! to object storage when it has no errors.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use git2::{Oid, Repository};

use crate::cli::{Format, PublishArgs};
use crate::emit::{API_VERSION, registry_blob};
use crate::output::Output;
use crate::pipeline::compile;
use crate::source::read_revision;
use crate::store::publish::{History, Outcome, Publication, Relation, publish};
use crate::store::{Access, Store};
use crate::{Error, ExitStatus, Result};

pub(crate) fn run(root: &Path, args: &PublishArgs, out: &mut Output) -> Result<ExitStatus> {
    let git = |source| Error::Git {
        revision: args.commit.clone(),
        source,
    };
    let repo = Repository::discover(root).map_err(git)?;
    let commit = repo
        .revparse_single(&args.commit)
        .and_then(|object| object.peel_to_commit())
        .map_err(git)?
        .id()
        .to_string();
    let mut compiled = compile(Arc::new(read_revision(root, &commit)?))?;
    let linked = compiled.linked().is_some();
    let failed = super::report(&mut compiled, Vec::new(), &args.report, out);
    let Some(graph) = compiled.graph.as_ref().filter(|_| linked && !failed) else {
        out.print(&format!(
            "refusing to publish: the registry at `{}` has problems\n",
            short(&commit)
        ));
        return Ok(ExitStatus::Problems);
    };
    let (url, base) = super::target(root, args.to.as_deref(), Some(&graph.registry.settings));
    let store = Store::open(
        &url,
        &base,
        Duration::from_secs(args.store.retry_for),
        Access::Write,
    )?;
    let publication = Publication {
        blob: registry_blob(graph),
        commit: commit.clone(),
        schema: API_VERSION,
        force: args.force,
        single_writer: args.single_writer,
    };
    let outcome = super::runtime()?.block_on(publish(&store, &publication, &Git(repo)))?;
    if matches!(args.report.format, Format::Human | Format::Concise) {
        let message = match outcome {
            Outcome::Published(record) => format!(
                "published #{} of commit `{}` to `{}`{}\n  blob: {}\n",
                record.sequence,
                record.short_commit(),
                store.url(""),
                if record.forced { " (forced)" } else { "" },
                store.url(&record.blob),
            ),
            Outcome::Unchanged(record) => format!(
                "already published: #{} of commit `{}` at `{}` has the same content\n",
                record.sequence,
                record.short_commit(),
                store.url(""),
            ),
        };
        out.print(&message);
    }
    Ok(ExitStatus::Clean)
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// The repository's history, which decides whether a publication moves forward.
struct Git(Repository);

impl History for Git {
    fn relation(&self, published: &str, ours: &str) -> Result<Relation> {
        let git = |source| Error::Git {
            revision: published.to_owned(),
            source,
        };
        let (Ok(published), Ok(ours)) = (Oid::from_str(published), Oid::from_str(ours)) else {
            return Ok(Relation::Unknown);
        };
        if published == ours {
            return Ok(Relation::Same);
        }
        if self.0.find_commit(published).is_err() {
            return Ok(Relation::Unknown);
        }
        Ok(
            if self.0.graph_descendant_of(ours, published).map_err(git)? {
                Relation::Forward
            } else if self.0.graph_descendant_of(published, ours).map_err(git)? {
                Relation::Backward
            } else {
                Relation::Diverged
            },
        )
    }
}
