//! Progress on a terminal: a run that lasts more than a second shows how many files it has
//! evaluated and how many outputs it has compared, on standard error of a real pseudo-terminal
//! (util-linux's `script`), then clears it; never with `--quiet`, in CI, for the JSON and
//! GitHub formats, or in a pipe.

use std::process::Command;

use crate::test::{Test, commit, registry};

/// A registry whose one service takes well over a second to evaluate in a test build.
fn slow() -> Test {
    Test::registry()
        .file(
            "registry/teams/platform.jsonnet",
            "{ name: 'platform', description: 'Platform.', slack: '#platform', members: [] }\n",
        )
        .file(
            "registry/services/slow.jsonnet",
            "local fib(n) = if n < 2 then n else fib(n - 1) + fib(n - 2);\n\
             { name: 'slow', description: 'Slow.', owner: 'platform', tier: 2, \
             lifecycle: 'production', repo: 'https://github.com/acme/slow.git', \
             language: 'go', annotations: { fib: std.toString(fib(26)) } }\n",
        )
}

/// Runs the binary with `args` on a pseudo-terminal in `test`'s directory, with `env` set
/// (and `CI` unset unless `env` sets it); everything the terminal received.
fn on_terminal(test: &Test, args: &str, env: &[(&str, &str)]) -> String {
    let line = format!("{} {args}", env!("CARGO_BIN_EXE_registry"));
    let mut command = Command::new("script");
    command
        .args(["--quiet", "--return", "--command", &line, "/dev/null"])
        .current_dir(test.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TERM", "xterm");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("util-linux's `script` runs");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_long_run_on_a_terminal_shows_progress_and_clears_it() {
    let test = slow();
    assert_eq!(test.run(["build"]).status, 0);
    let seen = on_terminal(&test, "check", &[]);
    assert!(seen.contains("evaluating "), "{seen}");
    assert!(seen.contains(" files "), "{seen}");
    assert!(seen.contains("comparing "), "{seen}");
    // Each drawing is erased before the next, and the last before the report.
    assert!(seen.contains("\u{1b}[2K"), "{seen}");
    let report = seen.rsplit("\u{1b}[2K").next().unwrap();
    assert!(
        report.contains("checked 1 team, 0 projects, 0 clusters, 1 service: no problems"),
        "{seen}"
    );
    assert!(!report.contains("evaluating"), "{seen}");
}

#[test]
fn no_progress_when_asked_for_silence_in_ci_or_for_a_program() {
    let test = slow();
    assert_eq!(test.run(["build"]).status, 0);
    commit(test.path(), "base");
    for (args, env) in [
        ("--quiet check", &[][..]),
        ("check -q", &[][..]),
        ("check", &[("CI", "true")][..]),
        ("check", &[("TERM", "dumb")][..]),
        ("check --format json", &[][..]),
        ("check --format github", &[][..]),
        ("diff --base HEAD --format json", &[][..]),
    ] {
        let seen = on_terminal(&test, args, env);
        assert!(!seen.contains("evaluating"), "{args} {env:?}: {seen}");
        assert!(!seen.contains("\u{1b}[2K"), "{args} {env:?}: {seen}");
    }
    let piped = registry(test.path()).args(["check"]).output();
    assert_eq!(piped.status, 0, "{}", piped.report());
    assert_eq!(piped.stderr, "", "{}", piped.report());
}
