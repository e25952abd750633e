//! The policies over linked services, each with the severity the settings give it:
//! `tier1-replicas`, `unstable-dependency` and `lifecycle-environment`. (`credential` scans
//! source text, in [`crate::scan`].)

use super::{Graph, reference_location};
use crate::diagnostic::{Code, Diagnostic, Sink, list};
use crate::model::{EntityId, Environment, Lifecycle};
use crate::source::Sources;

pub(super) fn check(graph: &Graph, sources: &Sources, sink: &mut Sink) {
    let registry = &graph.registry;
    let settings = &registry.settings;
    for (id, service) in registry.services() {
        let mut clusters: Vec<&str> = Vec::new();
        for (index, deployment) in service.deployments.iter().enumerate() {
            if clusters.contains(&deployment.cluster.as_str()) {
                sink.push(conflict(graph, sources, id, index, &deployment.cluster));
            }
            clusters.push(&deployment.cluster);
            let Some(cluster) = registry.cluster(&deployment.cluster) else {
                continue;
            };
            let pointer = format!("/deployments/{index}");
            if service.tier == 1
                && cluster.environment == Environment::Production
                && deployment.replicas < 2
                && let Some(severity) = settings.severity(Code::Tier1Replicas)
            {
                let location =
                    reference_location(registry, sources, id, &format!("{pointer}/replicas"));
                sink.push(
                    Diagnostic::new(
                        Code::Tier1Replicas,
                        severity,
                        format!(
                            "tier-1 service `{}` runs {} replica{} on production cluster `{}`",
                            id.name,
                            deployment.replicas,
                            if deployment.replicas == 1 { "" } else { "s" },
                            deployment.cluster
                        ),
                    )
                    .primary(location, "fewer than 2 replicas")
                    .help("run at least 2 replicas in production, or lower the service's tier"),
                );
            }
            if !settings.allows(service.lifecycle, cluster.environment)
                && let Some(severity) = settings.severity(Code::LifecycleEnvironment)
            {
                let allowed: Vec<Environment> = settings.allowed(service.lifecycle);
                sink.push(
                    Diagnostic::new(
                        Code::LifecycleEnvironment,
                        severity,
                        format!(
                            "{} service `{}` deploys to {} cluster `{}`",
                            service.lifecycle, id.name, cluster.environment, deployment.cluster
                        ),
                    )
                    .primary(
                        reference_location(registry, sources, id, &format!("{pointer}/cluster")),
                        format!("a {} cluster", cluster.environment),
                    )
                    .note(format!(
                        "{} services may deploy to {}",
                        service.lifecycle,
                        if allowed.is_empty() {
                            "no environment".to_owned()
                        } else {
                            list(&allowed)
                        }
                    ))
                    .help("deploy elsewhere, or change the service's lifecycle"),
                );
            }
        }
        if service.lifecycle == Lifecycle::Production {
            for (index, dependency) in service.depends_on.iter().enumerate() {
                let Some(target) = registry.service(dependency) else {
                    continue;
                };
                if target.lifecycle == Lifecycle::Production {
                    continue;
                }
                if let Some(severity) = settings.severity(Code::UnstableDependency) {
                    sink.push(
                        Diagnostic::new(
                            Code::UnstableDependency,
                            severity,
                            format!(
                                "production service `{}` depends on {} service `{dependency}`",
                                id.name, target.lifecycle
                            ),
                        )
                        .primary(
                            reference_location(
                                registry,
                                sources,
                                id,
                                &format!("/dependsOn/{index}"),
                            ),
                            format!("`{dependency}` is {}", target.lifecycle),
                        )
                        .help(format!(
                            "move `{dependency}` to production, or stop depending on it"
                        )),
                    );
                }
            }
        }
    }
}

/// A second deployment of one service to one cluster: both would be the same Application.
fn conflict(
    graph: &Graph,
    sources: &Sources,
    id: &EntityId,
    index: usize,
    cluster: &str,
) -> Diagnostic {
    let location = reference_location(
        &graph.registry,
        sources,
        id,
        &format!("/deployments/{index}/cluster"),
    );
    Diagnostic::error(
        Code::EmitConflict,
        format!(
            "service `{}` deploys to cluster `{cluster}` more than once",
            id.name
        ),
    )
    .primary(location, "a second deployment to the same cluster")
    .help("a service has one Application per cluster: merge the deployments")
}
