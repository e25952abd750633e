//! Argo CD, proven on every manifest of the example registry, of the small fixture (one Argo
//! CD per cluster) and of a synthetic registry of 1,000 services: each document against the
//! strict schemas of every release's CRDs (and Kubernetes' own for Secrets, Namespaces and
//! quotas), and a first sync on an empty Argo CD of each supported release, simulated with
//! its admission and sync rules restated from its source ([`admission`]), in which every
//! `PrometheusRule` is applied by exactly one Application, of a platform project that permits
//! it. Also what those rules refuse (so the simulation is not vacuous), the tenancy of team
//! projects, the values that reach each workload, that Backstage's Argo CD selectors find each
//! service's Applications, and `diff` marking what a change destroys.

mod admission;
mod simulate;
mod synthetic;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use self::admission::{
    Clusters, IN_CLUSTER, Task, Version, glob_match, is_destination_permitted,
    is_group_kind_permitted, is_source_permitted, sort_tasks, text,
};
use self::simulate::{Repo, Simulation, cluster};
use crate::build::build_small;
use crate::test::{Test, commit, copy_dir, project_root, registry};

const REPO: &str = "https://github.com/acme/platform.git";

fn validator(path: &Path) -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

/// The strict schemas of one release.
struct Schemas {
    version: Version,
    application: jsonschema::Validator,
    project: jsonschema::Validator,
    secret: jsonschema::Validator,
    config: jsonschema::Validator,
}

/// Every release's schemas, and Kubernetes' for the core objects.
struct AllSchemas {
    releases: Vec<Schemas>,
    namespace: jsonschema::Validator,
    quota: jsonschema::Validator,
    secret: jsonschema::Validator,
    rule: jsonschema::Validator,
}

impl AllSchemas {
    fn new() -> Self {
        let data = project_root().join("tests/data");
        let releases = Version::ALL
            .iter()
            .map(|version| {
                let dir = data.join("argocd").join(version.dir());
                Schemas {
                    version: *version,
                    application: validator(&dir.join("application.strict.schema.json")),
                    project: validator(&dir.join("appproject.strict.schema.json")),
                    secret: validator(&dir.join("cluster-secret.strict.schema.json")),
                    config: validator(&dir.join("cluster-config.strict.schema.json")),
                }
            })
            .collect();
        let kubernetes = data.join("kubernetes/v1.31");
        Self {
            releases,
            namespace: validator(&kubernetes.join("namespace.strict.schema.json")),
            quota: validator(&kubernetes.join("resourcequota.strict.schema.json")),
            secret: validator(&kubernetes.join("secret.strict.schema.json")),
            rule: validator(&data.join("prometheus-operator/prometheusrule.strict.schema.json")),
        }
    }

    /// Validates every document of the Argo CD and Kubernetes trees under `generated`;
    /// how many of each kind there are.
    fn validate(&self, repo: &Repo) -> BTreeMap<String, usize> {
        let generated = &repo.generated;
        let mut counts = BTreeMap::new();
        let mut failures = Vec::new();
        let mut check = |what: String, validator: &jsonschema::Validator, value: &Value| {
            for error in validator.iter_errors(value) {
                failures.push(format!("{what}: {}: {error}", error.instance_path()));
            }
        };
        for tree in ["argocd", "kubernetes"] {
            for (path, object) in repo.objects_under(&generated.join(tree)) {
                let kind = text(object, &["kind"]).to_owned();
                *counts.entry(kind.clone()).or_default() += 1;
                let shown = path.strip_prefix(generated).unwrap().display().to_string();
                match kind.as_str() {
                    "Namespace" => check(shown, &self.namespace, object),
                    "ResourceQuota" => check(shown, &self.quota, object),
                    "PrometheusRule" => check(shown, &self.rule, object),
                    _ => {
                        if kind == "Secret" {
                            check(format!("{shown} (Kubernetes)"), &self.secret, object);
                        }
                        for release in &self.releases {
                            let what = format!("{shown} ({})", release.version.dir());
                            match kind.as_str() {
                                "Application" => check(what, &release.application, object),
                                "AppProject" => check(what, &release.project, object),
                                "Secret" => {
                                    check(what.clone(), &release.secret, object);
                                    let config: Value = serde_json::from_str(text(
                                        object,
                                        &["stringData", "config"],
                                    ))
                                    .unwrap();
                                    check(format!("{what} config"), &release.config, &config);
                                }
                                other => panic!("{shown}: unexpected kind {other}"),
                            }
                        }
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        counts
    }
}

/// Simulates a first sync of every Argo CD of the tree `generated` on `version`, and checks
/// that each of its `PrometheusRule`s is applied once, by a project that permits it; the
/// Applications synced, per Argo CD.
fn first_sync(repo: &Repo, version: Version) -> BTreeMap<String, usize> {
    let mut synced = BTreeMap::new();
    let mut simulations = BTreeMap::new();
    let instances = std::fs::read_dir(repo.generated.join("argocd")).unwrap();
    let mut names: Vec<PathBuf> = instances.map(|entry| entry.unwrap().path()).collect();
    names.sort();
    for instance in names {
        let argocd = instance.file_name().unwrap().to_string_lossy().into_owned();
        let simulation =
            Simulation::bootstrap(version, repo, &instance.join("root/bootstrap.yaml"));
        assert!(
            simulation.errors.is_empty(),
            "{argocd} on {version:?}:\n{}",
            simulation.errors.join("\n")
        );
        let synced_here: BTreeSet<&str> = simulation.synced.iter().map(String::as_str).collect();
        assert_eq!(
            synced_here.len(),
            simulation.synced.len(),
            "an Application synced twice"
        );
        let mut applications = 0;
        for (path, object) in repo.objects_under(&instance) {
            if text(object, &["kind"]) == "Application" {
                applications += 1;
                let name = text(object, &["metadata", "name"]);
                assert!(
                    synced_here.contains(name),
                    "{}: {name} never synced on {version:?}",
                    path.display()
                );
            }
            assert_eq!(
                text(object, &["metadata", "namespace"]),
                simulation.namespace,
                "{}: every Argo CD object lives in the namespace its Argo CD watches",
                path.display()
            );
        }
        assert_eq!(applications, simulation.synced.len());
        synced.insert(argocd.clone(), applications);
        simulations.insert(argocd, simulation);
    }
    rules_applied_once(repo, version, &simulations);
    synced
}

/// Where each cluster is, as the Argo CD managing it names it: that Argo CD, and the server
/// of the cluster's Secret under its root, or the in-cluster address when it has none.
fn placements(repo: &Repo) -> BTreeMap<String, (String, String)> {
    let mut found = BTreeMap::new();
    for (path, object) in repo.objects_under(&repo.generated.join("argocd")) {
        let relative = path.strip_prefix(repo.generated.join("argocd")).unwrap();
        let parts: Vec<String> = relative
            .iter()
            .map(|part| part.to_string_lossy().into_owned())
            .collect();
        let [argocd, root, clusters, file] = parts.as_slice() else {
            continue;
        };
        if root != "root" || clusters != "clusters" {
            continue;
        }
        let cluster = file.strip_suffix(".yaml").unwrap().to_owned();
        let entry = found
            .entry(cluster)
            .or_insert_with(|| (argocd.clone(), IN_CLUSTER.to_owned()));
        if text(object, &["kind"]) == "Secret" {
            text(object, &["stringData", "server"])
                .trim_end_matches('/')
                .clone_into(&mut entry.1);
        }
    }
    found
}

/// Every `PrometheusRule` of the tree is applied to its cluster, in its namespace, by exactly
/// one Application, whose project is the platform's and permits it: restated with
/// `IsGroupKindNamePermitted` (`IsGroupKindPermitted` before v3.3) and
/// `IsDestinationPermitted`, as `controller/sync.go` — `validateSyncPermissions` checks each
/// resource. And nothing else applies one. How many there are.
fn rules_applied_once(
    repo: &Repo,
    version: Version,
    simulations: &BTreeMap<String, Simulation>,
) -> usize {
    let placements = placements(repo);
    let mut rules = 0;
    for (path, rule) in repo.objects_under(&repo.generated.join("kubernetes")) {
        if text(rule, &["kind"]) != "PrometheusRule" {
            continue;
        }
        rules += 1;
        let shown = path.strip_prefix(&repo.generated).unwrap().display();
        let cluster = path
            .strip_prefix(repo.generated.join("kubernetes"))
            .unwrap()
            .iter()
            .next()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let (argocd, server) = &placements[&cluster];
        let name = text(rule, &["metadata", "name"]);
        let namespace = text(rule, &["metadata", "namespace"]);
        assert!(!namespace.is_empty(), "{shown}: a rule names its namespace");
        let key = (
            server.clone(),
            "monitoring.coreos.com".to_owned(),
            "PrometheusRule".to_owned(),
            namespace.to_owned(),
            name.to_owned(),
        );
        let appliers = simulations[argocd].applied.get(&key);
        let [applier] = appliers.map(Vec::as_slice).unwrap_or_default() else {
            panic!(
                "{shown} on {version:?}: applied by {appliers:?}, not by exactly one Application"
            );
        };
        let project = &applier.project;
        assert!(
            text(project, &["metadata", "labels", "registry.dev/team"]).is_empty(),
            "{shown}: applied by {}, in a team's project",
            applier.application
        );
        assert!(
            is_group_kind_permitted(
                version,
                project,
                "monitoring.coreos.com",
                "PrometheusRule",
                name,
                true
            ),
            "{shown}: project {} does not permit PrometheusRules",
            text(project, &["metadata", "name"])
        );
        assert!(
            is_destination_permitted(version, project, &applier.cluster, namespace),
            "{shown}: project {} does not permit namespace {namespace}",
            text(project, &["metadata", "name"])
        );
        // The project permits no other kind.
        for (group, kind, namespaced) in [
            ("apps", "Deployment", true),
            ("", "Secret", true),
            ("", "ConfigMap", true),
            ("argoproj.io", "Application", true),
            ("", "Namespace", false),
        ] {
            assert!(
                !is_group_kind_permitted(version, project, group, kind, "x", namespaced),
                "{shown}: project {} permits {group}/{kind}",
                text(project, &["metadata", "name"])
            );
        }
    }
    let applied: usize = simulations
        .values()
        .flat_map(|simulation| simulation.applied.iter())
        .filter(|((_, group, kind, _, _), _)| {
            group == "monitoring.coreos.com" && kind == "PrometheusRule"
        })
        .map(|(_, appliers)| appliers.len())
        .sum();
    assert_eq!(
        applied, rules,
        "a PrometheusRule applied that the tree does not hold"
    );
    rules
}

/// Team projects: only their own, nothing of Argo CD's or of the platform's, and roles that
/// can read logs on 3.x.
fn tenancy(repo: &Repo) -> usize {
    let mut projects = 0;
    for (path, project) in repo.objects_under(&repo.generated.join("argocd")) {
        let team = text(project, &["metadata", "labels", "registry.dev/team"]);
        if text(project, &["kind"]) != "AppProject" || team.is_empty() {
            continue;
        }
        projects += 1;
        let shown = path.display();
        for version in Version::SUPPORTED {
            for (group, kind) in [
                ("argoproj.io", "Application"),
                ("argoproj.io", "AppProject"),
                ("argoproj.io", "ApplicationSet"),
                ("", "ResourceQuota"),
                ("", "LimitRange"),
                ("networking.k8s.io", "NetworkPolicy"),
            ] {
                assert!(
                    !is_group_kind_permitted(version, project, group, kind, "", true),
                    "{shown}: a team may create {group}/{kind}"
                );
            }
            for (group, kind) in [
                ("", "Namespace"),
                ("rbac.authorization.k8s.io", "ClusterRole"),
            ] {
                assert!(
                    !is_group_kind_permitted(version, project, group, kind, "x", false),
                    "{shown}: a team may create {group}/{kind}"
                );
            }
            assert!(is_group_kind_permitted(
                version,
                project,
                "apps",
                "Deployment",
                "",
                true
            ));
        }
        let destinations = project["spec"]["destinations"].as_array().unwrap();
        for destination in destinations {
            let namespace = text(destination, &["namespace"]);
            for reserved in [
                "argocd",
                "kube-system",
                "kube-public",
                "kube-node-lease",
                "default",
            ] {
                assert!(
                    !glob_match(namespace, reserved, true, &[]),
                    "{shown}: a team reaches {reserved}"
                );
            }
        }
        let name = text(project, &["metadata", "name"]);
        let policies: Vec<&str> = project["spec"]["roles"][0]["policies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|policy| policy.as_str().unwrap())
            .collect();
        assert!(
            policies.contains(&format!("p, proj:{name}:team, logs, get, {name}/*, allow").as_str()),
            "{shown}: {policies:?}"
        );
        for policy in policies {
            // types.go — validatePolicy: six fields, the subject this project's role.
            let fields: Vec<&str> = policy.split(',').map(str::trim).collect();
            assert_eq!(fields.len(), 6, "{policy}");
            assert_eq!(fields[1], format!("proj:{name}:team"));
            assert!(fields[4].starts_with(&format!("{name}/")));
        }
    }
    projects
}

#[test]
fn the_example_registry_syncs_on_first_apply_on_every_supported_release() {
    let repo = Repo::new(REPO, "generated", &project_root().join("generated"));
    let counts = AllSchemas::new().validate(&repo);
    assert_eq!(counts["Secret"], 3, "{counts:?}");
    assert!(
        counts["Application"] > 120 && counts["AppProject"] > 30,
        "{counts:?}"
    );
    assert_eq!(
        counts["Namespace"],
        counts["Application"] - 1 - 4 - 4 - 4,
        "{counts:?}"
    );
    assert!(counts["PrometheusRule"] > 100, "{counts:?}");
    for version in Version::SUPPORTED {
        let synced = first_sync(&repo, version);
        assert_eq!(synced.keys().collect::<Vec<_>>(), ["prod-eu"], "one hub");
        assert_eq!(synced["prod-eu"], counts["Application"]);
    }
    assert!(tenancy(&repo) > 30);
}

#[test]
fn the_small_registry_syncs_with_one_argo_cd_per_cluster() {
    let out = tempfile::tempdir().unwrap();
    build_small(out.path());
    let repo = Repo::new(REPO, "generated", out.path());
    AllSchemas::new().validate(&repo);
    for version in Version::SUPPORTED {
        let synced = first_sync(&repo, version);
        assert_eq!(
            synced.keys().collect::<Vec<_>>(),
            ["dev-eu", "prod-eu", "staging-eu"]
        );
    }
    assert!(tenancy(&repo) >= 5);
}

#[test]
fn a_synthetic_registry_of_1000_services_syncs_on_first_apply() {
    let dir = tempfile::tempdir().unwrap();
    synthetic::registry(dir.path(), 1000);
    let build = registry(dir.path()).args(["build"]).output();
    assert_eq!(build.status, 0, "{}", build.report());
    let repo = Repo::new(REPO, "generated", &dir.path().join("generated"));
    let counts = AllSchemas::new().validate(&repo);
    assert!(counts["Application"] > 2000, "{counts:?}");
    assert!(counts["PrometheusRule"] > 2000, "{counts:?}");
    assert_eq!(counts["Secret"], 7, "{counts:?}");
    for version in Version::SUPPORTED {
        let synced = first_sync(&repo, version);
        // A hub per fleet, and from the second fleet on, a development cluster of its own.
        assert_eq!(synced.len(), 5, "{synced:?}");
        assert_eq!(synced.values().sum::<usize>(), counts["Application"]);
    }
    assert!(tenancy(&repo) > 100);
    let values = values_reach_the_workloads(&repo);
    assert!(values > 2000, "{values}");
}

/// Each service Application passes its deployment's values as its packaging takes them.
fn values_reach_the_workloads(repo: &Repo) -> usize {
    let generated = &repo.generated;
    let blob: Value =
        serde_json::from_str(&std::fs::read_to_string(generated.join("registry.json")).unwrap())
            .unwrap();
    let mut checked = 0;
    for (path, application) in repo.objects_under(&generated.join("argocd")) {
        let service = text(application, &["metadata", "labels", "registry.dev/service"]);
        if text(application, &["kind"]) != "Application" || service.is_empty() {
            continue;
        }
        let cluster = text(application, &["metadata", "labels", "registry.dev/cluster"]);
        let spec = &blob["services"][service]["spec"];
        let deployment = spec["deployments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|deployment| deployment["cluster"] == cluster)
            .unwrap();
        let source = &application["spec"]["source"];
        let shown = path.display();
        assert_eq!(source["path"], deployment["path"], "{shown}");
        let env: Vec<Value> = spec["env"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, value)| json!({ "name": name, "value": value }))
            .collect();
        let ports: Vec<Value> = spec["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|port| json!({ "name": port["name"], "containerPort": port["port"], "protocol": "TCP" }))
            .collect();
        let requests = &spec["requests"];
        let autoscaling = &deployment["autoscaling"];
        match spec["packaging"].as_str().unwrap_or("directory") {
            "helm" => {
                let values = &source["helm"]["valuesObject"];
                assert_eq!(source["helm"]["releaseName"], service, "{shown}");
                assert_eq!(values["replicaCount"], deployment["replicas"], "{shown}");
                assert_eq!(
                    values["autoscaling"]["enabled"],
                    !autoscaling.is_null(),
                    "{shown}"
                );
                assert_eq!(
                    values["autoscaling"]["maxReplicas"], autoscaling["maxReplicas"],
                    "{shown}"
                );
                assert_eq!(values["resources"]["requests"], *requests, "{shown}");
                assert_eq!(values["env"], json!(env), "{shown}");
                assert_eq!(values["ports"], json!(ports), "{shown}");
            }
            "kustomize" => {
                let kustomize = &source["kustomize"];
                let patches = kustomize["patches"].as_array().unwrap();
                let deployment_patch: Value =
                    serde_yaml_ng::from_str(patches[0]["patch"].as_str().unwrap()).unwrap();
                let container = &deployment_patch["spec"]["template"]["spec"]["containers"][0];
                assert_eq!(container["name"], service, "{shown}");
                assert_eq!(container["env"], json!(env), "{shown}");
                assert_eq!(container["ports"], json!(ports), "{shown}");
                assert_eq!(container["resources"]["requests"], *requests, "{shown}");
                if autoscaling.is_null() {
                    assert_eq!(
                        kustomize["replicas"],
                        json!([{ "name": service, "count": deployment["replicas"] }]),
                        "{shown}"
                    );
                } else {
                    let hpa: Value =
                        serde_yaml_ng::from_str(patches[1]["patch"].as_str().unwrap()).unwrap();
                    assert_eq!(
                        hpa["spec"]["maxReplicas"], autoscaling["maxReplicas"],
                        "{shown}"
                    );
                    assert_eq!(
                        hpa["spec"]["minReplicas"], deployment["replicas"],
                        "{shown}"
                    );
                }
            }
            _ => {
                let tla = &source["directory"]["jsonnet"]["tlas"][0];
                assert_eq!(tla["name"], "values", "{shown}");
                assert_eq!(tla["code"], true, "{shown}");
                let values: Value = serde_json::from_str(tla["value"].as_str().unwrap()).unwrap();
                assert_eq!(values["replicaCount"], deployment["replicas"], "{shown}");
                assert_eq!(values["env"], json!(env), "{shown}");
            }
        }
        checked += 1;
    }
    checked
}

#[test]
fn the_example_registrys_values_reach_its_workloads() {
    let repo = Repo::new(REPO, "generated", &project_root().join("generated"));
    assert!(values_reach_the_workloads(&repo) > 100);
    // The golden path deploys Helm charts; one service each uses Kustomize and a directory.
    let packagings: BTreeSet<String> = repo
        .objects_under(&repo.generated.join("argocd"))
        .into_iter()
        .filter_map(|(_, application)| {
            let source = &application["spec"]["source"];
            ["helm", "kustomize", "directory"]
                .iter()
                .find(|key| !source[**key].is_null())
                .map(|key| (*key).to_owned())
        })
        .collect();
    assert_eq!(
        packagings,
        BTreeSet::from(["directory".into(), "helm".into(), "kustomize".into()])
    );
}

/// The manifests this project emitted before, which a real Argo CD refuses: the
/// simulation must refuse them too, each for the reason Argo CD gives.
#[test]
fn the_simulation_refuses_what_argo_cd_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    let application =
        |name: &str, project: &str, path: &str, server: &str, namespace: &str, extra: &str| {
            format!(
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n  \
             namespace: argocd\n  labels:\n    registry.dev/service: {name}\nspec:\n  project: \
             {project}\n  source:\n    repoURL: {REPO}\n    path: {path}\n    targetRevision: \
             main\n    directory:\n      recurse: true\n  destination:\n    server: {server}\n    \
             namespace: {namespace}\n  syncPolicy:\n{extra}    automated:\n      prune: true\n"
            )
        };
    let project = |name: &str, wave: &str, extra: &str| {
        format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: {name}\n  \
             namespace: argocd\n  annotations:\n    argocd.argoproj.io/sync-wave: '{wave}'\n\
             spec:\n  sourceRepos:\n  - {REPO}\n  destinations:\n  - server: '*'\n    \
             namespace: '*'\n{extra}"
        )
    };
    // The old root: in project `default`, which a hardened Argo CD does not have.
    write(
        "argocd/old/root/bootstrap.yaml",
        &application(
            "root",
            "default",
            "generated/argocd/old/apps",
            IN_CLUSTER,
            "argocd",
            "",
        ),
    );
    let old = Repo::new(REPO, "generated", dir.path());
    let simulation = Simulation::bootstrap(
        Version::V3_3,
        &old,
        &dir.path().join("argocd/old/root/bootstrap.yaml"),
    );
    assert_eq!(
        simulation.errors,
        ["Application root: Application referencing project default which does not exist"]
    );

    // With a project: a child Application sorting before its project in one wave; one on
    // a server no Secret declares; one creating its namespace in a project that may
    // create no cluster-scoped object.
    write(
        "argocd/old/root/bootstrap.yaml",
        &format!(
            "{}---\n{}",
            project("bootstrap", "0", "  clusterResourceWhitelist: []\n"),
            application(
                "root",
                "bootstrap",
                "generated/argocd/old/apps",
                IN_CLUSTER,
                "argocd",
                ""
            )
        ),
    );
    write(
        "argocd/old/apps/team.yaml",
        &project("team", "0", "  clusterResourceWhitelist: []\n"),
    );
    write(
        "argocd/old/apps/a.yaml",
        &application(
            "api",
            "team",
            "deploy",
            IN_CLUSTER,
            "api",
            "    syncOptions:\n    - CreateNamespace=true\n",
        )
        .replace(REPO, "https://github.com/acme/api.git"),
    );
    write(
        "argocd/old/apps/z.yaml",
        &application(
            "zeta",
            "bootstrap",
            "deploy",
            "https://api.prod-us.k8s.acme.example",
            "zeta",
            "",
        )
        .replace(REPO, "https://github.com/acme/zeta.git"),
    );
    let old = Repo::new(REPO, "generated", dir.path());
    for version in Version::SUPPORTED {
        let simulation = Simulation::bootstrap(
            version,
            &old,
            &dir.path().join("argocd/old/root/bootstrap.yaml"),
        );
        assert!(
            simulation.errors.contains(
                &"Application api: Application referencing project team which does not exist"
                    .to_owned()
            ),
            "{version:?}: {:?}",
            simulation.errors
        );
        assert!(
            simulation
                .errors
                .iter()
                .any(|error| error.starts_with("Application zeta:")
                    && error
                        .contains("cluster \"https://api.prod-us.k8s.acme.example\" not found")),
            "{version:?}: {:?}",
            simulation.errors
        );
    }
    // Once the project exists (a later refresh), the namespace is what fails.
    write(
        "argocd/old/apps/team.yaml",
        &project("team", "-1", "  clusterResourceWhitelist: []\n"),
    );
    let old = Repo::new(REPO, "generated", dir.path());
    let simulation = Simulation::bootstrap(
        Version::V3_3,
        &old,
        &dir.path().join("argocd/old/root/bootstrap.yaml"),
    );
    assert!(
        simulation.errors.contains(
            &"Application api: resource :Namespace is not permitted in project team".to_owned()
        ),
        "{:?}",
        simulation.errors
    );
}

/// Each restated rule on the cases that tell versions and readings apart.
#[test]
fn the_restated_rules_behave_as_argo_cd_does() {
    // IsSourcePermitted: `*` stays within one path segment, a deny that does not match
    // counts as a match, `.git` and case are ignored.
    let sources = |repos: Value| json!({ "spec": { "sourceRepos": repos } });
    let acme = sources(json!(["https://github.com/acme/*"]));
    assert!(is_source_permitted(
        &acme,
        "https://github.com/acme/api.git"
    ));
    assert!(is_source_permitted(&acme, "https://GitHub.com/Acme/API"));
    assert!(!is_source_permitted(
        &acme,
        "https://github.com/acme/group/api"
    ));
    assert!(is_source_permitted(
        &sources(json!(["https://github.com/acme/**"])),
        "https://github.com/acme/group/api"
    ));
    assert!(is_source_permitted(
        &sources(json!(["!https://github.com/evil/*"])),
        "https://github.com/acme/api"
    ));
    assert!(!is_source_permitted(
        &sources(json!(["*", "!https://github.com/evil/*"])),
        "https://github.com/evil/x"
    ));
    assert!(!is_source_permitted(
        &sources(json!([])),
        "https://github.com/acme/api"
    ));

    // isDestinationMatched: v2.13 lets a later allow win over an earlier deny that did
    // not apply; from v2.14 a deny on the server that does not match refuses at once.
    let project = json!({ "spec": { "destinations": [
        { "server": "!https://other", "namespace": "api" },
        { "server": "*", "namespace": "api" },
    ] } });
    let prod = cluster("https://prod", "prod");
    assert!(is_destination_permitted(
        Version::V2_14,
        &project,
        &prod,
        "api"
    ));
    let denied = json!({ "spec": { "destinations": [
        { "server": "!https://prod", "namespace": "*" },
        { "server": "*", "namespace": "*" },
    ] } });
    assert!(!is_destination_permitted(
        Version::V2_13,
        &denied,
        &prod,
        "api"
    ));
    assert!(!is_destination_permitted(
        Version::V3_3,
        &denied,
        &prod,
        "api"
    ));
    let exact =
        json!({ "spec": { "destinations": [{ "server": "https://prod", "namespace": "api" }] } });
    assert!(!is_destination_permitted(
        Version::V3_3,
        &exact,
        &prod,
        "web"
    ));
    assert!(!is_destination_permitted(Version::V3_3, &exact, &prod, ""));
    let empty =
        json!({ "spec": { "destinations": [{ "server": "https://prod", "namespace": "" }] } });
    assert!(is_destination_permitted(Version::V3_3, &empty, &prod, ""));
    assert!(!is_destination_permitted(
        Version::V3_3,
        &empty,
        &prod,
        "api"
    ));

    // IsGroupKind[Name]Permitted: an absent namespaced whitelist allows all, an empty one
    // none; cluster-scoped kinds need a whitelist; names only from v3.3.
    let kinds = |spec: Value| json!({ "spec": spec });
    assert!(is_group_kind_permitted(
        Version::V3_0,
        &kinds(json!({})),
        "apps",
        "Deployment",
        "",
        true
    ));
    assert!(!is_group_kind_permitted(
        Version::V3_0,
        &kinds(json!({ "namespaceResourceWhitelist": [] })),
        "apps",
        "Deployment",
        "",
        true
    ));
    assert!(!is_group_kind_permitted(
        Version::V3_0,
        &kinds(json!({})),
        "",
        "Namespace",
        "api",
        false
    ));
    assert!(!is_group_kind_permitted(
        Version::V3_0,
        &kinds(json!({ "clusterResourceWhitelist": [] })),
        "",
        "Namespace",
        "api",
        false
    ));
    let named = kinds(
        json!({ "clusterResourceWhitelist": [{ "group": "", "kind": "Namespace", "name": "team-*" }] }),
    );
    assert!(is_group_kind_permitted(
        Version::V3_2,
        &named,
        "",
        "Namespace",
        "kube-system",
        false
    ));
    assert!(!is_group_kind_permitted(
        Version::V3_3,
        &named,
        "",
        "Namespace",
        "kube-system",
        false
    ));
    assert!(is_group_kind_permitted(
        Version::V3_3,
        &named,
        "",
        "Namespace",
        "team-a",
        false
    ));
    let star =
        kinds(json!({ "namespaceResourceBlacklist": [{ "group": "argoproj.io", "kind": "*" }] }));
    assert!(!is_group_kind_permitted(
        Version::V3_3,
        &star,
        "argoproj.io",
        "Application",
        "",
        true
    ));
    assert!(is_group_kind_permitted(
        Version::V3_3,
        &star,
        "",
        "Service",
        "",
        true
    ));

    // GetCluster: a destination with a trailing `/` is found from v3.3 only; an unknown
    // server never; the in-cluster address without a Secret is the local cluster, named.
    let clusters = Clusters {
        secrets: vec![cluster("https://prod", "prod")],
    };
    let to = |server: &str| json!({ "server": server, "namespace": "api" });
    assert!(
        clusters
            .destination(Version::V3_2, &to("https://prod/"))
            .is_err()
    );
    assert!(
        clusters
            .destination(Version::V2_14, &to("https://prod/"))
            .is_err()
    );
    assert_eq!(
        clusters
            .destination(Version::V3_3, &to("https://prod/"))
            .unwrap()
            .name,
        "prod"
    );
    assert!(
        clusters
            .destination(Version::V3_5, &to("https://other"))
            .is_err()
    );
    assert_eq!(
        clusters
            .destination(Version::V2_14, &to(IN_CLUSTER))
            .unwrap()
            .name,
        "in-cluster"
    );
    assert!(
        clusters
            .destination(
                Version::V3_0,
                &json!({ "server": "https://prod", "name": "prod" })
            )
            .is_err()
    );

    // The sync order: phase, wave, kind order, name; Application and AppProject tie on
    // kind, so only a wave puts a project first.
    let object = |kind: &str, name: &str, wave: &str| {
        json!({ "apiVersion": "argoproj.io/v1alpha1", "kind": kind, "metadata": {
            "name": name, "annotations": { "argocd.argoproj.io/sync-wave": wave } } })
    };
    let order = |objects: Vec<Value>| {
        let mut tasks: Vec<Task> = objects
            .into_iter()
            .map(|object| Task { phase: 0, object })
            .collect();
        sort_tasks(&mut tasks);
        tasks
            .iter()
            .map(|task| text(&task.object, &["metadata", "name"]).to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        order(vec![
            object("AppProject", "b", "0"),
            object("Application", "a", "0")
        ]),
        ["a", "b"]
    );
    assert_eq!(
        order(vec![
            object("Application", "a", "0"),
            object("AppProject", "b", "-2")
        ]),
        ["b", "a"]
    );
    assert_eq!(
        order(vec![
            object("Application", "a", "x"),
            object("Application", "b", "-1")
        ]),
        ["b", "a"]
    );
    let core = |kind: &str, name: &str, namespace: &str| json!({ "apiVersion": "v1", "kind": kind, "metadata": { "name": name, "namespace": namespace } });
    assert_eq!(
        order(vec![
            core("ResourceQuota", "q", "api"),
            core("Service", "s", "api"),
            json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": "api" } })
        ]),
        ["api", "q", "s"]
    );
}

/// Argo CD v2.13 accepts every generated manifest, field for field, but it does not know
/// `Prune=confirm` and prunes what it guards: so the supported releases start at v2.14.
#[test]
fn releases_before_2_14_would_prune_what_confirm_guards() {
    let repo = Repo::new(REPO, "generated", &project_root().join("generated"));
    let confirmed = repo
        .objects_under(&repo.generated.join("argocd"))
        .into_iter()
        .filter(|(_, object)| {
            text(
                object,
                &["metadata", "annotations", "argocd.argoproj.io/sync-options"],
            )
            .contains("Prune=confirm")
        })
        .count();
    assert!(
        confirmed > 10,
        "tier-1 services wait for approval: {confirmed}"
    );
    assert!(!Version::SUPPORTED.contains(&Version::V2_13));
    // Its admission rules alone would let everything sync.
    let synced = first_sync(&repo, Version::V2_13);
    assert!(synced["prod-eu"] > 100);
}

#[test]
fn the_strict_schemas_refuse_a_misspelt_field() {
    let data = project_root().join("tests/data/argocd");
    let text = std::fs::read_to_string(
        project_root().join("generated/argocd/prod-eu/clusters/prod-eu/apps/checkout.yaml"),
    )
    .unwrap();
    for version in Version::ALL {
        let application = validator(
            &data
                .join(version.dir())
                .join("application.strict.schema.json"),
        );
        let manifest: Value = serde_yaml_ng::from_str(&text).unwrap();
        assert!(application.is_valid(&manifest));
        let manifest: Value =
            serde_yaml_ng::from_str(&text.replace("selfHeal", "selfHeel")).unwrap();
        assert!(!application.is_valid(&manifest), "{version:?}");
    }
}

/// A small registry on the example's library: a hub, a cluster it manages, and a service of
/// each removal policy.
fn fleet() -> Test {
    let test = Test::new()
        .file(
            "registry/registry.jsonnet",
            "{ org: 'acme', repo: 'https://github.com/acme/platform.git' }\n",
        )
        .file("registry/teams/shop.jsonnet", "local team = import 'team.libsonnet';\nteam.new('shop', 'The shop.')\n")
        .file("registry/projects/gcp.jsonnet", "local project = import 'project.libsonnet';\nproject.gcp('gcp', projectId='acme-gcp-482913', environment='production', owner='shop')\n")
        .file("registry/clusters/prod-eu.jsonnet", "local cluster = import 'cluster.libsonnet';\ncluster.new('prod-eu', project='gcp', environment='production', region='europe-west1')\n")
        .file("registry/clusters/prod-us.jsonnet", "local cluster = import 'cluster.libsonnet';\ncluster.new('prod-us', project='gcp', environment='production', region='us-east1')\n+ cluster.managedBy(ca=importstr 'ca.pem')\n+ cluster.gke\n")
        .file("registry/services/checkout.jsonnet", "local service = import 'service.libsonnet';\nservice.new('checkout', owner='shop', tier=1, language='go', description='Checkout.')\n+ service.production(['prod-eu', 'prod-us'])\n")
        .file("registry/services/search.jsonnet", "local service = import 'service.libsonnet';\nservice.new('search', owner='shop', tier=3, language='go', description='Search.')\n+ service.production(['prod-eu'])\n")
        .file("registry/services/legacy.jsonnet", "local service = import 'service.libsonnet';\nservice.new('legacy', owner='shop', tier=2, language='go', description='Legacy.')\n+ service.deprecated()\n+ service.production(['prod-eu'])\n");
    copy_dir(
        &project_root().join("registry/lib"),
        &test.path().join("registry/lib"),
    );
    std::fs::copy(
        project_root().join("registry/ca/prod-us.pem"),
        test.path().join("registry/clusters/ca.pem"),
    )
    .unwrap();
    let build = test.run(["build"]);
    assert_eq!(build.status, 0, "{}", build.report());
    commit(test.path(), "base");
    test
}

#[test]
fn diff_marks_removals_renames_and_moves_as_destructive() {
    let test = fleet();
    let write = |path: &str, text: &str| std::fs::write(test.path().join(path), text).unwrap();
    // A tier-1 service leaves one cluster, a tier-3 service goes, and a deprecated one
    // moves to another namespace.
    write(
        "registry/services/checkout.jsonnet",
        "local service = import 'service.libsonnet';\nservice.new('checkout', owner='shop', tier=1, language='go', description='Checkout.')\n+ service.production(['prod-eu'])\n",
    );
    std::fs::remove_file(test.path().join("registry/services/search.jsonnet")).unwrap();
    write(
        "registry/services/legacy.jsonnet",
        "local service = import 'service.libsonnet';\nservice.new('legacy', owner='shop', tier=2, language='go', description='Legacy.', namespace='old-legacy')\n+ service.deprecated()\n+ service.production(['prod-eu'])\n",
    );
    let diff = |format: &str| {
        registry(test.path())
            .args(["diff", "--base", "HEAD", "--format", format])
            .output()
    };
    let human = diff("human");
    assert_eq!(human.status, 0, "{}", human.report());
    let destructive: Vec<&str> = human
        .stdout
        .lines()
        .filter(|line| line.trim_start().starts_with("destructive:"))
        .collect();
    insta::assert_snapshot!(destructive.join("\n"), @"
    destructive: Application `legacy.prod-eu` moves from `https://kubernetes.default.svc` namespace `legacy` to `https://kubernetes.default.svc` namespace `old-legacy`: what it deployed at the old destination is deleted
    destructive: Application `search.prod-eu` is removed: Argo CD deletes it and everything it deployed
    destructive: Application `checkout.prod-us` is removed: Argo CD deletes it, and what it deployed, once the deletion is approved (`Prune=confirm`)
    destructive: Application `prod-us.monitoring` is removed: Argo CD deletes it, and what it deployed, once the deletion is approved (`Prune=confirm`)
    destructive: Application `prod-us.namespaces` is removed: Argo CD deletes it, and what it deployed, once the deletion is approved (`Prune=confirm`)
    destructive: Application `prod-us` is removed: Argo CD deletes it, and what it deployed, once the deletion is approved (`Prune=confirm`)
    destructive: Namespace `legacy` is removed: it is kept (`Prune=false`) until deleted by hand, with what it deployed
    destructive: Namespace `search` is removed: Argo CD deletes it, and everything in it
    destructive: Namespace `checkout` is removed: Argo CD deletes it, and what it deployed, once the deletion is approved (`Prune=confirm`)
    ");
    let markdown = diff("markdown");
    assert!(
        markdown.stdout.contains("| :warning: **destructive** |"),
        "{}",
        markdown.stdout
    );
    assert_eq!(
        markdown.stdout.matches("**destructive**: ").count(),
        destructive.len(),
        "{}",
        markdown.stdout
    );
    let json: Value = serde_json::from_str(&diff("json").stdout).unwrap();
    let marked: Vec<(String, usize)> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|file| {
            let reasons = file["destructive"].as_array()?;
            Some((file["path"].as_str().unwrap().to_owned(), reasons.len()))
        })
        .collect();
    insta::assert_debug_snapshot!(marked, @r#"
    [
        (
            "argocd/prod-eu/clusters/prod-eu/apps/legacy.yaml",
            1,
        ),
        (
            "argocd/prod-eu/clusters/prod-eu/apps/search.yaml",
            1,
        ),
        (
            "argocd/prod-eu/clusters/prod-us/apps/checkout.yaml",
            1,
        ),
        (
            "argocd/prod-eu/clusters/prod-us/monitoring.yaml",
            1,
        ),
        (
            "argocd/prod-eu/clusters/prod-us/namespaces.yaml",
            1,
        ),
        (
            "argocd/prod-eu/root/clusters/prod-us.yaml",
            1,
        ),
        (
            "kubernetes/prod-eu/namespaces.yaml",
            2,
        ),
        (
            "kubernetes/prod-us/namespaces.yaml",
            1,
        ),
    ]
    "#);
    // Only Argo CD and Kubernetes manifests are ever marked.
    assert!(
        marked
            .iter()
            .all(|(path, _)| path.starts_with("argocd/") || path.starts_with("kubernetes/"))
    );
}

/// Kubernetes' equality-based label selector (`k8s.io/apimachinery/pkg/labels` — `Parse`),
/// for the `key=value` terms joined by `,` that the catalog writes; Argo CD's
/// `ApplicationService.List` filters by it (`server/application/application.go`, its
/// `selector` parameter), which is how Backstage's Argo CD plugin finds an entity's
/// Applications from its `argocd/app-selector`.
fn selects(selector: &str, labels: &Value) -> bool {
    selector.split(',').all(|term| {
        let (key, value) = term
            .split_once("==")
            .or_else(|| term.split_once('='))
            .unwrap_or_else(|| panic!("only equality selectors are restated: {term}"));
        labels.get(key.trim()).and_then(Value::as_str) == Some(value.trim())
    })
}

/// Each service's Backstage component selects exactly the Applications of its deployments
/// (`<service>.<cluster>`, in whichever Argo CD manages the cluster), and a component that
/// never deploys selects none.
fn catalog_selects_each_services_applications(generated: &Path) -> usize {
    let repo = Repo::new(REPO, "generated", generated);
    let applications: Vec<(&Path, &Value)> = repo
        .objects_under(&generated.join("argocd"))
        .into_iter()
        .filter(|(_, object)| text(object, &["kind"]) == "Application")
        .collect();
    let blob: Value =
        serde_json::from_str(&std::fs::read_to_string(generated.join("registry.json")).unwrap())
            .unwrap();
    let mut checked = 0;
    for (service, entity) in blob["services"].as_object().unwrap() {
        let file =
            std::fs::read_to_string(generated.join(format!("backstage/services/{service}.yaml")))
                .unwrap();
        let component = simulate::documents(&file)
            .into_iter()
            .find(|document| text(document, &["kind"]) == "Component")
            .unwrap();
        let selector = text(
            &component,
            &["metadata", "annotations", "argocd/app-selector"],
        );
        let deployments = entity["spec"]["deployments"].as_array().unwrap();
        if deployments.is_empty() {
            assert!(selector.is_empty(), "{service}: {selector}");
            continue;
        }
        let selected: BTreeSet<&str> = applications
            .iter()
            .filter(|(_, object)| selects(selector, &object["metadata"]["labels"]))
            .map(|(_, object)| text(object, &["metadata", "name"]))
            .collect();
        let expected: BTreeSet<String> = deployments
            .iter()
            .map(|deployment| {
                let cluster = text(deployment, &["cluster"]);
                let (path, object) = applications
                    .iter()
                    .find(|(path, _)| {
                        path.ends_with(format!("clusters/{cluster}/apps/{service}.yaml"))
                    })
                    .unwrap_or_else(|| panic!("{service} has no Application on {cluster}"));
                let name = text(object, &["metadata", "name"]);
                assert_eq!(name, format!("{service}.{cluster}"), "{}", path.display());
                name.to_owned()
            })
            .collect();
        assert_eq!(
            selected,
            expected.iter().map(String::as_str).collect(),
            "{service}: {selector}"
        );
        checked += 1;
    }
    checked
}

#[test]
fn backstage_finds_each_services_applications_by_their_generated_names() {
    assert!(catalog_selects_each_services_applications(&project_root().join("generated")) > 30);
    let out = tempfile::tempdir().unwrap();
    build_small(out.path());
    assert!(catalog_selects_each_services_applications(out.path()) >= 5);
}

/// Rules under an Argo CD's tree, where they were first written, are swept into the
/// cluster's root, whose bootstrap project permits only Argo CD's own kinds: the whole sync
/// of the root fails. Where they are, the monitoring Application applies them.
#[test]
fn rules_in_the_argo_cd_tree_would_fail_the_roots_sync() {
    let out = tempfile::tempdir().unwrap();
    build_small(out.path());
    let rules = out.path().join("kubernetes/prod-eu/monitoring");
    let (first, count) = {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&rules)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect();
        names.sort();
        (names[0].clone(), names.len())
    };
    assert!(count >= 1);
    let moved = out
        .path()
        .join("argocd/prod-eu/clusters/prod-eu/monitoring")
        .join(first.file_name().unwrap());
    std::fs::create_dir_all(moved.parent().unwrap()).unwrap();
    std::fs::rename(&first, &moved).unwrap();
    let repo = Repo::new(REPO, "generated", out.path());
    for version in Version::SUPPORTED {
        let simulation = Simulation::bootstrap(
            version,
            &repo,
            &out.path().join("argocd/prod-eu/root/bootstrap.yaml"),
        );
        assert!(
            simulation.errors.contains(
                &"Application prod-eu: resource monitoring.coreos.com:PrometheusRule is not \
                  permitted in project registry-bootstrap"
                    .to_owned()
            ),
            "{version:?}: {:?}",
            simulation.errors
        );
    }
}
