//! `registry diff --base REV` on real git repositories made with git2.

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
    generated files: 0 added, 0 removed, 2 changed
    ~ backstage/services/ledger.yaml
    ~ registry.json
    dependents:
        ledger: api, web
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
    | reviewers | `team/payments`, `team/risk` |
    | owner changes | `service/api: payments → risk` |

    <details><summary>Entities (2)</summary>

    - + `team/risk`
      - reviewers: `team/risk`
    - ~ `service/api`
      - `/owner`: `"payments"` → `"risk"`
      - depended on by `web`
      - reviewers: `team/risk`, `team/payments`

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
