//! The Backstage catalog against Backstage's own validators: `tests/backstage/validate.mjs`
//! (`@backstage/catalog-model` 1.10.1 on Node) reads it from its `Location` as the catalog
//! does, checks every entity with the catalog's policies and kind validators, and resolves
//! every relation. Every registry entity is in it, and hostile annotation keys stay out.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::build::tree;
use crate::test::{Test, copy_dir, project_root};

/// A copy of the catalog in `dir` as the catalog holds it after its placeholder step: an API's
/// `definition: {$text: URL}` becomes the text read from the URL (here, a stand-in).
fn resolved(backstage: &Path) -> tempfile::TempDir {
    let copy = tempfile::tempdir().unwrap();
    copy_dir(backstage, copy.path());
    for (path, text) in tree(copy.path()) {
        if !path.starts_with("apis/") {
            continue;
        }
        let mut api: Value = serde_yaml_ng::from_str(&text).unwrap();
        let url = api["spec"]["definition"]["$text"]
            .as_str()
            .unwrap_or_else(|| panic!("{path}: the definition is a `$text` placeholder"))
            .to_owned();
        assert!(url.starts_with("https://"), "{path}: {url}");
        api["spec"]["definition"] = Value::String(format!("# read from {url}\n"));
        std::fs::write(
            copy.path().join(&path),
            serde_yaml_ng::to_string(&api).unwrap(),
        )
        .unwrap();
    }
    copy
}

/// Runs the harness on `catalog.yaml` under `backstage`; the report.
fn validate(backstage: &Path) -> Value {
    let copy = resolved(backstage);
    let output = crate::tools::backstage()
        .command()
        .arg(copy.path().join("catalog.yaml"))
        .output()
        .expect("node runs");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "{error}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    assert!(
        output.status.success(),
        "{}",
        serde_json::to_string_pretty(&report["errors"]).unwrap()
    );
    report
}

#[test]
fn the_catalog_passes_backstages_validators_and_every_reference_resolves() {
    let generated = project_root().join("generated");
    let report = validate(&generated.join("backstage"));
    assert_eq!(report["errors"], Value::Array(Vec::new()));
    let blob: Value =
        serde_json::from_str(&std::fs::read_to_string(generated.join("registry.json")).unwrap())
            .unwrap();
    let mut expected = 1; // the Location
    let mut logins = BTreeSet::new();
    for (kind, entities) in blob.as_object().unwrap() {
        let Some(entities) = entities.as_object() else {
            continue;
        };
        for entity in entities.values() {
            expected += 1;
            let spec = &entity["spec"];
            if kind == "services" {
                for key in ["postgres", "redis", "buckets"] {
                    expected += spec["resources"][key].as_array().unwrap().len();
                }
            }
            if kind == "teams" {
                for member in spec["members"].as_array().unwrap() {
                    logins.insert(member["login"].as_str().unwrap().to_lowercase());
                }
            }
        }
    }
    expected += logins.len();
    assert_eq!(report["entities"].as_u64(), Some(expected as u64));
}

#[test]
fn every_entity_has_its_backstage_kind() {
    let generated = project_root().join("generated");
    let files = tree(&generated.join("backstage"));
    let kinds = |dir: &str| -> BTreeSet<String> {
        files
            .iter()
            .filter(|(path, _)| path.starts_with(dir))
            .map(|(_, text)| {
                let first = text.split("\n---\n").next().unwrap();
                let value: Value = serde_yaml_ng::from_str(first).unwrap();
                value["kind"].as_str().unwrap().to_owned()
            })
            .collect()
    };
    for (dir, kind) in [
        ("teams/", "Group"),
        ("users/", "User"),
        ("services/", "Component"),
        ("systems/", "System"),
        ("apis/", "API"),
        ("projects/", "Resource"),
        ("clusters/", "Resource"),
    ] {
        assert_eq!(kinds(dir), BTreeSet::from([kind.to_owned()]), "{dir}");
    }
    let library = &files
        .iter()
        .find(|(path, _)| path == "services/go-kit.yaml")
        .unwrap()
        .1;
    assert!(library.contains("type: library"), "{library}");
    assert!(!library.contains("argocd/app-selector"), "{library}");
    let checkout = &files
        .iter()
        .find(|(path, _)| path == "services/checkout.yaml")
        .unwrap()
        .1;
    for wanted in [
        "argocd/app-selector: registry.dev/service=checkout",
        "backstage.io/source-location: url:https://github.com/acme/checkout/tree/HEAD/",
        "github.com/project-slug: acme/checkout",
        "system: commerce",
        "- component:go-kit",
        "- resource:checkout-orders-postgres",
        "- resource:prod-eu-cluster",
    ] {
        assert!(checkout.contains(wanted), "no `{wanted}` in\n{checkout}");
    }
}

#[test]
fn hostile_values_stay_valid_for_backstage() {
    let long = "a".repeat(63);
    let test = Test::registry()
        .file(
            "registry/teams/platform.jsonnet",
            "{ name: 'platform', description: 'P', slack: '#platform', members: [\n\
             { login: 'Ana', name: 'Ana', email: 'ana@example.com', role: 'lead' }] }\n",
        )
        .file(
            "registry/teams/tools.jsonnet",
            "{ name: 'tools', description: 'T', slack: '#tools', parent: 'platform', members: [\n\
             { login: 'ana', email: 'ana@example.com', role: 'engineer' }] }\n",
        )
        .file(
            "registry/services/api.jsonnet",
            format!(
                "{{ name: 'api', description: 'x: \"y\"\\n---\\nkind: Group', owner: 'tools', \
                 tier: 3, lifecycle: 'experimental', repo: 'https://git.example.com/a/b/c.git', \
                 language: 'other', resources: {{ postgres: [{{ name: '{long}', version: '16', \
                 size: 'small' }}] }},\n annotations: {{ 'a..b/x': '1', 'a.-b/y': '2', \
                 'backstage.io/managed-by-location': 'url:https://evil.example', 'ok.example/z': \
                 '3' }} }}\n"
            ),
        );
    let output = test.run(["build"]);
    assert_eq!(output.status, 0, "{}", output.report());
    let backstage = test.path().join("generated/backstage");
    let report = validate(&backstage);
    assert_eq!(report["errors"], Value::Array(Vec::new()));
    // Two teams, one user (logins ignore case), a component with its database, the Location.
    assert_eq!(report["entities"].as_u64(), Some(6));
    let api = std::fs::read_to_string(backstage.join("services/api.yaml")).unwrap();
    assert!(api.contains("ok.example/z"), "{api}");
    for dropped in ["a..b/x", "a.-b/y", "evil.example"] {
        assert!(!api.contains(dropped), "{dropped} in\n{api}");
    }
    assert!(api.contains("url:https://git.example.com/a/b/c/"), "{api}");
}
