//! The namespaces a cluster's services deploy into, created by the platform rather than by
//! the teams' Applications (whose projects may create no cluster-scoped object): per cluster,
//! one Application in the namespaces project, syncing one file of `Namespace`s, labelled with
//! their team, each with a `ResourceQuota` of what the registry says runs there.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Place;
use super::manifest::{
    ARGO_API, ApplicationSpec, Destination, Manifest, Metadata, Source, Spec, SyncPolicy, Wave,
    stream,
};
use crate::emit::{OutputSet, Target};
use crate::graph::{Graph, Relation};
use crate::model::{EntityId, Service, names};

/// The services of each namespace on `cluster`, with the index of their deployment there.
pub(super) fn of<'a>(
    graph: &'a Graph,
    cluster: &EntityId,
) -> BTreeMap<&'a str, Vec<(&'a EntityId, &'a Service, usize)>> {
    let mut namespaces: BTreeMap<&str, Vec<_>> = BTreeMap::new();
    for id in graph.referrers(cluster, Relation::Cluster) {
        let Some(service) = graph.registry.service(&id.name) else {
            continue;
        };
        if let Some(index) = service
            .deployments
            .iter()
            .position(|deployment| deployment.cluster == cluster.name)
        {
            namespaces
                .entry(service.deployments[index].namespace.as_str())
                .or_default()
                .push((id, service, index));
        }
    }
    namespaces
}

#[derive(Serialize)]
struct QuotaSpec {
    hard: BTreeMap<&'static str, String>,
}

/// The Application of `place`'s namespaces, and the file it syncs.
pub(super) fn emit(place: &Place, outputs: &mut OutputSet) {
    let settings = &place.graph.registry.settings;
    let cluster = &place.id.name;
    let mut documents = Vec::new();
    let mut entities = vec![place.id.clone()];
    for (namespace, services) in of(place.graph, place.id) {
        let indices = services
            .iter()
            .filter_map(|(id, _, _)| place.services.iter().position(|(other, _, _)| other == id));
        let removal = place.strictest(indices);
        let team = services
            .first()
            .map_or("", |(_, service, _)| &service.owner);
        let labels = [("cluster", cluster.as_str()), ("team", team)];
        let object = Manifest {
            api_version: "v1",
            kind: "Namespace",
            metadata: Metadata::new(namespace.to_owned(), None, &labels).removal(removal),
            body: Empty {},
        };
        documents.push(crate::emit::yaml(&object));
        if let Some(hard) = quota(&services) {
            let object = Manifest {
                api_version: "v1",
                kind: "ResourceQuota",
                metadata: Metadata::new(names::QUOTA.to_owned(), Some(namespace), &labels)
                    .removal(removal),
                body: Spec {
                    spec: QuotaSpec { hard },
                },
            };
            documents.push(crate::emit::yaml(&object));
        }
        entities.extend(services.iter().map(|(id, _, _)| (*id).clone()));
    }
    if documents.is_empty() {
        return;
    }
    outputs.add(
        Target::Namespaces {
            cluster: cluster.clone(),
        },
        stream(&documents),
        entities.iter().cloned(),
    );
    let application = Manifest {
        api_version: ARGO_API,
        kind: "Application",
        metadata: Metadata::new(
            names::namespaces(cluster),
            Some(place.namespace),
            &[("cluster", cluster), ("role", "namespaces")],
        )
        .wave(Wave::Namespaces)
        .removal(place.strictest(0..place.services.len()))
        .finalizer(),
        body: Spec {
            spec: ApplicationSpec {
                project: names::NAMESPACES_PROJECT.to_owned(),
                source: Source::registry(settings, &format!("kubernetes/{cluster}"), false),
                destination: Destination {
                    server: place.server.to_owned(),
                    namespace: None,
                },
                sync_policy: SyncPolicy::new(true),
            },
        },
    };
    outputs.add(
        Target::ArgoNamespaces {
            argocd: place.argocd.to_owned(),
            cluster: cluster.clone(),
        },
        crate::emit::yaml(&application),
        entities,
    );
}

#[derive(Serialize)]
struct Empty {}

/// The requests of everything the registry runs in a namespace: each service's per-replica
/// requests times its most replicas, plus a quarter (rounded up) for a rolling update's
/// surge. `None` when a service there declares no requests (a quota would refuse its pods),
/// or the sum does not fit.
fn quota(services: &[(&EntityId, &Service, usize)]) -> Option<BTreeMap<&'static str, String>> {
    let mut cpu: u128 = 0;
    let mut memory: u128 = 0;
    for (_, service, index) in services {
        let requests = service.requests.as_ref()?;
        let deployment = &service.deployments[*index];
        let most = deployment
            .autoscaling
            .as_ref()
            .map_or(deployment.replicas, |autoscaling| {
                autoscaling.max_replicas.max(deployment.replicas)
            });
        let pods = u128::from(most) + u128::from(most).div_ceil(4);
        cpu = cpu.checked_add(millicores(&requests.cpu)?.checked_mul(pods)?)?;
        memory = memory.checked_add(mebibytes(&requests.memory)?.checked_mul(pods)?)?;
    }
    Some(BTreeMap::from([
        ("requests.cpu", format!("{cpu}m")),
        ("requests.memory", format!("{memory}Mi")),
    ]))
}

/// `500m`, `2` or `0.25` CPUs in thousandths, rounded up.
fn millicores(quantity: &str) -> Option<u128> {
    if let Some(milli) = quantity.strip_suffix('m') {
        return milli.parse().ok();
    }
    let (whole, fraction) = quantity.split_once('.').unwrap_or((quantity, ""));
    let whole: u128 = whole.parse().ok()?;
    let mut thousandths: u128 = 0;
    let mut rest = false;
    for (place, digit) in fraction.chars().enumerate() {
        let digit = u128::from(digit.to_digit(10)?);
        match place {
            0 => thousandths += digit * 100,
            1 => thousandths += digit * 10,
            2 => thousandths += digit,
            _ => rest |= digit > 0,
        }
    }
    whole
        .checked_mul(1000)?
        .checked_add(thousandths + u128::from(rest))
}

/// `512Mi` or `2Gi` in mebibytes.
fn mebibytes(quantity: &str) -> Option<u128> {
    if let Some(mebi) = quantity.strip_suffix("Mi") {
        return mebi.parse().ok();
    }
    quantity
        .strip_suffix("Gi")?
        .parse::<u128>()
        .ok()?
        .checked_mul(1024)
}

#[cfg(test)]
mod tests {
    use super::{mebibytes, millicores};

    #[test]
    fn quantities() {
        assert_eq!(millicores("500m"), Some(500));
        assert_eq!(millicores("2"), Some(2000));
        assert_eq!(millicores("0.25"), Some(250));
        assert_eq!(millicores("1.0005"), Some(1001));
        assert_eq!(millicores("x"), None);
        assert_eq!(millicores(&"9".repeat(60)), None);
        assert_eq!(mebibytes("512Mi"), Some(512));
        assert_eq!(mebibytes("2Gi"), Some(2048));
        assert_eq!(mebibytes("2G"), None);
    }
}
