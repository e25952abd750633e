//! `registry new`: each kind written from the golden path on a copy of the example registry,
//! passing `registry check` once `registry build` has run; references checked first; nothing
//! overwritten; hostile names refused before anything is read or written.

use crate::test::{Test, copy_dir, project_root};

/// A copy of the example registry, built, so that `check` is clean before `new` runs.
fn example() -> Test {
    let test = Test::new();
    copy_dir(
        &project_root().join("registry"),
        &test.path().join("registry"),
    );
    let build = test.run(["build"]);
    assert_eq!(build.status, 0, "{}", build.report());
    test
}

#[test]
fn a_service_from_the_golden_path_passes_check_after_build() {
    let test = example();
    let output = test.run([
        "new",
        "service",
        "gift-cards",
        "--owner",
        "payments",
        "--tier",
        "2",
    ]);
    insta::assert_snapshot!(output.report());
    let written =
        std::fs::read_to_string(test.path().join("registry/services/gift-cards.jsonnet")).unwrap();
    assert!(written.lines().count() < 15, "{written}");
    assert!(written.contains("import 'service.libsonnet'"));
    let stale = test.run(["check"]);
    assert_eq!(
        stale.status,
        1,
        "a new service changes the outputs: {}",
        stale.report()
    );
    assert_eq!(test.run(["build"]).status, 0);
    let check = test.run(["check"]);
    assert_eq!(check.status, 0, "{}", check.report());
    let explained = test.run(["explain", "gift-cards"]);
    assert!(
        explained.stdout.contains("owner: team/payments"),
        "{}",
        explained.report()
    );
}

#[test]
fn every_kind_passes_check_after_build() {
    let test = example();
    for args in [
        vec![
            "new",
            "team",
            "gift-squad",
            "--parent",
            "commerce",
            "--description",
            "Gift cards and vouchers.",
        ],
        vec![
            "new",
            "project",
            "acme-sandbox",
            "--provider",
            "aws",
            "--cloud-id",
            "123456789012",
            "--environment",
            "development",
            "--owner",
            "platform",
        ],
        vec![
            "new",
            "cluster",
            "sandbox-eu",
            "--project",
            "acme-sandbox",
            "--environment",
            "development",
            "--region",
            "eu-west-1",
        ],
        vec![
            "new",
            "system",
            "gifting",
            "--owner",
            "gift-squad",
            "--description",
            "Gift cards and vouchers, bought and redeemed.",
        ],
        vec![
            "new",
            "api",
            "vouchers",
            "--owner",
            "gift-squad",
            "--type",
            "grpc",
            "--repo",
            "vouchers",
            "--system",
            "gifting",
        ],
        vec![
            "new",
            "service",
            "vouchers",
            "--owner",
            "gift-squad",
            "--system",
            "gifting",
            "--tier",
            "3",
            "--language",
            "rust",
            "--deploy",
            "sandbox-eu",
            "--depends-on",
            "ledger",
            "--description",
            "It's \"quoted\" \\ and\nmultiline",
        ],
    ] {
        let output = test.run(&args);
        assert_eq!(output.status, 0, "{args:?}: {}", output.report());
        insta::assert_snapshot!(args[1], output.stdout);
    }
    assert_eq!(test.run(["build"]).status, 0);
    let check = test.run(["check"]);
    assert_eq!(check.status, 0, "{}", check.report());
    let explained = test.run(["explain", "service/vouchers", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&explained.stdout).unwrap();
    assert_eq!(
        value["fields"][0]["value"],
        "It's \"quoted\" \\ and\nmultiline"
    );
    assert_eq!(value["runsOn"][0]["project"], "acme-sandbox");
    let api = test.run(["explain", "api/vouchers"]);
    assert!(api.stdout.contains("system/gifting"), "{}", api.report());
    assert!(
        api.stdout
            .contains("https://github.com/acme/vouchers/blob/main/api.proto"),
        "{}",
        api.report()
    );
    let service = test.run(["explain", "service/vouchers"]);
    assert!(
        service.stdout.contains("system/gifting"),
        "{}",
        service.report()
    );
}

#[test]
fn an_unknown_reference_suggests_the_nearest_and_writes_nothing() {
    let test = example();
    let output = test.run([
        "new",
        "service",
        "gift-cards",
        "--owner",
        "paymnts",
        "--tier",
        "2",
    ]);
    insta::assert_snapshot!(output.report(), @"
    status: 1
    ----- stdout -----
    ----- stderr -----
    error: --owner: no team is named `paymnts`
    help: did you mean `payments`?
    ");
    let output = test.run([
        "new",
        "service",
        "gift-cards",
        "--owner",
        "payments",
        "--tier",
        "2",
        "--deploy",
        "prod-ue",
    ]);
    insta::assert_snapshot!(output.report(), @"
    status: 1
    ----- stdout -----
    ----- stderr -----
    error: --deploy: no cluster is named `prod-ue`
    help: did you mean `prod-eu`?
    ");
    assert!(
        !test
            .path()
            .join("registry/services/gift-cards.jsonnet")
            .exists()
    );
}

#[test]
fn never_overwrites() {
    let test = example();
    let before = std::fs::read(test.path().join("registry/services/checkout.jsonnet")).unwrap();
    let output = test.run([
        "new", "service", "checkout", "--owner", "payments", "--tier", "2",
    ]);
    insta::assert_snapshot!(output.report(), @"
    status: 1
    ----- stdout -----
    ----- stderr -----
    error: service `checkout` already exists
    help: pick another name, or edit the existing file
    ");
    assert_eq!(
        before,
        std::fs::read(test.path().join("registry/services/checkout.jsonnet")).unwrap()
    );
    // A file that is not an entity yet (a dangling link) is not replaced either.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(
            "/nonexistent/target",
            test.path().join("registry/services/ghost.jsonnet"),
        )
        .unwrap();
        let output = test.run([
            "new", "service", "ghost", "--owner", "payments", "--tier", "2",
        ]);
        assert_ne!(output.status, 0, "{}", output.report());
        assert!(
            std::fs::symlink_metadata(test.path().join("registry/services/ghost.jsonnet"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }
}

#[test]
fn hostile_names_are_refused() {
    let test = Test::registry().file(
        "registry/teams/payments.jsonnet",
        "{ name: 'payments', description: 'Payments', slack: '#payments', members: [] }\n",
    );
    for name in [
        "../x",
        "/tmp/x",
        "a/b",
        "Checkout",
        "-x",
        "x-",
        "a..b",
        "",
        "é",
        "x\u{1b}[2J",
    ] {
        let output = test.run(["new", "team", name]);
        assert_ne!(output.status, 0, "{name:?}: {}", output.report());
        assert!(!output.stderr.contains('\u{1b}'), "{}", output.report());
    }
    let output = test.run(["new", "team", "../escape"]);
    insta::assert_snapshot!(output.report(), @"
    status: 1
    ----- stdout -----
    ----- stderr -----
    error: `../escape` cannot name a team
    help: a name is a DNS label: lowercase letters, digits and `-`, starting with a letter, at most 63 characters
    ");
    let mut written: Vec<String> = walk(test.path());
    written.sort();
    assert_eq!(
        written,
        [
            "registry/registry.jsonnet",
            "registry/teams/payments.jsonnet"
        ]
    );
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(
                    path.strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    found
}

#[test]
fn a_registry_without_the_golden_path_gets_a_plain_object() {
    let test = Test::registry().file(
        "registry/teams/payments.jsonnet",
        "{ name: 'payments', description: 'Payments', slack: '#payments', members: [] }\n",
    );
    let output = test.run([
        "new", "service", "api", "--owner", "payments", "--tier", "1",
    ]);
    insta::assert_snapshot!(output.report());
    let system = test.run(["new", "system", "money", "--owner", "payments"]);
    insta::assert_snapshot!("plain_system", system.stdout);
    let api = test.run([
        "new", "api", "payments", "--owner", "payments", "--type", "openapi", "--repo", "api",
        "--system", "money",
    ]);
    insta::assert_snapshot!("plain_api", api.stdout);
    assert_eq!(test.run(["build"]).status, 0);
    let check = test.run(["check"]);
    assert_eq!(check.status, 0, "{}", check.report());
}
