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
    let output = Command::new(env!("CARGO_BIN_EXE_registry"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
        .unwrap();
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
