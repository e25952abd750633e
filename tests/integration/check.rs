//! `registry check` from the command line: exit codes, formats, options.

use std::fmt::Write as _;
use std::time::Duration;

use crate::test::{Test, commit, project_root, registry};

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
      "apiVersion": "registry.dev/check/v1",
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

/// Fails unless `document` is valid against `schemas/{name}.schema.json`, strictly (formats
/// checked, every schema of `schemas/` available to `$ref`).
pub(crate) fn assert_valid(name: &str, document: &serde_json::Value) {
    let schemas = project_root().join("schemas");
    let documents: Vec<(String, serde_json::Value)> = std::fs::read_dir(&schemas)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let document: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            (document["$id"].as_str().unwrap().to_owned(), document)
        })
        .collect();
    let registry = jsonschema::Registry::new()
        .extend(
            documents
                .iter()
                .map(|(id, document)| (id.as_str(), document)),
        )
        .unwrap()
        .prepare()
        .unwrap();
    let root = &documents
        .iter()
        .find(|(id, _)| id.ends_with(&format!("/{name}.schema.json")))
        .unwrap()
        .1;
    let validator = jsonschema::draft202012::options()
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(root)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{name}:\n{}\n{document:#}",
        errors.join("\n")
    );
}

#[test]
fn json_documents_match_their_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(project_root().join("schemas/check.schema.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        schema["properties"]["apiVersion"]["const"],
        "registry.dev/check/v1"
    );
    let clean = Test::registry().file("registry/teams/payments.jsonnet", TEAM);
    registry(clean.path()).args(["build"]).output();
    let clean = clean.file("generated/extra.json", "{}");
    std::fs::write(clean.path().join("generated/registry.json"), "{}\n").unwrap();
    let broken = Test::registry()
        .file("registry/teams/payments.jsonnet", "{ name: 'payments', description: 'Payments', slack: '#payments', members: [], tier: 1 }")
        .file("registry/teams/orphan.jsonnet", "{ name: 'orphan', description: 'Orphan', slack: '#orphan', members: [], parent: 'nobody' }")
        .file("registry/teams/risk.jsonnet", "{ name: 'risk', description: 'Risk', slack: '#risk', members: [{ login: 'a', role: 'chief' }] }")
        .file("registry/teams/bad.jsonnet", "error 'boom'")
        .file("registry/servics/x.jsonnet", "{}")
        .file("registry/data/key.txt", "AKIAIOSFODNN7EXAMPLE");
    let mut codes = std::collections::BTreeSet::new();
    for test in [&clean, &broken] {
        for args in [
            &["check", "--format", "json"][..],
            &["check", "--format", "json", "--verbose"],
        ] {
            let output = registry(test.path()).args(args).output();
            assert_eq!(output.status, 1, "{}", output.report());
            let document: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
            assert_valid("check", &document);
            for diagnostic in document["diagnostics"].as_array().unwrap() {
                codes.insert(diagnostic["code"].as_str().unwrap().to_owned());
            }
        }
    }
    // Spans, files, redacted spans, output files and a diff all appear.
    assert_eq!(
        codes.into_iter().collect::<Vec<_>>(),
        [
            "credential",
            "generated-extra",
            "generated-stale",
            "jsonnet-eval",
            "schema-violation",
            "unknown-file",
            "unknown-reference"
        ]
    );
    let example = registry(&project_root())
        .args(["check", "--format", "json"])
        .output();
    assert_valid("check", &serde_json::from_str(&example.stdout).unwrap());
}

#[test]
fn many_located_diagnostics_in_one_file_answer_quickly() {
    let keys = (0..100_000).fold(String::new(), |mut keys, index| {
        let _ = writeln!(keys, "AKIA{index:016}");
        keys
    });
    let test = Test::registry().file("registry/data/keys.txt", keys);
    let human = registry(test.path())
        .args(["check"])
        .measured(Duration::from_mins(1));
    human.assert_within(60.0, 1024);
    let output = human.output;
    assert_eq!(output.status, 1);
    assert!(output.stdout.len() < 100_000, "{}", output.stdout.len());
    assert!(
        output.stdout.ends_with(
            "99900 more problems not shown (`--verbose` shows them all)\nchecked 0 teams, 0 \
             projects, 0 clusters, 0 services: 100000 errors\n"
        ),
        "{}",
        output.stdout
    );
    let json = registry(test.path())
        .args(["check", "--format", "json"])
        .measured(Duration::from_mins(2));
    json.assert_within(120.0, 1024);
    let document: serde_json::Value = serde_json::from_str(&json.output.stdout).unwrap();
    let diagnostics = document["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 100_000);
    assert_eq!(diagnostics[99_999]["location"]["line"], 100_000);
    let github = registry(test.path())
        .args(["check", "--format", "github"])
        .measured(Duration::from_mins(1));
    github.assert_within(60.0, 1024);
    assert_eq!(github.output.stdout.lines().count(), 101);
    assert!(
        github.output.stdout.ends_with(
            "::notice title=registry::99900 more problems are not annotated (`--verbose` \
             annotates them all)\n"
        ),
        "{}",
        github.output.stdout
    );
}

#[test]
fn verbose_lists_every_problem() {
    let mut test = Test::registry();
    for index in 0..120 {
        test = test.file(&format!("registry/servics/s{index:03}.jsonnet"), "{}");
    }
    assert_eq!(registry(test.path()).args(["build"]).output().status, 0);
    let capped = registry(test.path())
        .args(["check", "--format", "concise"])
        .output();
    assert_eq!(capped.status, 0, "{}", capped.report());
    let lines: Vec<&str> = capped.stdout.lines().collect();
    assert_eq!(lines.len(), 102, "{}", capped.stdout);
    assert_eq!(
        lines[100],
        "20 more problems not shown (`--verbose` shows them all)"
    );
    let all = registry(test.path())
        .args(["check", "--format", "concise", "--verbose"])
        .output();
    assert_eq!(all.stdout.lines().count(), 121, "{}", all.stdout);
    let human = registry(test.path()).args(["check"]).output();
    assert_eq!(human.stdout.matches("warning[unknown-file]").count(), 100);
    let human = registry(test.path()).args(["check", "-v"]).output();
    assert_eq!(human.stdout.matches("warning[unknown-file]").count(), 120);
}

#[test]
fn github_paths_are_relative_to_the_repository() {
    let test = Test::new()
        .file("platform/registry/registry.jsonnet", crate::test::SETTINGS)
        .file(
            "platform/registry/teams/payments.jsonnet",
            "{ name: 'payments', description: 'Payments', slack: '#payments', members: [], parnt: 'x' }\n",
        );
    commit(test.path(), "registry");
    let file = |output: &crate::test::Output| {
        output
            .stdout
            .split_once("file=")
            .and_then(|(_, rest)| rest.split_once(','))
            .map_or_else(|| output.report(), |(file, _)| file.to_owned())
    };
    let absolute = test.path().join("platform/registry");
    let absolute = absolute.to_str().unwrap();
    for args in [
        &["-C", "platform", "check", "--format", "github"][..],
        &[
            "-C",
            "platform/registry",
            "--root",
            ".",
            "check",
            "--format",
            "github",
        ],
        &["--root", "platform/registry", "check", "--format", "github"],
        &["-C", "/", "--root", absolute, "check", "--format", "github"],
    ] {
        let output = registry(test.path()).args(args).output();
        assert_eq!(
            file(&output),
            "platform/registry/teams/payments.jsonnet",
            "{args:?}"
        );
    }
    // People see paths as they gave them.
    let human = registry(test.path())
        .args([
            "-C",
            "platform/registry",
            "--root",
            ".",
            "check",
            "--format",
            "concise",
        ])
        .output();
    assert!(
        human.stdout.starts_with("teams/payments.jsonnet:1:79:"),
        "{}",
        human.stdout
    );
    // Generated files too: `../generated/…` from inside the root is `platform/generated/…`.
    std::fs::write(
        test.path().join("platform/registry/teams/payments.jsonnet"),
        TEAM,
    )
    .unwrap();
    assert_eq!(
        registry(&test.path().join("platform"))
            .args(["build"])
            .output()
            .status,
        0
    );
    std::fs::write(test.path().join("platform/generated/registry.json"), "{}\n").unwrap();
    let stale = registry(test.path())
        .args([
            "-C",
            "platform/registry",
            "--root",
            ".",
            "check",
            "--format",
            "github",
        ])
        .output();
    assert_eq!(
        file(&stale),
        "platform/generated/registry.json",
        "{}",
        stale.report()
    );
    // Outside any repository, paths are as given.
    let loose = Test::registry().file(
        "registry/teams/payments.jsonnet",
        "{ name: 'payments', description: 'Payments', slack: '#payments', members: [], parnt: 'x' }\n",
    );
    let output = registry(&loose.path().join("registry"))
        .args(["--root", ".", "check", "--format", "github"])
        .output();
    assert_eq!(file(&output), "teams/payments.jsonnet");
}

#[test]
fn color_follows_the_flag_then_the_environment() {
    let test = Test::registry().file(
        "registry/teams/payments.jsonnet",
        "{ name: 'payments', description: 'Payments', slack: '#payments', members: [], parnt: 'x' }\n",
    );
    let env = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    };
    let colored = |args: &[&str], vars: &[(&str, &str)]| {
        let output = registry(test.path()).args(args).envs(&env(vars)).output();
        output.stdout.contains('\u{1b}')
    };
    let check = ["check"];
    assert!(!colored(&check, &[]), "not a terminal");
    assert!(colored(&check, &[("CLICOLOR_FORCE", "1")]));
    assert!(colored(
        &check,
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "")]
    ));
    assert!(!colored(
        &check,
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]
    ));
    assert!(!colored(
        &["--color", "never", "check"],
        &[("CLICOLOR_FORCE", "1")]
    ));
    assert!(colored(
        &["check", "--color", "always"],
        &[("NO_COLOR", "1")]
    ));
    let help = ["--help"];
    assert!(!colored(&help, &[]));
    assert!(colored(&help, &[("CLICOLOR_FORCE", "1")]));
    assert!(!colored(
        &["--color", "never", "--help"],
        &[("CLICOLOR_FORCE", "1")]
    ));
    assert!(!colored(
        &["check", "--color=never", "--help"],
        &[("CLICOLOR_FORCE", "1")]
    ));
    assert!(colored(&["--color", "always", "check", "--help"], &[]));
}
