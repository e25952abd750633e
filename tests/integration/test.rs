//! A builder that writes a registry to a temporary directory and runs the real binary in it,
//! with a cleared environment.

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::tools;

pub(crate) struct Test {
    dir: tempfile::TempDir,
}

/// What a run of the binary did.
#[derive(Debug)]
pub(crate) struct Output {
    pub(crate) status: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    /// Where it ran, shown as `[TMP]` in a report.
    dir: PathBuf,
}

impl Output {
    /// Status, standard output and standard error, for a snapshot: the directory the binary
    /// ran in is shown as `[TMP]`, and the tool's version as `[VERSION]`.
    pub(crate) fn report(&self) -> String {
        let report = format!(
            "status: {}\n----- stdout -----\n{}----- stderr -----\n{}",
            self.status, self.stdout, self.stderr
        );
        let mut report = report.replace(env!("CARGO_PKG_VERSION"), "[VERSION]");
        for dir in [
            std::fs::canonicalize(&self.dir).ok(),
            Some(self.dir.clone()),
        ]
        .into_iter()
        .flatten()
        {
            let shown = dir.to_string_lossy().into_owned();
            if shown.len() > 1 {
                report = report.replace(&shown, "[TMP]");
            }
        }
        report
    }
}

/// The minimal settings file.
pub(crate) const SETTINGS: &str = "{ org: 'acme', repo: 'https://github.com/acme/platform.git' }\n";

impl Test {
    pub(crate) fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A registry with the minimal settings at `registry/`.
    pub(crate) fn registry() -> Self {
        Self::new().file("registry/registry.jsonnet", SETTINGS)
    }

    pub(crate) fn file(self, path: &str, content: impl AsRef<[u8]>) -> Self {
        let path = self.dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
        self
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs the binary in the test's directory with `args`.
    pub(crate) fn run<S: AsRef<OsStr>>(&self, args: impl IntoIterator<Item = S>) -> Output {
        registry(self.path()).args(args).output()
    }
}

/// A run of the binary in `dir`, with nothing from the environment but `PATH` and what
/// [`Run::env`] adds.
pub(crate) fn registry(dir: &Path) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_registry"));
    command
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    Run {
        command,
        dir: dir.to_owned(),
    }
}

/// A run of the binary, being set up.
pub(crate) struct Run {
    command: Command,
    dir: PathBuf,
}

impl Run {
    pub(crate) fn args<S: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.command.args(args);
        self
    }

    pub(crate) fn envs(mut self, env: &[(String, String)]) -> Self {
        self.command
            .envs(env.iter().map(|(key, value)| (key, value)));
        self
    }

    /// Runs it to the end.
    pub(crate) fn output(mut self) -> Output {
        let output = self.command.output().unwrap();
        Output {
            status: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
            dir: self.dir,
        }
    }

    /// Runs it to the end or until `limit` has passed (then it is killed), sampling the memory
    /// of its whole process tree as it goes.
    pub(crate) fn measured(self, limit: Duration) -> Measured {
        let dir = self.dir.clone();
        let started = Instant::now();
        let mut child = self.spawn(Stdio::piped(), Stdio::piped());
        let pipe = |mut reader: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                let _ = reader.read_to_end(&mut bytes);
                bytes
            })
        };
        let stdout = pipe(Box::new(child.stdout.take().unwrap()));
        let stderr = pipe(Box::new(child.stderr.take().unwrap()));
        let mut peak_kib = 0;
        let mut timed_out = false;
        let status = loop {
            peak_kib = peak_kib.max(tree_rss_kib(child.id()));
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > limit {
                timed_out = true;
                let _ = child.kill();
                break child.wait().unwrap();
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let seconds = started.elapsed().as_secs_f64();
        let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
        Measured {
            output: Output {
                status: status.code().unwrap_or(-1),
                stdout: text(stdout.join().unwrap()),
                stderr: text(stderr.join().unwrap()),
                dir,
            },
            seconds,
            peak_mib: peak_kib / 1024,
            timed_out,
        }
    }

    /// Starts it, with standard output and standard error as given.
    pub(crate) fn spawn(mut self, stdout: Stdio, stderr: Stdio) -> Child {
        self.command.stdout(stdout).stderr(stderr).spawn().unwrap()
    }
}

/// A run of the binary with its cost: how long it took and the most memory its processes held
/// at once.
#[derive(Debug)]
pub(crate) struct Measured {
    pub(crate) output: Output,
    pub(crate) seconds: f64,
    pub(crate) peak_mib: u64,
    /// It was still running at the limit, and was killed.
    pub(crate) timed_out: bool,
}

impl Measured {
    /// Fails unless the run ended by itself within `seconds`, holding at most `mib` at once.
    pub(crate) fn assert_within(&self, seconds: f64, mib: u64) {
        assert!(
            !self.timed_out && self.seconds <= seconds,
            "took {:.1} s (limit {seconds} s){}\n{}",
            self.seconds,
            if self.timed_out { ", killed" } else { "" },
            self.output.report()
        );
        assert!(
            self.peak_mib <= mib,
            "held {} MiB (limit {mib} MiB)\n{}",
            self.peak_mib,
            self.output.report()
        );
    }
}

/// The resident memory of process `pid` and all its descendants, in KiB (Linux).
fn tree_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .unwrap_or(0)
    };
    let mut total = field("VmRSS:");
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten();
    for task in tasks.flatten() {
        let children = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
        for child in children
            .split_whitespace()
            .filter_map(|child| child.parse().ok())
        {
            total += tree_rss_kib(child);
        }
    }
    total.max(field("VmHWM:"))
}

/// The repository's root.
pub(crate) fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Commits everything in `dir` on HEAD.
pub(crate) fn commit(dir: &Path, message: &str) -> String {
    let repo = git2::Repository::open(dir).unwrap_or_else(|_| git2::Repository::init(dir).unwrap());
    let mut index = repo.index().unwrap();
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.update_all(["*"], None).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let signature = git2::Signature::now("registry", "registry@example.com").unwrap();
    let parents: Vec<git2::Commit> = repo
        .head()
        .ok()
        .and_then(|head| head.peel_to_commit().ok())
        .into_iter()
        .collect();
    let parents: Vec<&git2::Commit> = parents.iter().collect();
    repo.commit(
        Some("HEAD"),
        &signature,
        &signature,
        message,
        &tree,
        &parents,
    )
    .unwrap()
    .to_string()
}

/// Copies the directory `from` to `to`, recursively.
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A tool the tests run: the one `crate::tools` provisions into its cache, or the binary that
/// the environment variable `variable` names. A tool that cannot be provisioned fails the test
/// that needs it.
pub(crate) fn tool(variable: &str, name: &str) -> PathBuf {
    let tool = match (variable, name) {
        ("REGISTRY_TEST_TERRAFORM", "terraform") => tools::terraform(),
        ("REGISTRY_TEST_MOTO", "moto_server") => tools::moto_server(),
        ("REGISTRY_TEST_GARAGE", "garage") => tools::garage(),
        ("REGISTRY_TEST_PROMTOOL", "promtool") => tools::promtool(),
        ("REGISTRY_TEST_AMTOOL", "amtool") => tools::amtool(),
        ("REGISTRY_TEST_DOT", "dot") => tools::dot(),
        ("REGISTRY_TEST_CHROMIUM", "chromium") => tools::chromium(),
        _ => panic!("crate::tools provisions no `{name}` overridden by {variable}"),
    };
    tool.program
}
