//! `registry build`: what it writes, what it leaves alone, and what it never does; and
//! `registry check` keeping the output directory honest.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::test::{Test, copy_dir, project_root, registry};

fn small() -> PathBuf {
    project_root().join("tests/fixtures/good/small")
}

/// Builds the small fixture registry into `out`.
pub(crate) fn build_small(out: &Path) {
    let output = registry(&project_root())
        .args(["--root".as_ref(), small().as_os_str(), "build".as_ref()])
        .args(["--out".as_ref(), out.as_os_str()])
        .output();
    assert_eq!(output.status, 0, "{}", output.report());
}

/// Every file under `dir`, with its content, in path order.
pub(crate) fn tree(dir: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(next) = stack.pop() {
        for entry in std::fs::read_dir(next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.push((relative, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

const TEAM: &str =
    "{ name: 'payments', description: 'Payments', slack: '#payments', members: [] }\n";

#[test]
fn generated_tree_of_the_small_registry() {
    let out = tempfile::tempdir().unwrap();
    build_small(out.path());
    let files = tree(out.path());
    let listing: String = files.iter().map(|(path, _)| path.clone() + "\n").collect();
    insta::assert_snapshot!("small_listing", listing);
    for (path, content) in &files {
        insta::assert_snapshot!(format!("small__{}", path.replace('/', "__")), content);
    }
}

#[test]
fn builds_are_identical_whatever_the_directory_or_core_count() {
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    build_small(first.path());
    // One core: evaluation runs on a single worker.
    let output = std::process::Command::new("taskset")
        .args(["-c", "0", env!("CARGO_BIN_EXE_registry"), "--root"])
        .arg(small())
        .arg("build")
        .arg("--out")
        .arg(second.path())
        .output()
        .expect("taskset runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(tree(first.path()), tree(second.path()));
}

#[test]
fn writes_only_what_changed_and_removes_only_its_own_files() {
    let test = Test::registry()
        .file("registry/teams/payments.jsonnet", TEAM)
        .file("registry/teams/risk.jsonnet", TEAM.replace("payments", "risk"))
        .file(
            "registry/projects/prod.jsonnet",
            "{ name: 'prod', owner: 'payments', provider: 'aws', cloudId: '123456789012', environment: 'production', region: 'eu-west-1', costCentre: 'ENG-100' }",
        );
    let first = test.run(["build"]);
    assert_eq!(first.status, 0, "{}", first.report());
    assert!(
        first
            .stdout
            .ends_with("generated: 11 written, 0 removed, 0 unchanged\n"),
        "{}",
        first.stdout
    );
    let generated = test.path().join("generated");
    let teams = generated.join("terraform/teams.auto.tfvars.json");
    let project = generated.join("terraform/projects/prod.auto.tfvars.json");
    let inode = |path: &Path| std::fs::metadata(path).unwrap().ino();
    let (teams_inode, project_inode) = (inode(&teams), inode(&project));
    std::fs::write(generated.join("notes.txt"), "kept").unwrap();

    // Nothing changed: nothing is written.
    let again = test.run(["build"]);
    assert!(
        again
            .stdout
            .ends_with("generated: 0 written, 0 removed, 11 unchanged\n"),
        "{}",
        again.stdout
    );
    assert_eq!(inode(&teams), teams_inode);

    // A team's description changes: only the files it shapes are rewritten, and the
    // manifest, which records their hashes.
    std::fs::write(
        test.path().join("registry/teams/risk.jsonnet"),
        TEAM.replace("payments", "risk").replace("Payments", "Risk"),
    )
    .unwrap();
    let changed = test.run(["build"]);
    assert!(
        changed
            .stdout
            .ends_with("generated: 4 written, 0 removed, 7 unchanged\n"),
        "{}",
        changed.stdout
    );
    assert_ne!(inode(&teams), teams_inode);
    assert_eq!(inode(&project), project_inode);

    // The project goes away: its file is removed, the blob and manifest rewritten, the rest
    // kept.
    let teams_inode = inode(&teams);
    std::fs::remove_file(test.path().join("registry/projects/prod.jsonnet")).unwrap();
    let after = test.run(["build"]);
    assert!(
        after
            .stdout
            .ends_with("generated: 3 written, 3 removed, 5 unchanged\n"),
        "{}",
        after.stdout
    );
    assert!(!project.exists());
    assert!(
        !generated.join("terraform/projects").exists(),
        "the emptied directory is removed"
    );
    assert_eq!(inode(&teams), teams_inode);
    assert_eq!(
        std::fs::read_to_string(generated.join("notes.txt")).unwrap(),
        "kept"
    );
    let leftovers: Vec<_> = tree(&generated)
        .into_iter()
        .filter(|(path, _)| path.contains(".registry-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

/// A file that holds what the registry produces and then more, or less, is not what it
/// produces: `build` rewrites it, and `check` reports it.
#[test]
fn a_file_longer_or_shorter_than_its_content_is_rewritten() {
    let test = Test::registry().file("registry/teams/payments.jsonnet", TEAM);
    assert_eq!(test.run(["build"]).status, 0);
    let teams = test
        .path()
        .join("generated/terraform/teams.auto.tfvars.json");
    let expected = std::fs::read(&teams).unwrap();
    for changed in [
        [expected.as_slice(), b"\n"].concat(),
        expected[..expected.len() - 1].to_vec(),
    ] {
        std::fs::write(&teams, &changed).unwrap();
        let check = test.run(["check", "--format", "concise"]);
        assert_eq!(check.status, 1, "{}", check.report());
        assert!(
            check.stdout.contains("teams.auto.tfvars.json` is stale"),
            "{}",
            check.report()
        );
        let build = test.run(["build"]);
        assert!(
            build.stdout.contains("generated: 1 written, 0 removed, "),
            "{}",
            build.report()
        );
        assert_eq!(std::fs::read(&teams).unwrap(), expected);
    }
}

#[test]
fn writes_nothing_when_the_registry_has_errors() {
    let test = Test::registry().file("registry/teams/payments.jsonnet", TEAM);
    assert_eq!(test.run(["build"]).status, 0);
    let before = tree(&test.path().join("generated"));
    std::fs::write(
        test.path().join("registry/teams/risk.jsonnet"),
        "{ name: 'risk', description: 'Risk', slack: '#risk', members: [], parent: 'nobody' }",
    )
    .unwrap();
    std::fs::write(
        test.path().join("registry/teams/payments.jsonnet"),
        TEAM.replace("Payments", "All payments"),
    )
    .unwrap();
    let failed = test.run(["build"]);
    assert_eq!(failed.status, 1, "{}", failed.report());
    assert!(failed.stdout.contains("error[unknown-reference]"));
    assert_eq!(tree(&test.path().join("generated")), before);

    let fresh = Test::registry().file("registry/teams/payments.jsonnet", "{ name: 'payments' }");
    assert_eq!(fresh.run(["build"]).status, 1);
    assert!(!fresh.path().join("generated").exists());
}

#[test]
fn never_writes_through_a_link_out_of_the_output_directory() {
    let test = Test::registry()
        .file("registry/teams/payments.jsonnet", TEAM)
        .file("elsewhere/keep", "");
    std::fs::create_dir_all(test.path().join("generated")).unwrap();
    std::os::unix::fs::symlink(
        test.path().join("elsewhere"),
        test.path().join("generated/terraform"),
    )
    .unwrap();
    let output = registry(test.path()).args(["build"]).output();
    insta::assert_snapshot!(output.report(), @"
    status: 1
    ----- stdout -----
    error[generated-not-regular]: `generated/terraform` is a symbolic link where the registry writes a directory
    --> generated/terraform
     = note: never followed, opened or printed
     = help: remove it and run `registry build`

    checked 1 team, 0 projects, 0 clusters, 0 services: 1 error
    generated: 5 written, 0 removed, 0 unchanged
    ----- stderr -----
    ");
    assert_eq!(
        tree(&test.path().join("elsewhere")),
        vec![("keep".to_owned(), String::new())]
    );
    assert!(
        std::fs::symlink_metadata(test.path().join("generated/terraform"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn check_reports_stale_missing_and_extra_files() {
    let test = Test::registry().file("registry/teams/payments.jsonnet", TEAM);
    assert_eq!(test.run(["build"]).status, 0);
    let generated = test.path().join("generated");
    let clean = registry(test.path()).args(["check"]).output();
    assert_eq!(clean.status, 0, "{}", clean.report());

    let teams = generated.join("terraform/teams.auto.tfvars.json");
    let edited = std::fs::read_to_string(&teams)
        .unwrap()
        .replace("#payments", "#payments-team");
    std::fs::write(&teams, edited).unwrap();
    std::fs::remove_file(generated.join("registry.json")).unwrap();
    std::fs::write(generated.join("argocd.yaml"), "{}").unwrap();
    let output = registry(test.path()).args(["check"]).output();
    insta::assert_snapshot!(output.report(), @r##"
    status: 1
    ----- stdout -----
    error[generated-extra]: `generated/argocd.yaml` is not produced by the registry
    --> generated/argocd.yaml
     = note: not generated
     = help: run `registry build` to remove files it generated before; remove others by hand

    error[generated-missing]: `generated/registry.json` is missing
    --> generated/registry.json
     = note: the registry produces this file
     = help: run `registry build` and commit the result

    error[generated-stale]: `generated/terraform/teams.auto.tfvars.json` is stale
    --> generated/terraform/teams.auto.tfvars.json
     = note: differs from what the registry produces
     = help: run `registry build` and commit the result
    --- a/generated/terraform/teams.auto.tfvars.json
    +++ b/generated/terraform/teams.auto.tfvars.json
    @@ -2,7 +2,7 @@
       "teams": {
         "payments": {
           "description": "Payments",
    -      "slack_channel": "#payments-team",
    +      "slack_channel": "#payments",
           "parent": null,
           "members": {},
           "on_call": null

    checked 1 team, 0 projects, 0 clusters, 0 services: 3 errors
    ----- stderr -----
    "##);
}

#[test]
fn drift_past_twenty_files_of_a_kind_is_counted_and_verbose_lists_it_all() {
    let test = Test::new();
    copy_dir(
        &project_root().join("registry"),
        &test.path().join("registry"),
    );
    assert_eq!(registry(test.path()).args(["build"]).output().status, 0);
    let generated = test.path().join("generated");
    let listed = |dir: &str| {
        let mut files: Vec<PathBuf> = std::fs::read_dir(generated.join(dir))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect();
        files.sort();
        files
    };
    let (services, users) = (listed("backstage/services"), listed("backstage/users"));
    assert!(services.len() >= 34 && users.len() >= 11);
    // Stale files from two pieces rendered apart: the users' piece comes first, though its
    // paths sort after the services'.
    let stale: Vec<&PathBuf> = services[..12].iter().chain(&users[..11]).collect();
    for file in &stale {
        let mut bytes = std::fs::read(file).unwrap();
        bytes.extend_from_slice(b"# changed by hand\n");
        std::fs::write(file, bytes).unwrap();
    }
    for file in &services[12..34] {
        std::fs::remove_file(file).unwrap();
    }
    for index in 0..21 {
        std::fs::write(generated.join(format!("extra-{index:02}.yaml")), "{}\n").unwrap();
    }
    let count = |text: &str, what: &str| text.matches(what).count();
    let capped = registry(test.path())
        .args(["check", "--format", "concise"])
        .output();
    assert_eq!(capped.status, 1, "{}", capped.report());
    let out = &capped.stdout;
    assert_eq!(count(out, "is stale"), 20, "{out}");
    assert_eq!(count(out, "is missing"), 20, "{out}");
    assert_eq!(count(out, "is not produced by the registry"), 20, "{out}");
    for line in [
        "3 more stale files in `generated`",
        "2 more missing files in `generated`",
        "1 more extra files in `generated`",
    ] {
        assert_eq!(count(out, line), 1, "{line}: {out}");
    }
    // The first twenty by path are the ones shown, whatever order they were found in.
    let shown = |file: &PathBuf| {
        let path = file
            .strip_prefix(test.path())
            .unwrap()
            .display()
            .to_string();
        out.contains(&format!("`{path}` is stale"))
    };
    let expected: Vec<bool> = (0..stale.len()).map(|index| index < 20).collect();
    let found: Vec<bool> = stale.iter().map(|file| shown(file)).collect();
    assert_eq!(found, expected, "{out}");
    // On one core the users' piece is compared before the services': the same twenty.
    let one_core = std::process::Command::new("taskset")
        .args(["-c", "0", env!("CARGO_BIN_EXE_registry")])
        .args(["check", "--format", "concise"])
        .current_dir(test.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
        .expect("taskset runs");
    assert_eq!(String::from_utf8_lossy(&one_core.stdout), *out);
    let all = registry(test.path())
        .args(["check", "--format", "concise", "--verbose"])
        .output();
    let out = &all.stdout;
    assert_eq!(count(out, "is stale"), 23, "{out}");
    assert_eq!(count(out, "is missing"), 22, "{out}");
    assert_eq!(count(out, "is not produced by the registry"), 21, "{out}");
    assert_eq!(count(out, " more "), 0, "{out}");
}
