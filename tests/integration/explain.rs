//! `registry explain`: entities of the example registry (owner, dependencies, placement,
//! generated files), misspelt and ambiguous names, and every diagnostic code's documentation
//! with a worked example that is run here, with the real binary, to prove it true.

use std::fmt::Write as _;

use crate::test::{Test, project_root, registry};

#[test]
fn a_service_with_its_owner_dependencies_placement_and_outputs() {
    let output = registry(&project_root())
        .args(["explain", "payments-api"])
        .output();
    insta::assert_snapshot!(output.report());
}

#[test]
fn a_service_as_json() {
    let output = registry(&project_root())
        .args(["explain", "service/checkout", "--format", "json"])
        .output();
    assert_eq!(output.status, 0, "{}", output.report());
    let value: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(value["owner"]["team"], "commerce");
    assert!(
        value["generated"]
            .as_array()
            .unwrap()
            .iter()
            .any(
                |file| file["path"] == "argocd/prod-eu/clusters/prod-eu/apps/checkout.yaml"
                    && file["creates"][0] == "Application argocd/checkout.prod-eu"
            )
    );
    insta::assert_snapshot!(output.stdout);
}

#[test]
fn a_team_a_cluster_and_a_project() {
    for entity in ["team/payments", "cluster/prod-eu", "project/acme-prod"] {
        let output = registry(&project_root()).args(["explain", entity]).output();
        assert_eq!(output.status, 0, "{}", output.report());
        insta::assert_snapshot!(entity.replace('/', "-"), output.report());
    }
}

#[test]
fn a_misspelt_name_suggests_the_nearest() {
    let output = registry(&project_root())
        .args(["explain", "paymnts-api"])
        .output();
    insta::assert_snapshot!(output.report(), @"
    status: 1
    ----- stdout -----
    ----- stderr -----
    error: no entity is named `paymnts-api`
    help: did you mean `service/payments-api`?
    ");
    let output = registry(&project_root())
        .args(["explain", "service/legder"])
        .output();
    insta::assert_snapshot!(output.report(), @"
    status: 1
    ----- stdout -----
    ----- stderr -----
    error: no service is named `legder`
    help: did you mean `service/ledger`?
    ");
}

#[test]
fn hostile_names_are_shown_escaped_and_read_nothing() {
    let output = registry(&project_root())
        .args(["explain", "../../etc/passwd\u{1b}[2J"])
        .output();
    insta::assert_snapshot!(output.report(), @r"
    status: 1
    ----- stdout -----
    ----- stderr -----
    error: `../../etc/passwd\u{1b}[2J` names no entity: `..` is not a kind
    help: write `team/NAME`, `project/NAME`, `cluster/NAME`, `service/NAME`, `system/NAME` or `api/NAME`
    ");
    let output = registry(&project_root())
        .args(["explain", "service/\u{1b}]0;x\u{7}"])
        .output();
    assert_eq!(output.status, 1);
    assert!(!output.stderr.contains('\u{1b}'), "{}", output.report());
}

#[test]
fn a_name_two_kinds_use_is_ambiguous() {
    let output = Test::registry()
        .file(
            "registry/teams/api.jsonnet",
            "{ name: 'api', description: 'The api team.', slack: '#api', members: [] }\n",
        )
        .file(
            "registry/services/api.jsonnet",
            "{ name: 'api', description: 'The api.', owner: 'api', tier: 2, lifecycle: 'production', repo: 'https://github.com/acme/api.git', language: 'go' }\n",
        )
        .run(["explain", "api"]);
    insta::assert_snapshot!(output.report(), @"
    status: 1
    ----- stdout -----
    ----- stderr -----
    error: `api` names more than one entity
    help: write one of `team/api` and `service/api`
    ");
}

#[test]
fn a_code_is_explained_with_its_example() {
    let output = registry(&project_root())
        .args(["explain", "unknown-reference"])
        .output();
    insta::assert_snapshot!(output.report());
}

/// Writes an example's files into a fresh directory, runs its commands with the real binary,
/// and returns the example with what they really printed. Files noted `saved as Latin-1` are
/// written in Latin-1.
fn run_example(steps: &[serde_json::Value]) -> (String, Vec<String>) {
    let test = Test::new();
    let mut example = String::new();
    let mut outputs = Vec::new();
    for step in steps {
        if let Some(path) = step["file"].as_str() {
            let note = step["note"].as_str();
            let body = step["text"].as_str().unwrap();
            let bytes: Vec<u8> = if note == Some("saved as Latin-1") {
                body.chars()
                    .map(|character| u8::try_from(u32::from(character)).unwrap())
                    .collect()
            } else {
                body.as_bytes().to_vec()
            };
            let target = test.path().join(path);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            if note == Some("removed") {
                std::fs::remove_file(&target).unwrap();
            } else if note == Some("a symbolic link") {
                let _ = std::fs::remove_file(&target);
                std::os::unix::fs::symlink(body.trim_end(), &target).unwrap();
            } else {
                std::fs::write(target, bytes).unwrap();
            }
            match note {
                Some(note) => writeln!(example, "-- {path} ({note}) --").unwrap(),
                None => writeln!(example, "-- {path} --").unwrap(),
            }
            example.push_str(body);
        } else {
            let run = step["run"].as_str().unwrap();
            let args: Vec<&str> = run.split_whitespace().skip(1).collect();
            let output = registry(test.path()).args(&args).output();
            writeln!(example, "-- $ {run} --").unwrap();
            example.push_str(&output.stdout);
            outputs.push(output.stdout);
        }
    }
    (example, outputs)
}

/// Every code has an example, and each example prints exactly what it says it prints. With
/// `REGISTRY_UPDATE_EXAMPLES=1`, the examples are rewritten with what was printed instead.
#[test]
fn every_code_has_a_true_example() {
    let readme = std::fs::read_to_string(project_root().join("README.md")).unwrap();
    let codes = crate::readme::codes(&readme);
    assert!(codes.len() > 15);
    let update = std::env::var_os("REGISTRY_UPDATE_EXAMPLES").is_some();
    let mut wrong = Vec::new();
    for code in codes {
        let output = registry(&project_root())
            .args(["explain", &code, "--format", "json"])
            .output();
        assert_eq!(output.status, 0, "{code}: {}", output.report());
        let value: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
        let steps = value["example"].as_array().unwrap();
        assert!(
            steps.iter().any(|step| step["run"].is_string()),
            "the example of `{code}` runs nothing"
        );
        let (text, outputs) = run_example(steps);
        assert!(
            outputs
                .iter()
                .any(|stdout| stdout.contains(&format!("[{code}]"))),
            "the example of `{code}` does not report `{code}`:\n{text}"
        );
        let expected: Vec<&str> = steps
            .iter()
            .filter_map(|step| step["stdout"].as_str())
            .collect();
        if expected != outputs {
            if update {
                let path = project_root().join(format!("src/explore/examples/{code}.txt"));
                std::fs::write(path, &text).unwrap();
            } else {
                wrong.push(format!("{code}:\n{text}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "examples that do not print what they say (rerun with REGISTRY_UPDATE_EXAMPLES=1 to \
         rewrite them, then read the diff):\n{}",
        wrong.join("\n")
    );
}
