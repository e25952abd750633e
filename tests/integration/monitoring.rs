//! The monitoring outputs against their real consumers: every `PrometheusRule` validates
//! against the strict schema of prometheus-operator's CRD and its rule group passes `promtool
//! check rules --lint=all --lint-fatal`; a `promtool test rules` proves an alert fires with
//! the labels Alertmanager routes on; the Alertmanager configuration passes `amtool
//! check-config`, and `amtool config routes test` sends a sample alert of every team to that
//! team's receivers, and an unlabelled one to the default.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::build::{build_small, tree};
use crate::test::project_root;

fn promtool() -> PathBuf {
    crate::tools::promtool().program
}

fn amtool() -> PathBuf {
    crate::tools::amtool().program
}

fn run(tool: &Path, args: &[&str]) -> (bool, String) {
    let output = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", tool.display()));
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

/// The repository's generated tree and a fresh build of the small fixture.
fn trees() -> (tempfile::TempDir, Vec<PathBuf>) {
    let small = tempfile::tempdir().unwrap();
    build_small(small.path());
    let dirs = vec![project_root().join("generated"), small.path().to_owned()];
    (small, dirs)
}

/// Every `PrometheusRule` under `dir`, by path.
fn rules(dir: &Path) -> Vec<(String, Value)> {
    tree(&dir.join("kubernetes"))
        .into_iter()
        .filter(|(path, _)| path.contains("/monitoring/"))
        .map(|(path, text)| (path, serde_yaml_ng::from_str(&text).unwrap()))
        .collect()
}

#[test]
fn every_rule_group_passes_promtool_and_the_strict_crd_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            project_root().join("tests/data/prometheus-operator/prometheusrule.strict.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let promtool = promtool();
    let (_small, dirs) = trees();
    let work = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for dir in dirs {
        for (path, object) in rules(&dir) {
            let errors: Vec<String> = validator
                .iter_errors(&object)
                .map(|error| format!("{}: {error}", error.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{path}:\n{}", errors.join("\n"));
            let groups = object["spec"]["groups"].as_array().unwrap();
            let names: std::collections::BTreeSet<&str> = groups
                .iter()
                .map(|group| group["name"].as_str().unwrap())
                .collect();
            assert_eq!(names.len(), groups.len(), "{path}: group names repeat");
            // promtool reads only a file's first document, and only a rule file: one each.
            let file = work.path().join(format!("{checked}.yaml"));
            std::fs::write(&file, serde_yaml_ng::to_string(&object["spec"]).unwrap()).unwrap();
            let (passed, output) = run(
                &promtool,
                &[
                    "check",
                    "rules",
                    "--lint=all",
                    "--lint-fatal",
                    file.to_str().unwrap(),
                ],
            );
            assert!(passed, "{path}:\n{output}");
            let rules: usize = groups
                .iter()
                .map(|group| group["rules"].as_array().unwrap().len())
                .sum();
            assert!(
                output.contains(&format!("SUCCESS: {rules} rules found")),
                "{output}"
            );
            checked += 1;
        }
    }
    assert!(checked > 80, "checked {checked} rule files");
}

#[test]
fn rules_sit_with_the_service_on_every_cluster_it_runs_on() {
    let generated = project_root().join("generated");
    let blob: Value =
        serde_json::from_str(&std::fs::read_to_string(generated.join("registry.json")).unwrap())
            .unwrap();
    for (name, service) in blob["services"].as_object().unwrap() {
        let alerts = service["spec"]["alerts"].as_array().unwrap();
        for deployment in service["spec"]["deployments"].as_array().unwrap() {
            let cluster = deployment["cluster"].as_str().unwrap();
            let path = generated.join(format!("kubernetes/{cluster}/monitoring/{name}.yaml"));
            if alerts.is_empty() {
                assert!(!path.exists(), "{}", path.display());
                continue;
            }
            let object: Value =
                serde_yaml_ng::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            assert_eq!(object["metadata"]["namespace"], deployment["namespace"]);
            // Removed as the service's Application is: kept, confirmed or pruned alike.
            let application: Value = serde_yaml_ng::from_str(
                &std::fs::read_to_string(generated.join(format!(
                    "argocd/prod-eu/clusters/{cluster}/apps/{name}.yaml"
                )))
                .unwrap(),
            )
            .unwrap();
            let options = "argocd.argoproj.io/sync-options";
            assert_eq!(
                object["metadata"]["annotations"][options],
                application["metadata"]["annotations"][options],
                "{}",
                path.display()
            );
            let rules = object["spec"]["groups"][0]["rules"].as_array().unwrap();
            assert_eq!(rules.len(), alerts.len());
            let team = service["spec"]["owner"].as_str().unwrap();
            for (rule, alert) in rules.iter().zip(alerts) {
                assert_eq!(rule["alert"], alert["name"]);
                assert_eq!(rule["expr"], alert["expr"]);
                assert_eq!(rule["for"], alert["for"]);
                assert_eq!(rule["labels"]["severity"], alert["severity"]);
                assert_eq!(rule["annotations"]["summary"], alert["summary"]);
                assert_eq!(rule["labels"]["team"], team);
                assert_eq!(rule["labels"]["service"].as_str(), Some(name.as_str()));
                assert_eq!(
                    rule["labels"]["tier"].as_str(),
                    Some(service["spec"]["tier"].to_string().as_str())
                );
                assert_eq!(rule["labels"]["cluster"].as_str(), Some(cluster));
            }
        }
    }
}

#[test]
fn a_firing_alert_carries_the_labels_alertmanager_routes_on() {
    let object: Value = serde_yaml_ng::from_str(
        &std::fs::read_to_string(
            project_root().join("generated/kubernetes/prod-eu/monitoring/checkout.yaml"),
        )
        .unwrap(),
    )
    .unwrap();
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        work.path().join("rules.yaml"),
        serde_yaml_ng::to_string(&object["spec"]).unwrap(),
    )
    .unwrap();
    let test = r#"rule_files: [rules.yaml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'kube_pod_container_status_restarts_total{namespace="checkout",container="checkout"}'
        values: '0+1x30'
    alert_rule_test:
      - eval_time: 25m
        alertname: CheckoutCrashLooping
        exp_alerts:
          - exp_labels:
              namespace: checkout
              container: checkout
              cluster: prod-eu
              environment: production
              service: checkout
              severity: ticket
              team: commerce
              tier: '1'
            exp_annotations:
              summary: checkout pods are restarting repeatedly
"#;
    std::fs::write(work.path().join("test.yaml"), test).unwrap();
    let (passed, output) = run(
        &promtool(),
        &[
            "test",
            "rules",
            work.path().join("test.yaml").to_str().unwrap(),
        ],
    );
    assert!(passed, "{output}");
    assert!(output.contains("SUCCESS"), "{output}");
}

fn routes(config: &Path, labels: &[String]) -> String {
    let mut args = vec![
        "config".to_owned(),
        "routes".to_owned(),
        "test".to_owned(),
        format!("--config.file={}", config.display()),
    ];
    args.extend(labels.iter().cloned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (passed, output) = run(&amtool(), &args);
    assert!(passed, "{output}");
    output
        .lines()
        .find(|line| !line.starts_with("Warning:"))
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn amtool_accepts_the_configuration_and_routes_every_team() {
    let config = project_root().join("generated/alertmanager/alertmanager.yaml");
    let (passed, output) = run(&amtool(), &["check-config", config.to_str().unwrap()]);
    assert!(passed, "{output}");
    assert!(output.contains("SUCCESS"), "{output}");
    let blob: Value = serde_json::from_str(
        &std::fs::read_to_string(project_root().join("generated/registry.json")).unwrap(),
    )
    .unwrap();
    let teams = blob["teams"].as_object().unwrap();
    let mut routed = Vec::new();
    for (team, entry) in teams {
        let label = |pairs: &[(&str, &str)]| -> Vec<String> {
            pairs
                .iter()
                .map(|(key, value)| format!("{key}=\"{value}\""))
                .collect()
        };
        let ticket = routes(&config, &label(&[("team", team), ("severity", "ticket")]));
        assert_eq!(ticket, format!("{team}-slack"), "ticket of {team}");
        let staging = routes(
            &config,
            &label(&[
                ("team", team),
                ("severity", "page"),
                ("environment", "staging"),
            ]),
        );
        assert_eq!(staging, format!("{team}-slack"), "staging page of {team}");
        let page = routes(
            &config,
            &label(&[
                ("team", team),
                ("severity", "page"),
                ("environment", "production"),
            ]),
        );
        let on_call = &entry["spec"]["onCall"];
        let mut expected = vec![format!("{team}-slack"), format!("{team}-on-call")];
        if on_call["hours"] == "business-hours" {
            let escalation = on_call["escalation"].as_str().unwrap();
            expected.push(format!("{escalation}-on-call"));
        }
        assert_eq!(page, expected.join(","), "production page of {team}");
        routed.push(page);
    }
    assert_eq!(routed.len(), teams.len());
    assert!(routed.iter().any(|page| page.split(',').count() == 3));
    assert_eq!(routes(&config, &[]), "default");
    assert_eq!(routes(&config, &["team=\"nobody\"".to_owned()]), "default");
}

#[test]
fn a_team_without_a_rotation_is_paged_through_its_parent() {
    let test = crate::test::Test::registry()
        .file(
            "registry/teams/platform.jsonnet",
            "{ name: 'platform', description: 'P', slack: '#platform', members: [], \
             onCall: { rotation: 'platform-primary', hours: '24x7' } }\n",
        )
        .file(
            "registry/teams/tools.jsonnet",
            "{ name: 'tools', description: 'T', slack: '#tools', members: [], parent: 'platform' }\n",
        );
    let output = test.run(["build"]);
    assert_eq!(output.status, 0, "{}", output.report());
    let config = test.path().join("generated/alertmanager/alertmanager.yaml");
    let (passed, output) = run(&amtool(), &["check-config", config.to_str().unwrap()]);
    assert!(passed, "{output}");
    let page = routes(
        &config,
        &[
            "team=\"tools\"".to_owned(),
            "severity=\"page\"".to_owned(),
            "environment=\"production\"".to_owned(),
        ],
    );
    assert_eq!(page, "tools-slack,platform-on-call");
    let written = std::fs::read_to_string(&config).unwrap();
    assert!(!written.contains("time_intervals"), "{written}");
    assert!(
        written
            .contains("routing_key_file: /etc/alertmanager/secrets/pagerduty/platform-primary.key")
    );
}
