//! The `PrometheusRule`s of a cluster's services, applied by the platform rather than by the
//! teams' Applications (whose sources are the teams' own repositories) or by the cluster's
//! root (whose project permits only Argo CD's own kinds): per cluster, one Application in the
//! monitoring project, syncing the one directory of rules, each in its service's namespace.

use std::collections::BTreeMap;

use super::Place;
use super::manifest::{
    ARGO_API, ApplicationSpec, Destination, Manifest, Metadata, Source, Spec, SyncPolicy, Wave,
};
use crate::emit::{OutputSet, Target, monitoring_dir};
use crate::graph::Graph;
use crate::model::{EntityId, Service, names};

/// The services with alerts in each namespace of `cluster`, with the index of their
/// deployment there: the namespaces whose rules the monitoring Application applies.
pub(super) fn of<'a>(
    graph: &'a Graph,
    cluster: &EntityId,
) -> BTreeMap<&'a str, Vec<(&'a EntityId, &'a Service, usize)>> {
    let mut namespaces = super::namespaces::of(graph, cluster);
    for services in namespaces.values_mut() {
        services.retain(|(_, service, _)| !service.alerts.is_empty());
    }
    namespaces.retain(|_, services| !services.is_empty());
    namespaces
}

/// The monitoring Application of `place`, when a service with alerts runs there.
pub(super) fn emit(place: &Place, outputs: &mut OutputSet) {
    let settings = &place.graph.registry.settings;
    let cluster = &place.id.name;
    let found = of(place.graph, place.id);
    if found.is_empty() {
        return;
    }
    let mut entities = vec![place.id.clone()];
    let mut indices = Vec::new();
    for services in found.values() {
        for (id, _, _) in services {
            entities.push((*id).clone());
            indices.extend(place.services.iter().position(|(other, _, _)| other == id));
        }
    }
    let application = Manifest {
        api_version: ARGO_API,
        kind: "Application",
        metadata: Metadata::new(
            names::monitoring(cluster),
            Some(place.namespace),
            &[("cluster", cluster), ("role", "monitoring")],
        )
        .wave(Wave::Applications)
        .removal(place.strictest(indices.into_iter()))
        .finalizer(),
        body: Spec {
            spec: ApplicationSpec {
                project: names::MONITORING_PROJECT.to_owned(),
                source: Source::registry(settings, &monitoring_dir(cluster), false),
                destination: Destination {
                    server: place.server.to_owned(),
                    namespace: None,
                },
                sync_policy: SyncPolicy::new(true),
            },
        },
    };
    outputs.add(
        Target::ArgoMonitoring {
            argocd: place.argocd.to_owned(),
            cluster: cluster.clone(),
        },
        crate::emit::yaml(&application),
        entities,
    );
}
