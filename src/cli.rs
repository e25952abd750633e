//! The command line: global options and one [`Command`] variant per verb.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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

    #[command(subcommand)]
    pub(crate) command: Command,
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum DiffFormat {
    /// A list for people.
    Human,
    /// A pull-request comment: a summary table, details collapsed.
    Markdown,
    /// A JSON document.
    Json,
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
pub(crate) enum Format {
    /// Like rustc: the code, the message, a source snippet, and help.
    Human,
    /// One line a problem: `path:line:column: severity[code] message`.
    Concise,
    /// A JSON document: the problems and a summary.
    Json,
    /// GitHub Actions workflow commands, shown as annotations on the pull request.
    Github,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}
