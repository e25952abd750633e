//! What a team gets on a cluster: an `AppProject` with least privilege (its services'
//! repositories, its namespaces, no cluster-scoped kind, none of the platform's namespaced
//! kinds, nothing of Argo CD's own), and an Application per deployment carrying the
//! registry's values, whose removal follows the settings' policy.

use std::collections::BTreeSet;

use super::Place;
use super::manifest::{
    ARGO_API, AppProjectSpec, ApplicationSpec, Destination, Manifest, Metadata, Role, Spec,
    SyncPolicy, Wave, group_kind,
};
use crate::emit::{OutputSet, Target};
use crate::model::{EntityId, Kind, Lifecycle, names};

/// The Application of the `index`th service of `place`.
pub(super) fn application(place: &Place, index: usize, outputs: &mut OutputSet) {
    let settings = &place.graph.registry.settings;
    let (id, service, deployment) = place.services[index];
    let cluster = &place.id.name;
    let deployment_spec = &service.deployments[deployment];
    let tier = service.tier.to_string();
    let lifecycle = service.lifecycle.to_string();
    let manifest = Manifest {
        api_version: ARGO_API,
        kind: "Application",
        metadata: Metadata::new(
            names::application(&id.name, cluster),
            Some(place.namespace),
            &[
                ("cluster", cluster),
                ("lifecycle", &lifecycle),
                ("service", &id.name),
                ("team", &service.owner),
                ("tier", &tier),
            ],
        )
        .wave(Wave::Applications)
        .removal(settings.removal(service.lifecycle, service.tier))
        .finalizer(),
        body: Spec {
            spec: ApplicationSpec {
                project: names::project(&service.owner, cluster),
                source: super::values::source(place, id, service, deployment_spec),
                destination: Destination::new(place.server, &deployment_spec.namespace),
                // Deprecated services are synced by hand: nothing changes under them
                // unannounced.
                sync_policy: SyncPolicy::new(service.lifecycle != Lifecycle::Deprecated),
            },
        },
    };
    let owner = EntityId::new(Kind::Team, service.owner.clone());
    outputs.add(
        Target::ArgoApplication {
            argocd: place.argocd.to_owned(),
            cluster: cluster.clone(),
            service: id.name.clone(),
        },
        crate::emit::yaml(&manifest),
        [place.id.clone(), id.clone(), owner],
    );
}

/// The `AppProject` of `team` on `place`'s cluster; `members` index its services there.
pub(super) fn project(place: &Place, team: &str, members: &[usize], outputs: &mut OutputSet) {
    let settings = &place.graph.registry.settings;
    let cluster = &place.id.name;
    let name = names::project(team, cluster);
    let mut repos = BTreeSet::new();
    let mut destinations = BTreeSet::new();
    for &index in members {
        let (_, service, deployment) = place.services[index];
        repos.insert(service.repo.clone());
        destinations.insert(Destination::new(
            place.server,
            &service.deployments[deployment].namespace,
        ));
    }
    let manifest = Manifest {
        api_version: ARGO_API,
        kind: "AppProject",
        metadata: Metadata::new(
            name.clone(),
            Some(place.namespace),
            &[("cluster", cluster), ("team", team)],
        )
        .wave(Wave::Projects)
        .finalizer(),
        body: Spec {
            spec: AppProjectSpec {
                description: format!("Team `{team}` on cluster `{cluster}`"),
                source_repos: repos.into_iter().collect(),
                destinations: destinations.into_iter().collect(),
                cluster_resource_whitelist: Vec::new(),
                namespace_resource_whitelist: None,
                namespace_resource_blacklist: vec![
                    group_kind("", "ResourceQuota"),
                    group_kind("", "LimitRange"),
                    group_kind("networking.k8s.io", "NetworkPolicy"),
                    group_kind("argoproj.io", "*"),
                ],
                roles: vec![Role {
                    name: "team",
                    description: format!("Members of team `{team}`"),
                    groups: vec![format!("{}:{team}", settings.org)],
                    policies: ["applications, get", "applications, sync", "logs, get"]
                        .iter()
                        .map(|grant| format!("p, proj:{name}:team, {grant}, {name}/*, allow"))
                        .collect(),
                }],
            },
        },
    };
    let mut entities: Vec<EntityId> = members
        .iter()
        .map(|&index| place.services[index].0.clone())
        .collect();
    entities.push(place.id.clone());
    entities.push(EntityId::new(Kind::Team, team));
    outputs.add(
        Target::ArgoProject {
            argocd: place.argocd.to_owned(),
            cluster: cluster.clone(),
            team: team.to_owned(),
        },
        crate::emit::yaml(&manifest),
        entities,
    );
}
