//! The command line: global options and one [`Command`] variant per verb.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::diagnostic::render::Format;
use crate::diff::DiffFormat;

/// Compile a Jsonnet registry of teams, cloud projects, clusters and services into what the
/// platform consumes.
#[derive(Debug, Parser)]
#[command(name = "registry", version, about, max_term_width = 100)]
pub struct Cli {
    /// Change to DIR before doing anything else.
    #[arg(short = 'C', value_name = "DIR", global = true)]
    pub(crate) directory: Option<PathBuf>,

    /// The registry root: the directory holding `registry.jsonnet`.
    #[arg(long, value_name = "DIR", default_value = "registry", global = true)]
    pub(crate) root: PathBuf,

    /// When to color the output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub(crate) color: ColorChoice,

    #[command(flatten)]
    pub(crate) eval: EvalArgs,

    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The budget of evaluating one file, for every command that compiles the registry.
#[derive(Debug, Args)]
pub(crate) struct EvalArgs {
    /// Stop evaluating a file after SECONDS; the file is reported as `evaluation-timeout`.
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = seconds, global = true)]
    pub(crate) eval_timeout: Duration,

    /// Stop an evaluation worker holding more than MIB of memory; the file it evaluates is
    /// reported as `evaluation-memory`.
    #[arg(
        long,
        value_name = "MIB",
        default_value_t = 4096,
        value_parser = clap::value_parser!(u64).range(1..),
        global = true
    )]
    pub(crate) eval_memory: u64,
}

/// A positive number of seconds, such as `10` or `0.5`.
fn seconds(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .filter(|seconds| seconds.is_finite() && *seconds > 0.0 && *seconds <= 1e9)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("`{text}` is not a positive number of seconds"))
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Evaluate, validate and link the registry, report every problem, and compare the
    /// generated files with what the registry produces.
    Check(CheckArgs),
    /// Write the generated files: only those whose bytes change, each atomically, and remove
    /// the files an earlier build generated that are no longer produced.
    Build(BuildArgs),
    /// Compare the registry with a git revision: entities added, removed and changed (field by
    /// field), generated files that change, and what is affected downstream.
    Diff(DiffArgs),
    /// Publish the registry blob of a commit to object storage: an immutable, content-addressed
    /// version, a record of the publication, and `latest.json`, which only ever moves forward.
    Publish(PublishArgs),
    /// Read a publication back, check it against its hash, and print it.
    Fetch(FetchArgs),
    /// Evaluate the files sent on standard input: a worker process of the other commands.
    #[command(name = "__evaluate", hide = true)]
    Evaluate,
}

#[derive(Debug, Args)]
pub(crate) struct PublishArgs {
    #[command(flatten)]
    pub(crate) report: ReportArgs,

    /// Where to publish: `file://DIR`, `s3://BUCKET/PREFIX`, `gs://…`, `az://…`, or a directory
    /// [default: the settings' `publish.url`, else `published/` beside the registry root].
    #[arg(long, value_name = "URL")]
    pub(crate) to: Option<String>,

    /// The commit whose registry to publish, read from git.
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    pub(crate) commit: String,

    /// Publish even if the commit does not descend from the latest published one; the
    /// publication records it.
    #[arg(long)]
    pub(crate) force: bool,

    /// Do not require the store to honour conditional writes, because only one publisher can
    /// ever run at a time; each publication records it.
    #[arg(long)]
    pub(crate) single_writer: bool,

    #[command(flatten)]
    pub(crate) store: StoreArgs,
}

#[derive(Debug, Args)]
pub(crate) struct FetchArgs {
    /// Where to read from [default: the settings' `publish.url`, else `published/` beside the
    /// registry root].
    #[arg(value_name = "URL")]
    pub(crate) url: Option<String>,

    /// The publication of this commit (a full or abbreviated id) instead of the latest.
    #[arg(long, value_name = "SHA", conflicts_with = "list")]
    pub(crate) commit: Option<String>,

    /// List every publication, oldest first, instead of printing one.
    #[arg(long)]
    pub(crate) list: bool,

    /// Write the blob to FILE (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE", conflicts_with = "list")]
    pub(crate) output: Option<PathBuf>,

    #[command(flatten)]
    pub(crate) store: StoreArgs,
}

/// Options shared by the commands that talk to a store.
#[derive(Debug, Args)]
pub(crate) struct StoreArgs {
    /// Give up retrying the store's transient failures after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    pub(crate) retry_for: u64,
}

#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The revision to compare with: a branch, `origin/main`, a commit, `HEAD~3`.
    #[arg(long, value_name = "REV")]
    pub(crate) base: String,

    /// How to print the diff.
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub(crate) format: DiffFormat,

    /// Show each changed generated file's unified diff.
    #[arg(long)]
    pub(crate) unified: bool,

    /// Exit with 1 when anything changed.
    #[arg(long)]
    pub(crate) exit_code: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    pub(crate) report: ReportArgs,

    /// The output directory [default: `generatedPath` beside the registry root].
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,

    /// Show every stale file's whole diff, and every drifting file.
    #[arg(long, short)]
    pub(crate) verbose: bool,
}

#[derive(Debug, Args)]
pub(crate) struct BuildArgs {
    #[command(flatten)]
    pub(crate) report: ReportArgs,

    /// The output directory [default: `generatedPath` beside the registry root].
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
}

/// Options shared by every command that reports problems.
#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// How to print problems.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,

    /// Treat warnings as errors.
    #[arg(long)]
    pub(crate) deny_warnings: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}
