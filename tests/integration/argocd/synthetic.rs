//! A synthetic registry of any size in the benchmark's shape (`bench/generate.py`): teams
//! under one root, cloud projects on gcp, aws and azure in every environment, clusters in
//! fleets of two production clusters, one staging and one development cluster, and services
//! with ports, requests, environment and deployments across their fleet, written with the
//! example registry's own golden-path library. Here each fleet is managed by the Argo CD on
//! its first production cluster (reaching the others through GKE, EKS or AKS workload
//! identity), except that from the second fleet on the development cluster runs its own;
//! services use every packaging. Deterministic for a given size.

use std::fmt::Write as _;
use std::path::Path;

use crate::test::{copy_dir, project_root};

/// splitmix64: a small, fixed pseudo-random sequence.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        usize::try_from(self.next() % bound as u64).unwrap()
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// True with probability `percent` in 100.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const DOMAINS: [&str; 16] = [
    "payments",
    "ledger",
    "billing",
    "checkout",
    "catalog",
    "search",
    "identity",
    "fraud",
    "risk",
    "shipping",
    "inventory",
    "pricing",
    "notifications",
    "analytics",
    "storefront",
    "partners",
];
const ROLES: [&str; 12] = [
    "api",
    "worker",
    "gateway",
    "service",
    "scheduler",
    "ingest",
    "sync",
    "indexer",
    "bff",
    "router",
    "exporter",
    "processor",
];
const LANGUAGES: [&str; 6] = ["go", "java", "python", "typescript", "rust", "kotlin"];
const PROVIDERS: [&str; 3] = ["gcp", "aws", "azure"];

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// One cluster of a fleet.
struct Cluster {
    name: String,
    environment: &'static str,
    provider: &'static str,
    fleet: usize,
    /// The cluster whose Argo CD manages it; `None` when it runs its own.
    hub: Option<String>,
}

/// Writes a registry of `services` services at `dir/registry`, whose `generated/` goes to
/// `dir/generated`.
pub(crate) fn registry(dir: &Path, services: usize) {
    let root = dir.join("registry");
    copy_dir(&project_root().join("registry/lib"), &root.join("lib"));
    std::fs::create_dir_all(root.join("ca")).unwrap();
    std::fs::copy(
        project_root().join("registry/ca/prod-us.pem"),
        root.join("ca/synthetic.pem"),
    )
    .unwrap();
    write(
        &root,
        "registry.jsonnet",
        "{\n  org: 'acme',\n  repo: 'https://github.com/acme/platform.git',\n  revision: 'main',\n  \
         generatedPath: 'generated',\n  libraryPaths: ['lib'],\n  lifecycleEnvironments: {\n    \
         experimental: ['development', 'staging'],\n    production: ['development', 'staging', \
         'production'],\n    deprecated: ['development', 'staging', 'production'],\n  },\n  \
         argocd: { reservedNamespaces: ['monitoring', 'cert-manager'] },\n}\n",
    );
    let mut random = Random(42);

    let teams: Vec<String> = (1..=services.div_ceil(10).max(2))
        .map(|index| format!("{}-{index}", random.pick(&DOMAINS)))
        .collect();
    for name in ["engineering", "platform"] {
        let parent = if name == "platform" {
            ", parent='engineering'"
        } else {
            ""
        };
        write(
            &root,
            &format!("teams/{name}.jsonnet"),
            &format!(
                "local team = import 'team.libsonnet';\n\nteam.new('{name}', 'The {name} team.'{parent})\n"
            ),
        );
    }
    for team in &teams {
        write(
            &root,
            &format!("teams/{team}.jsonnet"),
            &format!(
                "local team = import 'team.libsonnet';\n\nteam.new('{team}', 'Team {team}.', \
                 parent='engineering')\n+ team.members([team.lead('{team}-lead', 'A Lead')])\n"
            ),
        );
    }

    for (index, provider) in PROVIDERS.iter().enumerate() {
        for environment in ["production", "staging", "development"] {
            let name = format!("{provider}-{environment}");
            let (id, region) = match *provider {
                "gcp" => (format!("acme-{name}-48291{index}"), "europe-west1"),
                "aws" => (format!("41827639501{index}"), "eu-west-1"),
                _ => (
                    format!("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4{index}"),
                    "westeurope",
                ),
            };
            write(
                &root,
                &format!("projects/{name}.jsonnet"),
                &format!(
                    "local project = import 'project.libsonnet';\n\nproject.new('{name}', \
                     '{provider}', '{id}', '{environment}', '{region}')\n"
                ),
            );
        }
    }

    let fleets = services.div_ceil(100).div_ceil(4).max(1);
    let mut clusters: Vec<Cluster> = Vec::new();
    for fleet in 1..=fleets {
        let provider = PROVIDERS[(fleet - 1) % 3];
        let hub = format!("prod-f{fleet}-a");
        for (name, environment) in [
            (hub.clone(), "production"),
            (format!("prod-f{fleet}-b"), "production"),
            (format!("stg-f{fleet}"), "staging"),
            (format!("dev-f{fleet}"), "development"),
        ] {
            let own = name == hub || (fleet > 1 && environment == "development");
            clusters.push(Cluster {
                name,
                environment,
                provider,
                fleet,
                hub: (!own).then(|| hub.clone()),
            });
        }
    }
    for cluster in &clusters {
        let project = format!("{}-{}", cluster.provider, cluster.environment);
        let mut text = format!(
            "local cluster = import 'cluster.libsonnet';\n\ncluster.new('{}', project='{project}', \
             environment='{}', region='europe-west1')\n",
            cluster.name, cluster.environment
        );
        if let Some(hub) = &cluster.hub {
            let _ = writeln!(
                text,
                "+ cluster.managedBy(ca=importstr '../ca/synthetic.pem', hub='{hub}')"
            );
            let auth = match cluster.provider {
                "gcp" => "cluster.gke".to_owned(),
                "aws" => "cluster.eks(roleArn='arn:aws:iam::418276395010:role/argocd-manager')"
                    .to_owned(),
                _ => "cluster.aks(clientId='5bc5f230-293d-4d51-ac69-d4b56630a41a', \
                      tenantId='24139d14-c62c-4c47-8bdd-ce71ea1d50cf')"
                    .to_owned(),
            };
            let _ = writeln!(text, "+ {auth}");
        }
        let _ = writeln!(
            text,
            "+ cluster.nodePool('general', 'standard-8', minNodes=3, maxNodes=12)"
        );
        write(&root, &format!("clusters/{}.jsonnet", cluster.name), &text);
    }

    let width = services.to_string().len();
    for index in 1..=services {
        let name = format!(
            "{}-{}-{index:0width$}",
            random.pick(&DOMAINS),
            random.pick(&ROLES)
        );
        let team = &teams[random.below(teams.len())];
        let tier = 1 + random.below(3);
        let language = random.pick(&LANGUAGES);
        let fleet = 1 + random.below(fleets);
        let in_fleet = |environment: &str| -> Vec<String> {
            clusters
                .iter()
                .filter(|cluster| cluster.environment == environment && cluster.fleet == fleet)
                .map(|cluster| format!("'{}'", cluster.name))
                .collect()
        };
        let mut text = format!(
            "local service = import 'service.libsonnet';\n\nservice.new('{name}', owner='{team}', \
             tier={tier}, language='{language}',\n            description='Synthetic service \
             {index}.')\n"
        );
        let roll = random.below(100);
        let lifecycle = if index <= 20 || roll < 80 {
            "production"
        } else if roll < 92 {
            "deprecated"
        } else {
            "experimental"
        };
        match lifecycle {
            "deprecated" => text.push_str("+ service.deprecated()\n"),
            "experimental" => text.push_str("+ service.experimental\n"),
            _ => {}
        }
        match random.below(10) {
            0..=6 => {}
            7 | 8 => text.push_str("+ service.kustomize\n"),
            _ => text.push_str("+ service.directory\n"),
        }
        match random.below(4) {
            0 => text.push_str("+ service.grpc(9090)\n"),
            1 => text.push_str("+ service.http(8080)\n+ service.grpc(9090)\n"),
            _ => {
                let _ = writeln!(text, "+ service.http({})", random.pick(&["8080", "3000"]));
            }
        }
        if lifecycle != "experimental" {
            let _ = writeln!(
                text,
                "+ service.production([{}])",
                in_fleet("production").join(", ")
            );
        }
        let _ = writeln!(
            text,
            "+ service.staging([{}])",
            in_fleet("staging").join(", ")
        );
        if lifecycle != "deprecated" && random.chance(85) {
            let _ = writeln!(
                text,
                "+ service.development([{}])",
                in_fleet("development").join(", ")
            );
        }
        if random.chance(30) {
            let (cpu, memory) = [
                ("250m", "512Mi"),
                ("1", "1Gi"),
                ("2", "4Gi"),
                ("0.5", "256Mi"),
            ][random.below(4)];
            let _ = writeln!(text, "+ service.requests('{cpu}', '{memory}')");
        }
        if random.chance(40) {
            let _ = writeln!(
                text,
                "+ service.env({{ CACHE_TTL_SECONDS: '{}' }})",
                random.pick(&["30", "60", "300"])
            );
        }
        write(&root, &format!("services/{name}.jsonnet"), &text);
    }
}
