//! A builder that writes a registry to a temporary directory and runs the real binary in it,
//! with a cleared environment.

use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) struct Test {
    dir: tempfile::TempDir,
    args: Vec<String>,
}

#[derive(Debug)]
pub(crate) struct Output {
    pub(crate) status: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Output {
    /// Status, standard output and standard error, for a snapshot.
    pub(crate) fn report(&self) -> String {
        format!(
            "status: {}\n----- stdout -----\n{}----- stderr -----\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}

/// The minimal settings file.
pub(crate) const SETTINGS: &str = "{ org: 'acme', repo: 'https://github.com/acme/platform.git' }\n";

impl Test {
    pub(crate) fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            args: Vec::new(),
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

    pub(crate) fn args<I: IntoIterator<Item = S>, S: Into<String>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn run(&self) -> Output {
        run_in(self.dir.path(), &self.args)
    }
}

/// Runs the binary in `dir` with `args` and nothing else from the environment.
pub(crate) fn run_in(dir: &Path, args: &[String]) -> Output {
    run_with(dir, args, &[])
}

/// The binary in `dir` with `args` and, from the environment, only `PATH` and `env`.
pub(crate) fn command(dir: &Path, args: &[String], env: &[(String, String)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_registry"));
    command
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(env.iter().map(|(key, value)| (key, value)));
    command
}

/// Runs the binary in `dir` with `args`, and only `PATH` and `env` from the environment.
pub(crate) fn run_with(dir: &Path, args: &[String], env: &[(String, String)]) -> Output {
    let output = command(dir, args, env).output().unwrap();
    Output {
        status: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
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
