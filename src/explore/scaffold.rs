//! `registry new KIND NAME`: the text of a new entity file, written with the golden-path
//! library when the registry has it (`lib/<kind>.libsonnet`), else as a plain object. Input:
//! what the command line asked for, already checked; output: the file's path under the root
//! and its bytes. Every value is written as an escaped Jsonnet string literal.

use std::fmt::Write as _;

use crate::cli::NewKind;
use crate::model::Kind;

/// A new entity file.
#[derive(Debug)]
pub(crate) struct Scaffold {
    pub(crate) kind: Kind,
    pub(crate) name: String,
    /// Its path under the registry root.
    pub(crate) path: String,
    pub(crate) text: String,
}

/// Whether `name` can be an entity's name: a DNS label (RFC 1123), as the schemas require, so
/// it is also a safe file stem (no `/`, no `..`, nothing absolute).
pub(crate) fn is_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    (1..=63).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || *byte == b'-')
        && bytes.last() != Some(&b'-')
}

/// A Jsonnet string literal of `text`, single-quoted.
pub(crate) fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for character in text.chars() {
        match character {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            character if character.is_control() => {
                let _ = write!(out, "\\u{:04x}", u32::from(character));
            }
            character => out.push(character),
        }
    }
    out.push('\'');
    out
}

fn list(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|item| literal(item)).collect();
    format!("[{}]", items.join(", "))
}

/// The kind and name a request creates.
pub(crate) fn target(request: &NewKind) -> (Kind, &str) {
    match request {
        NewKind::Team { name, .. } => (Kind::Team, name),
        NewKind::Project { name, .. } => (Kind::Project, name),
        NewKind::Cluster { name, .. } => (Kind::Cluster, name),
        NewKind::Service { name, .. } => (Kind::Service, name),
        NewKind::System { name, .. } => (Kind::System, name),
        NewKind::Api { name, .. } => (Kind::Api, name),
    }
}

/// The file for `request`; `golden` says whether the registry's library has the kind's
/// golden-path file, and `repo` is where a service's code lives without one.
pub(crate) fn scaffold(request: &NewKind, golden: bool, org: &str) -> Scaffold {
    let (kind, name) = target(request);
    let text = if golden {
        golden_path(request)
    } else {
        plain(request, org)
    };
    Scaffold {
        kind,
        name: name.to_owned(),
        path: format!("{}/{name}.jsonnet", kind.dir()),
        text,
    }
}

fn description(given: Option<&String>, kind: Kind, name: &str) -> String {
    given.cloned().unwrap_or_else(|| match kind {
        Kind::Api => format!("The {name} API."),
        kind => format!("The {name} {kind}."),
    })
}

fn golden_path(request: &NewKind) -> String {
    let mut out = String::new();
    match request {
        NewKind::Team {
            name,
            description: given,
            parent,
        } => {
            out.push_str("local team = import 'team.libsonnet';\n\n");
            let _ = write!(
                out,
                "team.new({}, {}",
                literal(name),
                literal(&description(given.as_ref(), Kind::Team, name))
            );
            if let Some(parent) = parent {
                let _ = write!(out, ", parent={}", literal(parent));
            }
            out.push_str(")\n+ team.onCall()\n");
        }
        NewKind::Project {
            name,
            provider,
            cloud_id,
            environment,
            owner,
        } => {
            out.push_str("local project = import 'project.libsonnet';\n\n");
            let id = if provider == "aws" {
                "accountId"
            } else {
                "projectId"
            };
            let _ = write!(
                out,
                "project.{provider}({}, {id}={}, environment={}",
                literal(name),
                literal(cloud_id),
                literal(environment)
            );
            if let Some(owner) = owner {
                let _ = write!(out, ", owner={}", literal(owner));
            }
            out.push_str(")\n");
        }
        NewKind::Cluster {
            name,
            project,
            environment,
            region,
        } => {
            out.push_str("local cluster = import 'cluster.libsonnet';\n\n");
            let _ = writeln!(
                out,
                "cluster.new({}, project={}, environment={}, region={})",
                literal(name),
                literal(project),
                literal(environment),
                literal(region)
            );
            out.push_str(
                "+ cluster.nodePool('general', 'e2-standard-4', minNodes=1, maxNodes=5)\n",
            );
        }
        NewKind::Service {
            name,
            owner,
            tier,
            language,
            description: given,
            clusters,
            depends_on,
            system,
        } => {
            out.push_str("local service = import 'service.libsonnet';\n\n");
            let _ = writeln!(
                out,
                "service.new({}, owner={}, tier={tier}, language={},",
                literal(name),
                literal(owner),
                literal(language)
            );
            let _ = writeln!(
                out,
                "            description={})",
                literal(&description(given.as_ref(), Kind::Service, name))
            );
            out.push_str("+ service.http(8080)\n");
            if !clusters.is_empty() {
                let _ = writeln!(out, "+ service.deploy({})", list(clusters));
            }
            if !depends_on.is_empty() {
                let _ = writeln!(out, "+ service.dependsOn({})", list(depends_on));
            }
            if let Some(system) = system {
                let _ = writeln!(out, "+ service.system({})", literal(system));
            }
        }
        NewKind::System {
            name,
            owner,
            description: given,
        } => {
            out.push_str("local system = import 'system.libsonnet';\n\n");
            let _ = writeln!(
                out,
                "system.new({}, owner={}, description={})",
                literal(name),
                literal(owner),
                literal(&description(given.as_ref(), Kind::System, name))
            );
        }
        NewKind::Api {
            name,
            owner,
            api_type,
            repo,
            path,
            system,
            description: given,
        } => {
            out.push_str("local api = import 'api.libsonnet';\n\n");
            let _ = write!(
                out,
                "api.{api_type}({}, owner={}, repo={}, path={}",
                literal(name),
                literal(owner),
                literal(repo),
                literal(&definition_path(api_type, path.as_ref()))
            );
            if let Some(system) = system {
                let _ = write!(out, ", system={}", literal(system));
            }
            let _ = writeln!(
                out,
                ",\n{}description={})",
                " ".repeat("api.".len() + api_type.len() + 1),
                literal(&description(given.as_ref(), Kind::Api, name))
            );
        }
    }
    out
}

/// Where an API's definition is: `path`, else the usual file of its type.
fn definition_path(api_type: &str, path: Option<&String>) -> String {
    path.cloned().unwrap_or_else(|| {
        match api_type {
            "grpc" => "api.proto",
            "asyncapi" => "asyncapi.yaml",
            "graphql" => "schema.graphql",
            _ => "openapi.yaml",
        }
        .to_owned()
    })
}

/// The same entity as a plain object, for a registry without the golden-path library.
fn plain(request: &NewKind, org: &str) -> String {
    let mut out = String::from("{\n");
    let mut field = |key: &str, value: String| {
        let _ = writeln!(out, "  {key}: {value},");
    };
    match request {
        NewKind::Team {
            name,
            description: given,
            parent,
        } => {
            field("name", literal(name));
            field(
                "description",
                literal(&description(given.as_ref(), Kind::Team, name)),
            );
            field("slack", literal(&format!("#team-{name}")));
            field("members", "[]".to_owned());
            if let Some(parent) = parent {
                field("parent", literal(parent));
            }
        }
        NewKind::Project {
            name,
            provider,
            cloud_id,
            environment,
            owner,
        } => {
            field("name", literal(name));
            field("owner", literal(owner.as_deref().unwrap_or("platform")));
            field("provider", literal(provider));
            field("cloudId", literal(cloud_id));
            field("environment", literal(environment));
            let region = if provider == "aws" {
                "eu-west-1"
            } else {
                "europe-west1"
            };
            field("region", literal(region));
            field("costCentre", literal("ENG-100"));
        }
        NewKind::Cluster {
            name,
            project,
            environment,
            region,
        } => {
            field("name", literal(name));
            field("project", literal(project));
            field("environment", literal(environment));
            field("region", literal(region));
            field("kubernetesVersion", literal("1.31"));
            field(
                "argocd",
                format!(
                    "{{ server: {}, namespace: 'argocd' }}",
                    literal(&format!("https://api.{name}.k8s.{org}.example"))
                ),
            );
        }
        NewKind::Service {
            name,
            owner,
            tier,
            language,
            description: given,
            clusters,
            depends_on,
            system,
        } => {
            field("name", literal(name));
            field(
                "description",
                literal(&description(given.as_ref(), Kind::Service, name)),
            );
            field("owner", literal(owner));
            field("tier", tier.to_string());
            field("lifecycle", literal("production"));
            field(
                "repo",
                literal(&format!("https://github.com/{org}/{name}.git")),
            );
            field("language", literal(language));
            if !clusters.is_empty() {
                let deployments: Vec<String> = clusters
                    .iter()
                    .map(|cluster| {
                        format!(
                            "{{ cluster: {}, namespace: {}, replicas: 1 }}",
                            literal(cluster),
                            literal(name)
                        )
                    })
                    .collect();
                field("deployments", format!("[{}]", deployments.join(", ")));
            }
            if !depends_on.is_empty() {
                field("dependsOn", list(depends_on));
            }
            if let Some(system) = system {
                field("system", literal(system));
            }
        }
        NewKind::System {
            name,
            owner,
            description: given,
        } => {
            field("name", literal(name));
            field("owner", literal(owner));
            field(
                "description",
                literal(&description(given.as_ref(), Kind::System, name)),
            );
        }
        NewKind::Api {
            name,
            owner,
            api_type,
            repo,
            path,
            system,
            description: given,
        } => {
            field("name", literal(name));
            field(
                "description",
                literal(&description(given.as_ref(), Kind::Api, name)),
            );
            field("owner", literal(owner));
            field("type", literal(api_type));
            field("lifecycle", literal("production"));
            field(
                "definition",
                literal(&format!(
                    "https://github.com/{org}/{repo}/blob/main/{}",
                    definition_path(api_type, path.as_ref())
                )),
            );
            if let Some(system) = system {
                field("system", literal(system));
            }
        }
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::{is_name, literal};

    #[test]
    fn names_are_dns_labels() {
        for good in ["checkout", "a1", "payments-api", &"a".repeat(63)] {
            assert!(is_name(good), "{good}");
        }
        for bad in [
            "",
            "../x",
            "/abs",
            "a/b",
            "A",
            "1a",
            "a-",
            "a_b",
            "a.b",
            "é",
            ".",
            "..",
            &"a".repeat(64),
            "a\nb",
            "a b",
        ] {
            assert!(!is_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn literals_are_escaped() {
        assert_eq!(literal("it's"), "'it\\'s'");
        assert_eq!(literal("a\\b\nc\u{1b}"), "'a\\\\b\\nc\\u001b'");
    }
}
