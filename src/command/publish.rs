//! `registry publish`: the registry at a commit, read from git and compiled in full, published
//! to object storage when it has no errors.

use std::sync::Arc;
use std::time::Duration;

use git2::{Oid, Repository};

use crate::cli::PublishArgs;
use crate::compilation::Compilation;
use crate::diagnostic::render::Format;
use crate::emit::{API_VERSION, registry_blob};
use crate::output::Output;
use crate::source::Revision;
use crate::store::publish::{History, Outcome, Publication, Relation, publish};
use crate::store::{Access, Store};
use crate::text::short;
use crate::workspace::Workspace;
use crate::{Error, ExitStatus, Result};

pub(crate) fn run(
    workspace: &Workspace,
    args: &PublishArgs,
    out: &mut Output,
) -> Result<ExitStatus> {
    let revision = Revision::open(workspace.root(), &args.commit)?;
    let commit = revision.id().to_string();
    let compilation = Compilation::new(Arc::new(revision.sources()?))?;
    let failed = super::report(workspace, &compilation, Vec::new(), &args.report, out);
    let Some(graph) = compilation.graph().filter(|_| !failed) else {
        out.print(&format!(
            "refusing to publish: the registry at `{}` has problems\n",
            short(&commit)
        ));
        return Ok(ExitStatus::Problems);
    };
    let target = workspace.store(args.to.as_deref(), Some(&graph.registry.settings));
    let store = Store::open(
        &target,
        Duration::from_secs(args.store.retry_for),
        Access::Write,
    )?;
    let publication = Publication {
        blob: registry_blob(graph),
        commit,
        schema: API_VERSION,
        force: args.force,
        single_writer: args.single_writer,
    };
    let outcome =
        super::runtime()?.block_on(publish(&store, &publication, &Git(revision.repository())))?;
    let ours = publication.commit;
    if matches!(args.report.format, Format::Human | Format::Concise) {
        let message = match outcome {
            Outcome::Published(record) => format!(
                "published #{} of commit `{}` to `{}`{}\n  blob: {}\n",
                record.sequence,
                short(&record.commit),
                store.url(""),
                if record.forced { " (forced)" } else { "" },
                store.url(&record.blob),
            ),
            Outcome::Unchanged(record) => format!(
                "already published: #{} of commit `{}` at `{}` has the same content\n",
                record.sequence,
                short(&record.commit),
                store.url(""),
            ),
            Outcome::Superseded(record) => format!(
                "superseded: commit `{}` is an ancestor of commit `{}`, already published as \
                 #{} at `{}`; nothing to do\n",
                short(&ours),
                short(&record.commit),
                record.sequence,
                store.url(""),
            ),
        };
        out.print(&message);
    }
    Ok(ExitStatus::Clean)
}

/// The repository's history, which decides whether a publication moves forward.
struct Git<'a>(&'a Repository);

impl History for Git<'_> {
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
