//! A builder that writes a registry to a temporary directory and runs the real binary in it,
//! with a cleared environment.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

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

    /// Starts it, with standard output and standard error as given.
    pub(crate) fn spawn(mut self, stdout: Stdio, stderr: Stdio) -> Child {
        self.command.stdout(stdout).stderr(stderr).spawn().unwrap()
    }
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

/// A tool the tests run: from the environment variable `variable` (set by `.ci/run`), else
/// `name` on the path. A missing tool fails the test that needs it.
pub(crate) fn tool(variable: &str, name: &str) -> PathBuf {
    std::env::var_os(variable).map_or_else(|| PathBuf::from(name), PathBuf::from)
}
