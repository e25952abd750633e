//! `registry diff --base REV` on real git repositories made with git2.

use std::time::Duration;

use crate::test::{SETTINGS, Test, commit, registry};

const TEAM: &str =
    "{ name: 'payments', description: 'Payments', slack: '#payments', members: [] }\n";

fn service(name: &str, extra: &str) -> String {
    format!("local s = import 'service.libsonnet';\ns.new('{name}') + {{ {extra} }}\n")
}

const LIB: &str = "{\n  new(name):: {\n    name: name,\n    description: 'The %s service' % name,\n    owner: 'payments',\n    tier: 2,\n    lifecycle: 'production',\n    repo: 'https://github.com/acme/%s.git' % name,\n    language: 'go',\n  },\n}\n";

fn repo() -> Test {
    let test = Test::new()
        .file("registry/registry.jsonnet", SETTINGS)
        .file("registry/lib/service.libsonnet", LIB)
        .file("registry/teams/payments.jsonnet", TEAM)
        .file(
            "registry/services/api.jsonnet",
            service("api", "dependsOn: ['ledger']"),
        )
        .file("registry/services/ledger.jsonnet", service("ledger", ""))
        .file(
            "registry/services/web.jsonnet",
            service("web", "dependsOn: ['api']"),
        );
    commit(test.path(), "base");
    test
}

fn diff(test: &Test, args: &[&str]) -> crate::test::Output {
    let mut all = vec!["diff".to_owned(), "--base".to_owned(), "HEAD".to_owned()];
    all.extend(args.iter().map(|arg| (*arg).to_owned()));
    registry(test.path()).args(all).output()
}

fn write(test: &Test, path: &str, content: &str) {
    std::fs::write(test.path().join(path), content).unwrap();
}

#[test]
fn no_change() {
    let test = repo();
    let output = diff(&test, &["--exit-code"]);
    assert_eq!(output.status, 0, "{}", output.report());
    assert_eq!(output.stdout, "no changes\n");
}

#[test]
fn a_changed_field_and_its_impact() {
    let test = repo();
    write(
        &test,
        "registry/services/ledger.jsonnet",
        &service("ledger", "tier: 1"),
    );
    let output = diff(&test, &["--exit-code"]);
    insta::assert_snapshot!(output.report(), @"
    status: 1
    ----- stdout -----
    entities: 0 added, 0 removed, 1 changed
    ~ service/ledger
        /tier: 2 → 1
        depended on by: api
    generated files: 0 added, 0 removed, 2 changed
    ~ backstage/services/ledger.yaml
    ~ registry.json
    dependents (2): api, web
    reviewers: team/payments
    ----- stderr -----
    ");
}

#[test]
fn added_removed_and_renamed_entities() {
    let test = repo();
    std::fs::remove_file(test.path().join("registry/services/web.jsonnet")).unwrap();
    write(
        &test,
        "registry/services/portal.jsonnet",
        &service("portal", "dependsOn: ['api']"),
    );
    write(
        &test,
        "registry/teams/risk.jsonnet",
        &TEAM.replace("payments", "risk"),
    );
    let output = diff(&test, &["--format", "json"]);
    assert_eq!(output.status, 0, "{}", output.report());
    let json: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    let entities: Vec<String> = json["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entity| {
            format!(
                "{} {}/{}",
                entity["change"].as_str().unwrap(),
                entity["kind"].as_str().unwrap(),
                entity["name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        entities,
        [
            "added team/risk",
            "added service/portal",
            "removed service/web"
        ]
    );
}

#[test]
fn a_library_change_shows_as_the_entities_it_changes() {
    let test = repo();
    write(
        &test,
        "registry/lib/service.libsonnet",
        &LIB.replace("tier: 2", "tier: 3"),
    );
    let output = diff(&test, &["--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    let changed: Vec<&str> = json["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entity| entity["name"].as_str().unwrap())
        .collect();
    assert_eq!(changed, ["api", "ledger", "web"]);
    for entity in json["entities"].as_array().unwrap() {
        assert_eq!(
            entity["fields"],
            serde_json::json!([{ "pointer": "/tier", "old": 2, "new": 3 }])
        );
    }
}

#[test]
fn a_change_that_alters_no_value_is_no_change() {
    let test = repo();
    let refactored = LIB
        .replace(
            "  new(name):: {",
            "  local org = 'acme',\n\n  new(name)::   {",
        )
        .replace(
            "'https://github.com/acme/%s.git' % name",
            "'https://github.com/%s/%s.git' % [org, name]",
        );
    write(&test, "registry/lib/service.libsonnet", &refactored);
    write(
        &test,
        "registry/teams/payments.jsonnet",
        &format!("\n\n{TEAM}  "),
    );
    let output = diff(&test, &["--exit-code"]);
    assert_eq!(output.status, 0, "{}", output.report());
    assert_eq!(output.stdout, "no changes\n");
}

#[test]
fn a_broken_side_is_reported_as_such() {
    let test = repo();
    write(
        &test,
        "registry/services/web.jsonnet",
        &service("web", "dependsOn: ['apii']"),
    );
    let head = diff(&test, &[]);
    assert_eq!(head.status, 1, "{}", head.report());
    assert!(
        head.stdout.starts_with("the working tree has problems"),
        "{}",
        head.stdout
    );
    assert!(
        head.stdout.contains("did you mean `api`?"),
        "{}",
        head.stdout
    );

    // The broken state committed, then fixed in the working tree: now the base is broken.
    commit(test.path(), "broken");
    write(
        &test,
        "registry/services/web.jsonnet",
        &service("web", "dependsOn: ['api']"),
    );
    let base = diff(&test, &[]);
    assert_eq!(base.status, 1, "{}", base.report());
    assert!(
        base.stdout.starts_with("the base, `HEAD`, has problems"),
        "{}",
        base.stdout
    );
    assert!(
        base.stdout.contains("HEAD:registry/services/web.jsonnet"),
        "{}",
        base.stdout
    );
}

#[test]
fn an_unknown_revision_or_a_registry_missing_at_it_exits_2() {
    let test = repo();
    let unknown = registry(test.path())
        .args(["diff", "--base", "no-such-branch"])
        .output();
    assert_eq!(unknown.status, 2);
    assert!(
        unknown
            .stderr
            .contains("cannot read revision `no-such-branch` from git"),
        "{}",
        unknown.stderr
    );

    let moved = Test::new().file("other/x", "");
    commit(moved.path(), "no registry yet");
    let moved = moved.file("registry/registry.jsonnet", SETTINGS);
    let missing = registry(moved.path())
        .args(["diff", "--base", "HEAD"])
        .output();
    assert_eq!(missing.status, 2, "{}", missing.report());
    assert!(
        missing
            .stderr
            .contains("`registry` does not exist at revision `HEAD`"),
        "{}",
        missing.stderr
    );
}

#[test]
fn markdown_for_a_pull_request() {
    let test = repo();
    write(
        &test,
        "registry/services/api.jsonnet",
        &service("api", "dependsOn: ['ledger'], owner: 'risk'"),
    );
    write(
        &test,
        "registry/teams/risk.jsonnet",
        &TEAM.replace("payments", "risk"),
    );
    let output = diff(&test, &["--format", "markdown"]);
    insta::assert_snapshot!(output.stdout, @r#"
    ### Registry changes

    | | |
    | --- | --- |
    | entities | 1 added, 0 removed, 1 changed |
    | generated files | 1 added, 0 removed, 5 changed |
    | Terraform roots to plan | `teams` |
    | clusters whose applications change | none |
    | services depending on a change (1) | `web` |
    | reviewers | `team/payments`, `team/risk` |
    | owner changes | `service/api: payments → risk` |

    <details><summary>Entities (2)</summary>

    - + `team/risk`
    - ~ `service/api`
      - `/owner`: `"payments"` → `"risk"`
      - depended on by `web`

    </details>

    <details><summary>Generated files (6)</summary>

    - ~ `alertmanager/alertmanager.yaml`
    - ~ `backstage/catalog.yaml`
    - ~ `backstage/services/api.yaml`
    - + `backstage/teams/risk.yaml`
    - ~ `registry.json`
    - ~ `terraform/teams.auto.tfvars.json`

    </details>
    "#);
}

#[test]
fn a_broken_side_prints_json_with_its_diagnostics() {
    let test = repo();
    write(
        &test,
        "registry/services/web.jsonnet",
        &service("web", "dependsOn: ['apii']"),
    );
    let output = diff(&test, &["--format", "json"]);
    assert_eq!(output.status, 1, "{}", output.report());
    let document: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    crate::check::assert_valid("diff", &document);
    assert_eq!(document["apiVersion"], "registry.dev/diff/v1");
    assert_eq!(document["base"], "HEAD");
    assert_eq!(document["compared"], false);
    assert!(document.get("entities").is_none(), "{document:#}");
    assert_eq!(document["problems"]["base"]["errors"], 0);
    let head = &document["problems"]["head"];
    assert_eq!(head["errors"], 1);
    let diagnostic = &head["diagnostics"][0];
    assert_eq!(diagnostic["code"], "unknown-reference");
    assert_eq!(diagnostic["help"], "did you mean `api`?");
    assert_eq!(
        diagnostic["location"]["path"],
        "registry/services/web.jsonnet"
    );

    let markdown = diff(&test, &["--format", "markdown"]);
    assert_eq!(markdown.status, 1, "{}", markdown.report());
    insta::assert_snapshot!(markdown.stdout, @r"
    ### Registry changes

    The working tree has problems, so there is nothing to compare:

    ```text
    registry/services/web.jsonnet:2:30: error[unknown-reference]: service `web` depends on an unknown service `apii`
    ```
    ");
}

#[test]
fn json_documents_match_their_schema() {
    let test = repo();
    std::fs::remove_file(test.path().join("registry/services/web.jsonnet")).unwrap();
    write(
        &test,
        "registry/services/api.jsonnet",
        &service("api", "dependsOn: ['ledger'], owner: 'risk', tier: 1"),
    );
    write(
        &test,
        "registry/teams/risk.jsonnet",
        &TEAM.replace("payments", "risk"),
    );
    write(
        &test,
        "registry/services/ledger.jsonnet",
        &service("ledger", "annotations: { note: std.repeat('x', 10000) }"),
    );
    let output = diff(&test, &["--format", "json", "--unified"]);
    assert_eq!(output.status, 0, "{}", output.report());
    let document: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    crate::check::assert_valid("diff", &document);
    assert_eq!(document["compared"], true);
    assert_eq!(
        document["impact"],
        serde_json::json!({
            "dependents": ["api"],
            "terraform": ["teams"],
            "clusters": [],
            "owners": { "service/api": ["payments", "risk"] },
            "reviewers": ["team/payments", "team/risk"],
        })
    );
    let ledger = &document["entities"][2];
    assert_eq!(ledger["name"], "ledger");
    assert_eq!(ledger["dependedOnBy"], serde_json::json!(["api"]));
    assert_eq!(ledger["fields"][0]["truncated"], true);
    assert!(ledger["fields"][0]["new"].as_str().unwrap().len() <= 4100);
    let removed = &document["entities"][3];
    assert_eq!(removed["change"], "removed");
    assert_eq!(removed["name"], "web");
}

/// A repository of `count` services, each depending on the one before, all made with one
/// library, committed.
fn chain(count: usize) -> Test {
    let mut test = Test::new()
        .file("registry/registry.jsonnet", SETTINGS)
        .file("registry/lib/service.libsonnet", LIB)
        .file("registry/teams/payments.jsonnet", TEAM)
        .file("registry/services/s0.jsonnet", service("s0", ""));
    for index in 1..count {
        test = test.file(
            &format!("registry/services/s{index}.jsonnet"),
            service(
                &format!("s{index}"),
                &format!("dependsOn: ['s{}']", index - 1),
            ),
        );
    }
    commit(test.path(), "chain");
    test
}

#[test]
fn a_library_change_over_a_long_chain_stays_bounded() {
    let test = chain(10_000);
    write(
        &test,
        "registry/lib/service.libsonnet",
        &LIB.replace("tier: 2", "tier: 3"),
    );
    let run = |args: &[&str]| {
        let mut all = vec!["diff", "--base", "HEAD"];
        all.extend(args);
        let measured = registry(test.path())
            .args(all)
            .measured(Duration::from_mins(3));
        measured.assert_within(180.0, 1024);
        assert_eq!(measured.output.status, 0, "{}", measured.output.report());
        measured.output.stdout
    };
    let markdown = run(&["--format", "markdown", "--unified"]);
    assert!(
        markdown.chars().count() < 65_536,
        "{} characters",
        markdown.chars().count()
    );
    assert!(
        markdown.contains("| services depending on a change (9999) | `s1`, `s10`,"),
        "{markdown}"
    );
    assert!(
        markdown.contains("- … and 9800 more entities (`registry diff` lists them all)"),
        "{markdown}"
    );
    assert!(markdown.ends_with("</details>\n"), "{markdown}");
    let human = run(&[]);
    assert!(human.len() < 100_000, "{} bytes", human.len());
    assert!(
        human.contains("… and 9800 more entities (`--verbose` lists them all)"),
        "{human}"
    );
    assert!(human.contains("dependents (9999): s1, s10, "), "{human}");
    let verbose = run(&["--verbose"]);
    assert_eq!(verbose.matches("\n~ service/").count(), 10_000);
    let json = run(&["--format", "json"]);
    let document: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        document["impact"]["dependents"].as_array().unwrap().len(),
        9_999
    );
    assert_eq!(document["entities"].as_array().unwrap().len(), 10_000);
}

#[test]
fn markdown_goes_to_the_step_summary_too() {
    let test = repo();
    write(
        &test,
        "registry/services/ledger.jsonnet",
        &service("ledger", "tier: 1"),
    );
    let summary = test.path().join("summary.md");
    std::fs::write(&summary, "# earlier step\n").unwrap();
    let env = [(
        "GITHUB_STEP_SUMMARY".to_owned(),
        summary.to_string_lossy().into_owned(),
    )];
    let output = registry(test.path())
        .args(["diff", "--base", "HEAD", "--format", "markdown"])
        .envs(&env)
        .output();
    assert_eq!(output.status, 0, "{}", output.report());
    assert!(output.stdout.starts_with("### Registry changes"));
    assert_eq!(
        std::fs::read_to_string(&summary).unwrap(),
        format!("# earlier step\n{}\n", output.stdout)
    );
    // Other formats leave it alone, and an empty variable names no file.
    let human = registry(test.path())
        .args(["diff", "--base", "HEAD"])
        .envs(&env)
        .output();
    assert_eq!(human.status, 0);
    assert_eq!(
        std::fs::read_to_string(&summary).unwrap(),
        format!("# earlier step\n{}\n", output.stdout)
    );
    let empty = registry(test.path())
        .args(["diff", "--base", "HEAD", "--format", "markdown"])
        .envs(&[("GITHUB_STEP_SUMMARY".to_owned(), String::new())])
        .output();
    assert_eq!(empty.status, 0, "{}", empty.report());
}
