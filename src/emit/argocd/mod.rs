//! Argo CD: for each Argo CD the topology declares, a bootstrap file (the roots' project and
//! the root, applied once by hand), and under the root, per cluster it manages: the cluster's
//! Secret (for a cluster it reaches remotely), the cluster's own root, in it an `AppProject`
//! per team and an Application per deployment carrying the registry's values, and an
//! Application that creates the cluster's namespaces with their quotas and one that applies
//! its services' `PrometheusRule`s, each in a platform project that permits only that. Every
//! object lives in the namespace its Argo CD watches, in a sync wave before whatever needs it.
//! Nothing here reads files; every name comes from [`crate::model::names`].

mod destruction;
mod manifest;
mod monitoring;
mod namespaces;
mod roots;
mod teams;
mod values;

pub(crate) use self::destruction::destruction;
pub(crate) use self::manifest::removal_annotation;

use std::collections::BTreeMap;

use super::OutputSet;
use crate::graph::{Graph, Relation};
use crate::model::{Cluster, EntityId, Removal, Service, Topology};

/// One cluster as its Argo CD sees it.
pub(super) struct Place<'a> {
    pub(super) graph: &'a Graph,
    pub(super) id: &'a EntityId,
    pub(super) cluster: &'a Cluster,
    /// The cluster whose Argo CD manages this one.
    pub(super) argocd: &'a str,
    /// The namespace that Argo CD watches.
    pub(super) namespace: &'a str,
    /// The server its Applications deploy to.
    pub(super) server: &'a str,
    /// Each service deploying here, with the index of its deployment here, in name order.
    pub(super) services: Vec<(&'a EntityId, &'a Service, usize)>,
}

impl Place<'_> {
    /// The strictest removal policy of the services here: what the platform's objects of the
    /// cluster get, so that none goes sooner than what it holds.
    pub(super) fn strictest(&self, services: impl Iterator<Item = usize>) -> Removal {
        let settings = &self.graph.registry.settings;
        services
            .map(|index| {
                let (_, service, _) = self.services[index];
                settings.removal(service.lifecycle, service.tier)
            })
            .max()
            .unwrap_or(Removal::Prune)
    }
}

/// Everything about one cluster, and, for a cluster that runs its own Argo CD, that Argo
/// CD's bootstrap.
pub(super) fn emit(graph: &Graph, cluster_id: &EntityId, outputs: &mut OutputSet) {
    let registry = &graph.registry;
    let Some(cluster) = registry.cluster(&cluster_id.name) else {
        return;
    };
    let argocd = Topology::manager(&cluster_id.name, cluster);
    let Some(manager) = registry.cluster(argocd) else {
        return;
    };
    let mut services = Vec::new();
    for service_id in graph.referrers(cluster_id, Relation::Cluster) {
        let Some(service) = registry.service(&service_id.name) else {
            continue;
        };
        // A second deployment to one cluster is refused when linking (`emit-conflict`).
        if let Some(index) = service
            .deployments
            .iter()
            .position(|deployment| deployment.cluster == cluster_id.name)
        {
            services.push((service_id, service, index));
        }
    }
    let place = Place {
        graph,
        id: cluster_id,
        cluster,
        argocd,
        namespace: &manager.argocd.namespace,
        server: Topology::server(&cluster_id.name, cluster),
        services,
    };
    if Topology::is_own(&cluster_id.name, cluster) {
        roots::bootstrap(&place, outputs);
    }
    roots::cluster(&place, outputs);
    if place.services.is_empty() {
        return;
    }
    let mut teams: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, (_, service, _)) in place.services.iter().enumerate() {
        teams.entry(service.owner.as_str()).or_default().push(index);
        teams::application(&place, index, outputs);
    }
    for (team, members) in teams {
        teams::project(&place, team, &members, outputs);
    }
    namespaces::emit(&place, outputs);
    monitoring::emit(&place, outputs);
}
