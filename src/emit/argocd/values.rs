//! The values contract: what a service's Application passes to its chart, overlay or
//! directory, from the registry's deployment. One set of values, in the shape a chart made by
//! `helm create` already reads (`replicaCount`, `autoscaling`, `resources`), plus `env`,
//! `ports`, `service.port` and the registry's own identity of the deployment:
//!
//! - Helm: `helm.valuesObject`, with the service's name as the release name;
//! - Kustomize: `kustomize.replicas`, and patches of the Deployment (container named like the
//!   service) and, when it autoscales, of its `HorizontalPodAutoscaler`, both named like it;
//! - a plain directory: its Jsonnet gets the values as the top-level argument `values`.

use serde::Serialize;
use serde_json::{Value, json};

use super::Place;
use super::manifest::Source;
use crate::model::{Deployment, EntityId, Packaging, Service};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Values<'a> {
    replica_count: u32,
    autoscaling: Autoscaling,
    #[serde(skip_serializing_if = "Option::is_none")]
    resources: Option<Resources<'a>>,
    env: Vec<EnvVar<'a>>,
    ports: Vec<ContainerPort<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service: Option<ServicePort>,
    registry: Identity<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Autoscaling {
    enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_replicas: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_replicas: Option<u32>,
    #[serde(
        rename = "targetCPUUtilizationPercentage",
        skip_serializing_if = "Option::is_none"
    )]
    target_cpu: Option<u32>,
}

#[derive(Serialize)]
struct Resources<'a> {
    requests: Requests<'a>,
}

#[derive(Serialize)]
struct Requests<'a> {
    cpu: &'a str,
    memory: &'a str,
}

#[derive(Serialize)]
struct EnvVar<'a> {
    name: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(clippy::struct_field_names)] // Kubernetes' own field names
struct ContainerPort<'a> {
    name: &'a str,
    container_port: u16,
    protocol: &'static str,
}

#[derive(Serialize)]
struct ServicePort {
    port: u16,
}

/// Who and where the deployment is, for labels and telemetry.
#[derive(Serialize)]
struct Identity<'a> {
    service: &'a str,
    team: &'a str,
    tier: u8,
    lifecycle: String,
    cluster: &'a str,
    environment: String,
    namespace: &'a str,
}

fn values<'a>(
    place: &'a Place,
    id: &'a EntityId,
    service: &'a Service,
    deployment: &'a Deployment,
) -> Values<'a> {
    let autoscaling = deployment.autoscaling.as_ref().map_or(
        Autoscaling {
            enabled: false,
            min_replicas: None,
            max_replicas: None,
            target_cpu: None,
        },
        |autoscaling| Autoscaling {
            enabled: true,
            min_replicas: Some(deployment.replicas),
            max_replicas: Some(autoscaling.max_replicas),
            target_cpu: autoscaling.target_cpu_percent,
        },
    );
    Values {
        replica_count: deployment.replicas,
        autoscaling,
        resources: service.requests.as_ref().map(|requests| Resources {
            requests: Requests {
                cpu: &requests.cpu,
                memory: &requests.memory,
            },
        }),
        env: service
            .env
            .iter()
            .map(|(name, value)| EnvVar { name, value })
            .collect(),
        ports: service
            .ports
            .iter()
            .map(|port| ContainerPort {
                name: &port.name,
                container_port: port.port,
                protocol: "TCP",
            })
            .collect(),
        service: service
            .ports
            .first()
            .map(|port| ServicePort { port: port.port }),
        registry: Identity {
            service: &id.name,
            team: &service.owner,
            tier: service.tier,
            lifecycle: service.lifecycle.to_string(),
            cluster: &place.id.name,
            environment: place.cluster.environment.to_string(),
            namespace: &deployment.namespace,
        },
    }
}

/// The source of a deployment's Application: its repository, path and revision, with the
/// values passed as its packaging takes them.
pub(super) fn source(
    place: &Place,
    id: &EntityId,
    service: &Service,
    deployment: &Deployment,
) -> Source {
    let values = values(place, id, service, deployment);
    let mut source = Source {
        repo_url: service.repo.clone(),
        path: deployment.path.clone(),
        target_revision: deployment.revision.clone(),
        directory: None,
        helm: None,
        kustomize: None,
    };
    match service.packaging {
        Packaging::Helm => {
            source.helm = Some(json!({
                "releaseName": id.name,
                "valuesObject": values,
            }));
        }
        Packaging::Kustomize => source.kustomize = Some(kustomize(&id.name, &values)),
        Packaging::Directory => {
            let code = serde_json::to_string(&values).expect("values serialize");
            source.directory = Some(json!({
                "jsonnet": { "tlas": [{ "name": "values", "value": code, "code": true }] },
            }));
        }
    }
    source
}

/// The values as Kustomize takes them: the replica count, and strategic-merge patches.
fn kustomize(name: &str, values: &Values) -> Value {
    let mut patches = Vec::new();
    let mut container = serde_json::Map::new();
    container.insert("name".to_owned(), json!(name));
    if !values.env.is_empty() {
        container.insert("env".to_owned(), json!(values.env));
    }
    if !values.ports.is_empty() {
        container.insert("ports".to_owned(), json!(values.ports));
    }
    if let Some(resources) = &values.resources {
        container.insert("resources".to_owned(), json!(resources));
    }
    if container.len() > 1 {
        let patch = json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": { "name": name },
            "spec": { "template": { "spec": { "containers": [container] } } },
        });
        patches.push(json!({
            "target": { "group": "apps", "version": "v1", "kind": "Deployment", "name": name },
            "patch": patch_text(&patch),
        }));
    }
    let mut kustomize = serde_json::Map::new();
    if values.autoscaling.enabled {
        let mut spec = serde_json::Map::new();
        spec.insert(
            "minReplicas".to_owned(),
            json!(values.autoscaling.min_replicas),
        );
        spec.insert(
            "maxReplicas".to_owned(),
            json!(values.autoscaling.max_replicas),
        );
        if let Some(target) = values.autoscaling.target_cpu {
            spec.insert(
                "metrics".to_owned(),
                json!([{
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": { "type": "Utilization", "averageUtilization": target },
                    },
                }]),
            );
        }
        let patch = json!({
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": { "name": name },
            "spec": spec,
        });
        patches.push(json!({
            "target": {
                "group": "autoscaling",
                "version": "v2",
                "kind": "HorizontalPodAutoscaler",
                "name": name,
            },
            "patch": patch_text(&patch),
        }));
    } else {
        kustomize.insert(
            "replicas".to_owned(),
            json!([{ "name": name, "count": values.replica_count }]),
        );
    }
    if !patches.is_empty() {
        kustomize.insert("patches".to_owned(), Value::Array(patches));
    }
    Value::Object(kustomize)
}

/// A patch as Kustomize reads it inline: YAML text.
fn patch_text(patch: &Value) -> String {
    serde_yaml_ng::to_string(patch).expect("patches serialize")
}
