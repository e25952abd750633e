//! The command line: global options and one [`Command`] variant per verb.

use std::ffi::OsString;
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

    /// When to color the output and this help; `auto` follows `NO_COLOR`, `CLICOLOR_FORCE`,
    /// `CLICOLOR` and whether standard output is a terminal.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub(crate) color: ColorChoice,

    /// Show no progress (shown otherwise on a terminal, once a run has lasted a second).
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,

    /// Neither use nor update the cache of evaluated files (kept at `.registry-cache` beside
    /// the root, or in `$REGISTRY_CACHE_DIR`).
    #[arg(long, global = true)]
    pub(crate) no_cache: bool,

    #[command(flatten)]
    pub(crate) eval: EvalArgs,

    #[command(subcommand)]
    pub(crate) command: Command,
}

impl Cli {
    /// Parses the process's arguments. `--color` is found first, so that clap colors its own
    /// help and errors as asked, wherever `--help` is.
    #[must_use]
    pub fn from_env() -> Self {
        let args: Vec<OsString> = std::env::args_os().collect();
        if let Some(choice) = color(&args) {
            crate::output::choose_color(choice);
        }
        Self::parse_from(args)
    }
}

/// The last `--color WHEN` or `--color=WHEN` before `--`.
fn color(args: &[OsString]) -> Option<ColorChoice> {
    let mut found = None;
    let mut args = args.iter().skip(1).map(|arg| arg.to_str());
    while let Some(arg) = args.next() {
        let value = match arg {
            Some("--") => break,
            Some("--color") => args.next().flatten(),
            Some(arg) => arg.strip_prefix("--color="),
            None => None,
        };
        if let Some(choice) = value.and_then(|value| ColorChoice::from_str(value, false).ok()) {
            found = Some(choice);
        }
    }
    found
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

impl Command {
    /// Whether what the command prints is for people rather than for a program (JSON,
    /// annotations, a pull-request comment, a drawing, a script, a page).
    pub(crate) fn for_people(&self) -> bool {
        let people = |format: Format| matches!(format, Format::Human | Format::Concise);
        match self {
            Self::Check(args) => people(args.report.format),
            Self::Build(args) => people(args.report.format),
            Self::Publish(args) => people(args.report.format),
            Self::Diff(args) => args.format == DiffFormat::Human,
            Self::Explain(args) => args.format == crate::explore::ExplainFormat::Human,
            Self::New(_) | Self::Site(_) | Self::Fetch(_) => true,
            Self::Graph(_)
            | Self::Completions(_)
            | Self::Man(_)
            | Self::Schema(_)
            | Self::Evaluate => false,
        }
    }
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
    /// Draw the entities and their relations as DOT, Mermaid or JSON: the whole registry, or
    /// the neighbourhood of one entity.
    Graph(GraphArgs),
    /// Explain an entity (its owner, dependencies, dependents, where it runs, the generated
    /// files it shapes) or a diagnostic code.
    Explain(ExplainArgs),
    /// Write a new entity file from the golden-path library, its references checked first.
    New(NewArgs),
    /// Write a static HTML catalog of the registry, which opens from the file system.
    Site(SiteArgs),
    /// Print a shell's completion script.
    Completions(CompletionsArgs),
    /// Print the man page, of `registry` or of one command.
    Man(ManArgs),
    /// Print the JSON Schema of a kind, of the settings or of the blob, for editors.
    Schema(SchemaArgs),
    /// Evaluate the files sent on standard input: a worker process of the other commands.
    #[command(name = "__evaluate", hide = true)]
    Evaluate,
}

#[derive(Debug, Args)]
pub(crate) struct GraphArgs {
    /// How to draw it.
    #[arg(long, value_enum, default_value_t = crate::explore::GraphFormat::Dot)]
    pub(crate) format: crate::explore::GraphFormat,

    /// Draw only what is around this entity: `kind/name`, or a name no other kind uses.
    #[arg(long, value_name = "ENTITY")]
    pub(crate) focus: Option<String>,

    /// How many relations away from the focus to go [default: no limit].
    #[arg(long, value_name = "N", requires = "focus")]
    pub(crate) depth: Option<usize>,

    /// Which way to go from the focus: `down` to what it relies on (owner, clusters, project,
    /// dependencies, parent team), `up` to what relies on it, or both.
    #[arg(long, value_enum, default_value_t = crate::explore::Direction::Both, requires = "focus")]
    pub(crate) direction: crate::explore::Direction,
}

#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// An entity (`kind/name`, or a name no other kind uses) or a diagnostic code
    /// (`unknown-reference`); a code wins over a bare entity name.
    #[arg(value_name = "ENTITY|CODE")]
    pub(crate) subject: String,

    /// How to print it.
    #[arg(long, value_enum, default_value_t = crate::explore::ExplainFormat::Human)]
    pub(crate) format: crate::explore::ExplainFormat,
}

#[derive(Debug, Args)]
pub(crate) struct NewArgs {
    #[command(subcommand)]
    pub(crate) kind: NewKind,
}

/// One kind of entity to create, with the golden path's arguments.
#[derive(Debug, Subcommand)]
pub(crate) enum NewKind {
    /// A team: `registry new team checkout-squad --parent commerce`.
    Team {
        /// Its name, a DNS label; the file is `teams/NAME.jsonnet`.
        name: String,
        /// What the team does.
        #[arg(long)]
        description: Option<String>,
        /// Its parent team.
        #[arg(long, value_name = "TEAM")]
        parent: Option<String>,
    },
    /// A cloud project: `registry new project acme-sandbox --provider gcp --cloud-id ID
    /// --environment development`.
    Project {
        /// Its name, a DNS label; the file is `projects/NAME.jsonnet`.
        name: String,
        /// The cloud provider.
        #[arg(long, value_parser = ["gcp", "aws"])]
        provider: String,
        /// The GCP project id or the AWS account id.
        #[arg(long, value_name = "ID")]
        cloud_id: String,
        /// `production`, `staging` or `development`.
        #[arg(long, value_parser = ["production", "staging", "development"])]
        environment: String,
        /// The owning team [default: the library's, `platform`].
        #[arg(long, value_name = "TEAM")]
        owner: Option<String>,
    },
    /// A Kubernetes cluster: `registry new cluster prod-ap --project acme-prod --environment
    /// production --region asia-southeast1`.
    Cluster {
        /// Its name, a DNS label; the file is `clusters/NAME.jsonnet`.
        name: String,
        /// The cloud project it runs in.
        #[arg(long, value_name = "PROJECT")]
        project: String,
        /// `production`, `staging` or `development`.
        #[arg(long, value_parser = ["production", "staging", "development"])]
        environment: String,
        /// The cloud region.
        #[arg(long)]
        region: String,
    },
    /// A service: `registry new service checkout --owner payments --tier 2`.
    Service {
        /// Its name, a DNS label; the file is `services/NAME.jsonnet`.
        name: String,
        /// The owning team.
        #[arg(long, value_name = "TEAM")]
        owner: String,
        /// 1 is business-critical, 3 is best effort.
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=3))]
        tier: u8,
        /// The language of its code.
        #[arg(long, default_value = "go", value_parser = [
            "go", "java", "kotlin", "python", "ruby", "rust", "scala", "typescript", "elixir", "other",
        ])]
        language: String,
        /// What the service does.
        #[arg(long)]
        description: Option<String>,
        /// A cluster to deploy to, with one replica (repeatable).
        #[arg(long = "deploy", value_name = "CLUSTER")]
        clusters: Vec<String>,
        /// A service it calls (repeatable).
        #[arg(long = "depends-on", value_name = "SERVICE")]
        depends_on: Vec<String>,
        /// The system it belongs to.
        #[arg(long, value_name = "SYSTEM")]
        system: Option<String>,
    },
    /// A system: `registry new system gifting --owner commerce`.
    System {
        /// Its name, a DNS label; the file is `systems/NAME.jsonnet`.
        name: String,
        /// The owning team.
        #[arg(long, value_name = "TEAM")]
        owner: String,
        /// What the system does.
        #[arg(long)]
        description: Option<String>,
    },
    /// An API: `registry new api gift-cards --owner commerce --type openapi --repo gift-cards`.
    Api {
        /// Its name, a DNS label; the file is `apis/NAME.jsonnet`.
        name: String,
        /// The owning team.
        #[arg(long, value_name = "TEAM")]
        owner: String,
        /// The language of its definition.
        #[arg(long = "type", value_parser = ["openapi", "grpc", "asyncapi", "graphql"])]
        api_type: String,
        /// The repository (in the organisation) that holds its definition, usually the
        /// providing service's.
        #[arg(long)]
        repo: String,
        /// The definition's path in that repository [default: the type's usual file, such as
        /// `openapi.yaml`].
        #[arg(long)]
        path: Option<String>,
        /// The system it belongs to.
        #[arg(long, value_name = "SYSTEM")]
        system: Option<String>,
        /// What the API offers.
        #[arg(long)]
        description: Option<String>,
    },
}

#[derive(Debug, Args)]
pub(crate) struct SiteArgs {
    /// The directory to write the catalog to: created if missing; if it exists it must hold
    /// nothing but a catalog this command wrote.
    #[arg(long, value_name = "DIR")]
    pub(crate) out: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// The command whose page to print [default: the page of `registry`, listing them all].
    #[arg(value_name = "COMMAND")]
    pub(crate) command: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct SchemaArgs {
    /// `team`, `project`, `cluster`, `service`, `system`, `api`, `settings`, or `registry` (the
    /// blob).
    #[arg(value_name = "KIND", value_parser = ["team", "project", "cluster", "service", "system", "api", "settings", "registry"])]
    pub(crate) kind: String,
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
    #[arg(
        long,
        value_name = "SHA",
        conflicts_with = "list",
        value_parser = crate::command::fetch::commit_prefix
    )]
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

    /// List every change, and every line of each unified diff.
    #[arg(long, short)]
    pub(crate) verbose: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    pub(crate) report: ReportArgs,

    /// The output directory [default: `generatedPath` beside the registry root].
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
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

    /// List every problem, every drifting file and every stale file's whole diff.
    #[arg(long, short)]
    pub(crate) verbose: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::{ColorChoice, color};

    #[test]
    fn color_is_found_before_parsing() {
        let found = |args: &[&str]| {
            let args: Vec<OsString> = args.iter().map(OsString::from).collect();
            color(&args)
        };
        assert_eq!(found(&["registry", "check"]), None);
        assert_eq!(
            found(&["registry", "--color", "never", "check", "--help"]),
            Some(ColorChoice::Never)
        );
        assert_eq!(
            found(&["registry", "check", "--color=always", "--help"]),
            Some(ColorChoice::Always)
        );
        assert_eq!(found(&["registry", "--", "--color", "never"]), None);
        assert_eq!(found(&["registry", "--color", "sometimes"]), None);
    }
}
