//! `registry check` from the command line: exit codes, formats, options.

use std::time::Duration;

use crate::test::{Test, project_root, registry};

const TEAM: &str =
    "{ name: 'payments', description: 'Payments', slack: '#payments', members: [] }\n";

#[test]
fn the_example_registry_checks_clean() {
    let measured = registry(&project_root())
        .args(["check"])
        .measured(Duration::from_mins(5));
    measured.assert_within(300.0, 1024);
    let output = measured.output;
    assert_eq!(output.status, 0, "{}", output.report());
    assert!(
        output.stdout.ends_with(": no problems\n"),
        "{}",
        output.stdout
    );
    assert!(output.stdout.contains("services"));
}

#[test]
fn clean_registry() {
    let test = Test::registry().file("registry/teams/payments.jsonnet", TEAM);
    assert_eq!(registry(test.path()).args(["build"]).output().status, 0);
    let output = registry(test.path()).args(["check"]).output();
    insta::assert_snapshot!(output.report(), @"
    status: 0
    ----- stdout -----
    checked 1 team, 0 projects, 0 clusters, 0 services: no problems
    ----- stderr -----
    ");
}

#[test]
fn problems_exit_1_and_name_the_file_and_line() {
    let output = Test::registry()
        .file("registry/teams/payments.jsonnet", "{ name: 'payments', description: 'Payments', slack: '#payments', members: [], parent: 'engineerin' }\n")
        .file("registry/teams/engineering.jsonnet", "{ name: 'engineering', description: 'All of it', slack: '#eng', members: [] }\n")
        .run(["check"]);
    insta::assert_snapshot!(output.report(), @"
    status: 1
    ----- stdout -----
    error[unknown-reference]: team `payments` has an unknown parent team `engineerin`
     --> registry/teams/payments.jsonnet:1:87
      |
    1 | { name: 'payments', description: 'Payments', slack: '#payments', members: [], parent: 'engineerin' }
      |                                                                                       ^^^^^^^^^^^^ no team is named `engineerin`
      |
      = help: did you mean `engineering`?

    checked 2 teams, 0 projects, 0 clusters, 0 services: 1 error
    ----- stderr -----
    ");
}

#[test]
fn warnings_exit_0_unless_denied() {
    let test = Test::registry().file("registry/servics/api.jsonnet", "{}");
    assert_eq!(registry(test.path()).args(["build"]).output().status, 0);
    let output = registry(test.path()).args(["check"]).output();
    assert_eq!(output.status, 0, "{}", output.report());
    assert!(
        output.stdout.contains("warning[unknown-file]"),
        "{}",
        output.stdout
    );
    assert!(
        output
            .stdout
            .contains("did you mean `services/api.jsonnet`?"),
        "{}",
        output.stdout
    );
    let denied = registry(test.path())
        .args(["check", "--deny-warnings"])
        .output();
    assert_eq!(denied.status, 1);
}

#[test]
fn not_a_registry_exits_2() {
    let output = Test::new().run(["check"]);
    insta::assert_snapshot!(output.report(), @r"
    status: 2
    ----- stdout -----
    ----- stderr -----
    error: cannot read directory `registry`
    caused by: No such file or directory (os error 2)
    ");
    let output = Test::new()
        .file("registry/teams/x.jsonnet", "{}")
        .run(["check"]);
    assert_eq!(output.status, 2);
    assert!(
        output
            .stderr
            .contains("no registry at `registry`: it has no `registry.jsonnet`"),
        "{}",
        output.stderr
    );
}

#[test]
fn usage_errors_exit_2() {
    let output = Test::new().run(["check", "--format", "yaml"]);
    assert_eq!(output.status, 2);
    assert!(
        output.stderr.contains("invalid value 'yaml'"),
        "{}",
        output.stderr
    );
}

#[test]
fn root_and_directory_options() {
    let test = Test::new()
        .file("repo/reg/registry.jsonnet", crate::test::SETTINGS)
        .file(
            "repo/reg/teams/payments.jsonnet",
            TEAM.replace("#payments", "payments"),
        );
    let output = registry(test.path())
        .args([
            "-C", "repo", "--root", "reg", "check", "--format", "concise",
        ])
        .output();
    insta::assert_snapshot!(output.report(), @"
    status: 1
    ----- stdout -----
    reg/teams/payments.jsonnet:1:53: error[schema-violation]: team `payments` has an invalid value at `/slack`
    checked 1 team, 0 projects, 0 clusters, 0 services: 1 error
    ----- stderr -----
    ");
    let missing = registry(test.path())
        .args(["-C", "nowhere", "check"])
        .output();
    assert_eq!(missing.status, 2);
    assert!(
        missing
            .stderr
            .contains("cannot change to directory `nowhere`"),
        "{}",
        missing.stderr
    );
}

#[test]
fn github_annotations() {
    let output = Test::registry()
        .file("registry/teams/payments.jsonnet", "{\n  name: 'payments',\n  description: 'Payments',\n  slack: '#payments',\n  members: [],\n  parnt: 'x',\n}\n")
        .run(["check", "--format", "github"]);
    insta::assert_snapshot!(output.report(), @"
    status: 1
    ----- stdout -----
    ::error file=registry/teams/payments.jsonnet,line=6,col=3,endLine=6,endColumn=8,title=registry schema-violation::team `payments` has an unknown field `parnt` at `/parnt`%0Ahelp: did you mean `parent`?
    ----- stderr -----
    ");
}

#[test]
fn json_report() {
    let output = Test::registry()
        .file("registry/teams/payments.jsonnet", "{ name: 'payments', description: 'Payments', slack: '#payments', members: [], tier: 1 }")
        .run(["check", "--format", "json"]);
    assert_eq!(output.status, 1);
    let _: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    insta::assert_snapshot!(output.stdout, @r#"
    {
      "diagnostics": [
        {
          "code": "schema-violation",
          "severity": "error",
          "message": "team `payments` has an unknown field `tier` at `/tier`",
          "location": {
            "path": "registry/teams/payments.jsonnet",
            "line": 1,
            "column": 79,
            "endLine": 1,
            "endColumn": 83,
            "message": "unknown field"
          },
          "related": [],
          "notes": [],
          "help": "the fields allowed here are `annotations`, `description`, `members`, `name`, `onCall`, `parent`, and `slack`"
        }
      ],
      "errors": 1,
      "warnings": 0
    }
    "#);
}

#[test]
fn every_problem_in_one_run() {
    let output = Test::registry()
        .file(
            "registry/teams/a.jsonnet",
            "{ name: 'a', description: 'A', slack: '#a', members: [], bogus: 1 }",
        )
        .file(
            "registry/teams/b.jsonnet",
            "{ name: 'b', description: 'B', slack: '#b', members: [], parent: 'zzz' }",
        )
        .file(
            "registry/teams/c.jsonnet",
            "{ name: 'c', description: 'C', slack: '#c', members: [] } +",
        )
        .file("registry/teams/d.jsonnet", "error 'boom'")
        .run(["check", "--format", "concise"]);
    insta::assert_snapshot!(output.report(), @"
    status: 1
    ----- stdout -----
    registry/teams/a.jsonnet:1:58: error[schema-violation]: team `a` has an unknown field `bogus` at `/bogus`
    registry/teams/b.jsonnet:1:66: error[unknown-reference]: team `b` has an unknown parent team `zzz`
    registry/teams/c.jsonnet:1:60: error[jsonnet-syntax]: syntax error: unexpected end of file
    registry/teams/d.jsonnet:1:1: error[jsonnet-eval]: boom
    checked 4 teams, 0 projects, 0 clusters, 0 services: 4 errors
    ----- stderr -----
    ");
}

#[test]
fn output_is_identical_across_runs() {
    let root = project_root();
    let first = registry(&root).args(["check", "--format", "json"]).output();
    for _ in 0..3 {
        let again = registry(&root).args(["check", "--format", "json"]).output();
        assert_eq!(first.stdout, again.stdout);
    }
}
