//! prometheus-operator's `PrometheusRule`s: per cluster, one object per service with alerts
//! that runs there, in the service's namespace, holding one rule group with every alert of the
//! registry (its `for`, severity and summary) and labels naming the service, its team, its
//! tier, the cluster and its environment, which is what Alertmanager routes on; removed as the
//! service's removal policy says. Only fields Prometheus 2.42 reads: no group `labels`, no
//! `query_offset`. The cluster's monitoring Application applies them (see [`super::argocd`]).

use std::collections::BTreeMap;

use serde::Serialize;

use super::{OutputSet, Target};
use crate::graph::{Graph, Relation};
use crate::model::{Cluster, EntityId, Kind, Service, Settings};

const API_VERSION: &str = "monitoring.coreos.com/v1";
const LABEL_PREFIX: &str = "registry.dev";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PrometheusRule<'a> {
    api_version: &'a str,
    kind: &'a str,
    metadata: Metadata<'a>,
    spec: Spec<'a>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    name: &'a str,
    namespace: &'a str,
    labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    annotations: BTreeMap<&'static str, &'static str>,
}

#[derive(Serialize)]
struct Spec<'a> {
    groups: Vec<Group<'a>>,
}

#[derive(Serialize)]
struct Group<'a> {
    name: &'a str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
struct Rule<'a> {
    alert: &'a str,
    expr: &'a str,
    #[serde(rename = "for", skip_serializing_if = "Option::is_none")]
    for_duration: Option<&'a str>,
    labels: BTreeMap<&'static str, String>,
    annotations: BTreeMap<&'static str, &'a str>,
}

/// The `PrometheusRule`s of every service with alerts on `cluster_id`.
pub(super) fn emit(graph: &Graph, cluster_id: &EntityId, outputs: &mut OutputSet) {
    let Some(cluster) = graph.registry.cluster(&cluster_id.name) else {
        return;
    };
    for service_id in graph.referrers(cluster_id, Relation::Cluster) {
        let Some(service) = graph.registry.service(&service_id.name) else {
            continue;
        };
        // A second deployment to one cluster is refused when linking (`emit-conflict`).
        let Some(deployment) = service
            .deployments
            .iter()
            .find(|deployment| deployment.cluster == cluster_id.name)
        else {
            continue;
        };
        if service.alerts.is_empty() {
            continue;
        }
        let bytes = super::yaml(&rule(
            &graph.registry.settings,
            cluster_id,
            cluster,
            service_id,
            service,
            &deployment.namespace,
        ));
        outputs.add(
            Target::PrometheusRule {
                cluster: cluster_id.name.clone(),
                service: service_id.name.clone(),
            },
            bytes,
            [
                cluster_id.clone(),
                service_id.clone(),
                EntityId::new(Kind::Team, service.owner.clone()),
            ],
        );
    }
}

fn rule<'a>(
    settings: &Settings,
    cluster_id: &'a EntityId,
    cluster: &'a Cluster,
    id: &'a EntityId,
    service: &'a Service,
    namespace: &'a str,
) -> PrometheusRule<'a> {
    let tier = service.tier.to_string();
    let environment = cluster.environment.to_string();
    let rules = service
        .alerts
        .iter()
        .map(|alert| Rule {
            alert: &alert.name,
            expr: &alert.expr,
            for_duration: alert.for_duration.as_deref(),
            labels: BTreeMap::from([
                ("cluster", cluster_id.name.clone()),
                ("environment", environment.clone()),
                ("service", id.name.clone()),
                ("severity", alert.severity.clone()),
                ("team", service.owner.clone()),
                ("tier", tier.clone()),
            ]),
            annotations: BTreeMap::from([("summary", alert.summary.as_str())]),
        })
        .collect();
    let labels = [
        ("cluster", cluster_id.name.as_str()),
        ("service", id.name.as_str()),
        ("team", service.owner.as_str()),
        ("tier", tier.as_str()),
    ]
    .into_iter()
    .map(|(key, value)| (format!("{LABEL_PREFIX}/{key}"), value.to_owned()))
    .collect();
    let removal = settings.removal(service.lifecycle, service.tier);
    PrometheusRule {
        api_version: API_VERSION,
        kind: "PrometheusRule",
        metadata: Metadata {
            name: &id.name,
            namespace,
            labels,
            annotations: super::argocd::removal_annotation(removal)
                .into_iter()
                .collect(),
        },
        spec: Spec {
            groups: vec![Group {
                name: &id.name,
                rules,
            }],
        },
    }
}
