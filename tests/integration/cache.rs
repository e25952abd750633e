//! The evaluation cache: every command ends, with it, exactly as it ends without it, through
//! library and settings edits, renames and deletions, with a damaged, foreign or planted cache,
//! and with runs sharing one cache at once.

use std::path::Path;
use std::process::Stdio;

use crate::test::{Output, Test, commit, copy_dir, project_root, registry};

/// The example registry in a repository of its own, with its outputs built and committed, and
/// a user's cache directory outside it.
fn example() -> (Test, tempfile::TempDir) {
    let test = Test::new();
    copy_dir(
        &project_root().join("registry"),
        &test.path().join("registry"),
    );
    let home = tempfile::tempdir().unwrap();
    let built = registry(test.path()).args(["--no-cache", "build"]).output();
    assert_eq!(built.status, 0, "{}", built.report());
    commit(test.path(), "base");
    (test, home)
}

/// A run with this user's cache (its key under `home`).
fn cached(test: &Test, home: &Path, args: &[&str]) -> Output {
    registry(test.path())
        .envs(&[("XDG_CACHE_HOME".to_owned(), home.display().to_string())])
        .args(args)
        .output()
}

/// The commands compared, each with and without the cache.
const COMMANDS: &[&[&str]] = &[
    &["check"],
    &["check", "--format", "json"],
    &["check", "--format", "github"],
    &["graph", "--format", "dot"],
    &["diff", "--base", "HEAD", "--format", "json"],
    &["diff", "--base", "HEAD", "--format", "markdown"],
];

/// Asserts that every command ends the same with the cache as without it; the warnings the
/// cache gave, in order.
fn same_everywhere(test: &Test, home: &Path) -> String {
    let mut warnings = String::new();
    for args in COMMANDS {
        let mut without = vec!["--no-cache"];
        without.extend_from_slice(args);
        let expected = registry(test.path()).args(&without).output();
        let found = cached(test, home, args);
        assert_eq!(
            (found.status, &found.stdout),
            (expected.status, &expected.stdout),
            "`{}` with the cache:\n{}\nwithout:\n{}",
            args.join(" "),
            found.report(),
            expected.report()
        );
        warnings.push_str(&found.stderr);
    }
    // `build` writes the same files either way.
    let out = |name: &str| test.path().join("out").join(name);
    let without = registry(test.path())
        .args(["--no-cache", "build", "--out"])
        .args([out("without")])
        .output();
    let with = cached(
        test,
        home,
        &["build", "--out", out("with").to_str().unwrap()],
    );
    assert_eq!(with.status, without.status, "{}", with.report());
    assert_eq!(
        with.stdout.replace("out/with", "out/X"),
        without.stdout.replace("out/without", "out/X")
    );
    if without.status == 0 {
        assert!(
            std::process::Command::new("diff")
                .args(["-r", "--no-dereference"])
                .arg(out("with"))
                .arg(out("without"))
                .status()
                .unwrap()
                .success(),
            "build wrote different files with the cache"
        );
    }
    let _ = std::fs::remove_dir_all(test.path().join("out"));
    warnings
}

/// Runs `check` with this user's cache, asserting that it ends as `check --no-cache` does,
/// with problems found.
fn drift_as_without(test: &Test, home: &Path) -> Output {
    let expected = registry(test.path()).args(["--no-cache", "check"]).output();
    assert_eq!(expected.status, 1, "{}", expected.report());
    let output = cached(test, home, &["check"]);
    assert_eq!(
        (output.status, &output.stdout),
        (1, &expected.stdout),
        "{}",
        output.report()
    );
    output
}

/// Replaces `old` with `new` in the registry's file `file`.
fn edit(test: &Test, file: &str, old: &str, new: &str) {
    let path = test.path().join("registry").join(file);
    let content = std::fs::read_to_string(&path).unwrap();
    assert!(content.contains(old), "`{old}` is not in {file}");
    std::fs::write(&path, content.replacen(old, new, 1)).unwrap();
}

#[test]
fn every_command_ends_the_same_with_the_cache_through_every_kind_of_edit() {
    let (test, home) = example();
    let home = home.path();
    let cache = test.path().join(".registry-cache");
    assert_eq!(same_everywhere(&test, home), "");
    // The cache is beside the root, kept out of git by its own `.gitignore`.
    assert!(cache.join("evaluation").is_file());
    let status = std::process::Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=all"])
        .current_dir(test.path())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&status.stdout), "");
    assert_eq!(same_everywhere(&test, home), "");

    // A library every service imports: a default changes everywhere.
    edit(
        &test,
        "lib/service.libsonnet",
        "replicas: replicas,",
        "replicas: replicas + 1,",
    );
    assert_eq!(same_everywhere(&test, home), "");
    // The settings: a policy turned off changes the diagnostics.
    edit(
        &test,
        "registry.jsonnet",
        "'tier1-replicas': 'error'",
        "'tier1-replicas': 'off'",
    );
    assert_eq!(same_everywhere(&test, home), "");
    // A rename (the file's name no longer matches), a deletion, and the file back again.
    let services = test.path().join("registry/services");
    std::fs::rename(
        services.join("catalog.jsonnet"),
        services.join("katalog.jsonnet"),
    )
    .unwrap();
    assert_eq!(same_everywhere(&test, home), "");
    std::fs::remove_file(services.join("katalog.jsonnet")).unwrap();
    assert_eq!(same_everywhere(&test, home), "");
    // A new library file beside a service shadows the library path for that service alone.
    std::fs::write(
        services.join("acme.libsonnet"),
        "(import '../lib/acme.libsonnet') + { shadowed: true }",
    )
    .unwrap();
    assert_eq!(same_everywhere(&test, home), "");
    std::fs::remove_file(services.join("acme.libsonnet")).unwrap();
    assert_eq!(same_everywhere(&test, home), "");
}

#[test]
fn a_damaged_foreign_or_planted_cache_is_never_believed() {
    let (test, home) = example();
    let home = home.path();
    let cache = test.path().join(".registry-cache");
    assert_eq!(same_everywhere(&test, home), "");
    let file = cache.join("evaluation");
    let bytes = std::fs::read(&file).unwrap();

    // Truncated: ignored with a warning, and rebuilt. (Without the clean compilation kept
    // beside it, which would spare reading it at all.)
    std::fs::write(&file, &bytes[..bytes.len() / 3]).unwrap();
    std::fs::remove_file(cache.join("compiled")).unwrap();
    let output = cached(&test, home, &["check"]);
    assert_eq!(output.status, 0, "{}", output.report());
    assert!(
        output.stderr.contains("is not used") && output.stderr.contains("rebuilt"),
        "{}",
        output.report()
    );
    assert_eq!(cached(&test, home, &["check"]).stderr, "");

    // Written under another user's key, as a cache committed to the repository or copied from
    // another machine is: never believed, whatever it holds.
    let other = tempfile::tempdir().unwrap();
    let other = other.path();
    std::fs::remove_dir_all(&cache).unwrap();
    edit(
        &test,
        "lib/service.libsonnet",
        "replicas: replicas,",
        "replicas: replicas + 1,",
    );
    let foreign = cached(&test, other, &["check"]);
    edit(
        &test,
        "lib/service.libsonnet",
        "replicas: replicas + 1,",
        "replicas: replicas,",
    );
    let output = cached(&test, home, &["check"]);
    assert_eq!(
        (output.status, &output.stdout),
        (
            0,
            &registry(test.path())
                .args(["--no-cache", "check"])
                .output()
                .stdout
        ),
        "{}\nthe other user's run:\n{}",
        output.report(),
        foreign.report()
    );
    assert!(
        output.stderr.contains("not written by this user"),
        "{}",
        output.report()
    );

    // A cache directory that is a link is neither read nor written through.
    std::fs::remove_dir_all(&cache).unwrap();
    let elsewhere = test.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &cache).unwrap();
    let output = cached(&test, home, &["check"]);
    assert_eq!(output.status, 0, "{}", output.report());
    assert!(
        output.stderr.contains("symbolic link"),
        "{}",
        output.report()
    );
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
}

#[test]
fn runs_sharing_one_cache_at_once_each_end_as_without_it() {
    let (test, home) = example();
    let home = home.path();
    edit(
        &test,
        "lib/service.libsonnet",
        "replicas: replicas,",
        "replicas: replicas + 1,",
    );
    let expected = registry(test.path()).args(["--no-cache", "check"]).output();
    // The first round starts with no cache, the others with the one the first wrote.
    for round in 0..3 {
        let children: Vec<_> = (0..4)
            .map(|_| {
                registry(test.path())
                    .envs(&[("XDG_CACHE_HOME".to_owned(), home.display().to_string())])
                    .args(["check"])
                    .spawn(Stdio::piped(), Stdio::piped())
            })
            .collect();
        for child in children {
            let output = child.wait_with_output().unwrap();
            assert_eq!(
                (
                    output.status.code(),
                    String::from_utf8_lossy(&output.stdout)
                ),
                (Some(expected.status), expected.stdout.as_str().into()),
                "round {round}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            assert_eq!(String::from_utf8_lossy(&output.stderr), "", "round {round}");
        }
    }
}

#[test]
fn a_generated_file_changed_by_hand_is_found_whatever_the_index_holds() {
    let (test, home) = example();
    let home = home.path();
    // Files are indexed once their last change is a moment old.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    for _ in 0..2 {
        let output = cached(&test, home, &["check"]);
        assert_eq!(output.status, 0, "{}", output.report());
    }
    let cache = test.path().join(".registry-cache");
    let indexed = std::fs::read_dir(&cache)
        .unwrap()
        .filter(|entry| {
            entry
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("outputs-")
        })
        .count();
    assert_eq!(indexed, 1);
    // The same size and modification time, other bytes: the change time tells.
    let generated = test.path().join("generated/registry.json");
    let before = std::fs::metadata(&generated).unwrap();
    let mut bytes = std::fs::read(&generated).unwrap();
    let at = bytes.iter().position(|byte| *byte == b'a').unwrap();
    bytes[at] = b'b';
    std::fs::write(&generated, &bytes).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&generated)
        .unwrap()
        .set_modified(before.modified().unwrap())
        .unwrap();
    let output = drift_as_without(&test, home);
    assert!(
        output.stdout.contains("registry.json"),
        "{}",
        output.report()
    );
}

#[test]
fn an_unchanged_registry_is_compared_without_rendering_and_every_drift_is_still_found() {
    let (test, home) = example();
    let home = home.path();
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let clean = registry(test.path()).args(["--no-cache", "check"]).output();
    for _ in 0..3 {
        let output = cached(&test, home, &["check"]);
        assert_eq!(
            (output.status, &output.stdout),
            (0, &clean.stdout),
            "{}",
            output.report()
        );
    }
    let generated = test.path().join("generated");
    let compare = |what: &str| {
        let expected = registry(test.path()).args(["--no-cache", "check"]).output();
        assert_eq!(expected.status, 1, "{what}: {}", expected.report());
        let output = cached(&test, home, &["check"]);
        assert_eq!(
            (output.status, &output.stdout),
            (1, &expected.stdout),
            "{what}: {}",
            output.report()
        );
    };
    // A file nobody generated.
    std::fs::write(generated.join("extra.yaml"), "kind: Extra\n").unwrap();
    compare("an extra file");
    std::fs::remove_file(generated.join("extra.yaml")).unwrap();
    // A generated file gone, then a link in its place.
    let file = generated.join("registry.json");
    let bytes = std::fs::read(&file).unwrap();
    std::fs::remove_file(&file).unwrap();
    compare("a missing file");
    std::os::unix::fs::symlink("/etc/hostname", &file).unwrap();
    compare("a link in place of a file");
    std::fs::remove_file(&file).unwrap();
    std::fs::write(&file, &bytes).unwrap();
    let output = cached(&test, home, &["check"]);
    assert_eq!(output.status, 0, "{}", output.report());
}

#[test]
fn a_clean_registry_unchanged_is_checked_without_compiling_and_any_change_compiles_it() {
    let (test, home) = example();
    let home = home.path();
    let cache = test.path().join(".registry-cache");
    // Old enough for the index to vouch for the generated files.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let same_as_without = |args: &[&str], status: i32| {
        let mut without = vec!["--no-cache"];
        without.extend_from_slice(args);
        let expected = registry(test.path()).args(&without).output();
        assert_eq!(expected.status, status, "{}", expected.report());
        let output = cached(&test, home, args);
        assert_eq!(
            (output.status, &output.stdout),
            (expected.status, &expected.stdout),
            "`{}`: {}",
            args.join(" "),
            output.report()
        );
        output.stderr
    };
    assert_eq!(same_as_without(&["check"], 0), "");
    assert!(cache.join("compiled").is_file());
    // From now on the evaluation cache is damaged: a run that evaluates anything, even from
    // the cache, reads it and says so. While nothing changes, nothing is read.
    let damage = || std::fs::write(cache.join("evaluation"), b"damaged").unwrap();
    damage();
    for args in [
        &["check"][..],
        &["check", "--format", "json"],
        &["check", "--format", "github"],
    ] {
        assert_eq!(same_as_without(args, 0), "", "`{}`", args.join(" "));
    }
    // A file rewritten with the same bytes is the same registry.
    let service = test.path().join("registry/services/catalog.jsonnet");
    let source = std::fs::read(&service).unwrap();
    std::fs::write(&service, &source).unwrap();
    assert_eq!(same_as_without(&["check"], 0), "");

    let compiled = |what: &str, stderr: String| {
        assert!(
            stderr.contains("is not used") && stderr.contains("rebuilt"),
            "{what}: not compiled again: {stderr}"
        );
        damage();
    };
    // A file no evaluation reads is still a change: the registry is compiled again.
    let notes = test.path().join("registry/NOTES.md");
    std::fs::write(&notes, "notes\n").unwrap();
    let stderr = same_as_without(&["check"], 0);
    compiled("a new file", stderr);
    std::fs::remove_file(&notes).unwrap();
    compiled("a file removed", same_as_without(&["check"], 0));
    // A problem is found, and never kept: it is found again on the next run.
    edit(
        &test,
        "services/catalog.jsonnet",
        "owner='commerce'",
        "owner='nobody'",
    );
    compiled("an error", same_as_without(&["check"], 1));
    compiled("the error again", same_as_without(&["check"], 1));
    // Undone, the files are those of the clean registry kept before: nothing is compiled.
    std::fs::write(&service, &source).unwrap();
    assert_eq!(same_as_without(&["check"], 0), "");
    // A generated file changed by hand needs the outputs rendered: compiled again, and found.
    let generated = test.path().join("generated/registry.json");
    let blob = std::fs::read(&generated).unwrap();
    std::fs::write(&generated, b"{}\n").unwrap();
    compiled("a stale output", same_as_without(&["check"], 1));
    std::fs::write(&generated, &blob).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2100));
    same_as_without(&["check"], 0);
    assert_eq!(same_as_without(&["check"], 0), "");
    // An extra file needs nothing rendered: found without compiling.
    std::fs::write(test.path().join("generated/extra.yaml"), "kind: Extra\n").unwrap();
    assert_eq!(same_as_without(&["check"], 1), "");
}

/// Each piece's record in the cache, by name, with the inode it has: a record written again is
/// a new file.
fn pieces(test: &Test) -> std::collections::BTreeMap<String, u64> {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::read_dir(test.path().join(".registry-cache"))
        .unwrap()
        .map(Result::unwrap)
        .filter(|entry| entry.file_name().to_string_lossy().starts_with("piece-"))
        .map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            (name, entry.metadata().unwrap().ino())
        })
        .collect()
}

/// The cache file of the piece named `name`, as `registry` names it.
fn piece(name: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(name.as_bytes());
    let hex = digest.iter().fold(String::new(), |mut hex, byte| {
        use std::fmt::Write as _;
        let _ = write!(hex, "{byte:02x}");
        hex
    });
    format!("piece-{}", &hex[..12])
}

#[test]
fn an_edit_renders_only_the_pieces_it_reaches_and_drift_elsewhere_is_still_found() {
    let (test, home) = example();
    let home = home.path();
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let output = cached(&test, home, &["check"]);
    assert_eq!(output.status, 0, "{}", output.report());
    let before = pieces(&test);
    assert!(before.len() > 10, "{before:?}");
    assert!(before.contains_key(&piece("Teams")), "{before:?}");

    // One service's description: its pieces are rendered again, the others taken as they were.
    // It deploys to one cluster.
    edit(
        &test,
        "services/fraud-graph.jsonnet",
        "a research prototype",
        "a prototype",
    );
    drift_as_without(&test, home);
    let after = pieces(&test);
    let rendered: Vec<&String> = after
        .iter()
        .filter(|(name, inode)| before.get(*name) != Some(inode))
        .map(|(name, _)| name)
        .collect();
    assert!(!rendered.is_empty(), "no piece was rendered again");
    // Of the 19 pieces, the nine that read every entity are rendered again, with the project,
    // the cluster and the Argo CD that the service reaches; the rest are not.
    assert!(
        rendered.len() + 5 <= after.len(),
        "{} of {} pieces were rendered again",
        rendered.len(),
        after.len()
    );
    assert!(!rendered.contains(&&piece("Teams")), "{rendered:?}");

    // A file of a piece the edit does not reach, changed by hand: that piece is rendered again
    // and the change is found, as without the cache.
    let teams = test
        .path()
        .join("generated/terraform/teams.auto.tfvars.json");
    let content = std::fs::read_to_string(&teams).unwrap();
    std::fs::write(&teams, content.replacen("\"teams\"", "\"Teams\"", 1)).unwrap();
    let output = drift_as_without(&test, home);
    assert!(
        output.stdout.contains("teams.auto.tfvars.json"),
        "{}",
        output.report()
    );
    assert_ne!(
        pieces(&test).get(&piece("Teams")),
        after.get(&piece("Teams"))
    );
}
