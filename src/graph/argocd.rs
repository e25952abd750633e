//! The Argo CD checks over linked clusters and services: a topology that can work (managers
//! that run an Argo CD, remote clusters a Secret can reach), one server per cluster,
//! namespaces teams may use and own alone, and names that are unique within each Argo CD and
//! short enough for it. Each finding points at the value in the file that causes it.

use std::collections::BTreeMap;

use super::{Graph, Relation, reference_location};
use crate::diagnostic::{Code, Diagnostic, Location, Sink, list, suggest};
use crate::model::{
    Cluster, EntityId, IN_CLUSTER, IN_CLUSTER_NAME, Kind, LABEL_MAX, Packaging, RELEASE_MAX,
    Registry, SYSTEM_NAMESPACES, Topology, names,
};
use crate::source::Sources;
use crate::source::locate::Tree;

pub(super) fn check(graph: &Graph, sources: &Sources, sink: &mut Sink) {
    let registry = &graph.registry;
    let at = Locator { registry, sources };
    topology(registry, &at, sink);
    servers(registry, &at, sink);
    namespaces(registry, &at, sink);
    for (hub_id, hub) in registry.clusters() {
        if Topology::is_own(&hub_id.name, hub) {
            object_names(graph, &at, hub_id, hub, sink);
        }
    }
}

/// Finds where an entity's value is written.
struct Locator<'a> {
    registry: &'a Registry,
    sources: &'a Sources,
}

impl Locator<'_> {
    /// The value at `pointer` of entity `id`.
    fn value(&self, id: &EntityId, pointer: &str) -> Option<Location> {
        self.registry.file(id)?;
        Some(reference_location(self.registry, self.sources, id, pointer))
    }

    /// The key at `pointer` of entity `id`, else the entity.
    fn key(&self, id: &EntityId, pointer: &str) -> Option<Location> {
        let file = self.registry.file(id)?;
        let range = self
            .registry
            .json(id)
            .and_then(|json| serde_json::from_str::<serde_json::Value>(json).ok())
            .and_then(|value| {
                let text = self.sources.text(file).map_or("", |text| &**text);
                Tree::parse(text).key(&value, pointer)
            });
        Some(match range {
            Some(range) => Location::Span { file, range },
            None => Location::Entity {
                file,
                entity: id.clone(),
                pointer: pointer.to_owned(),
            },
        })
    }

    /// A cluster's name, where the cluster is declared.
    fn cluster(&self, name: &str) -> Option<Location> {
        self.value(&EntityId::new(Kind::Cluster, name), "/name")
    }
}

fn push(sink: &mut Sink, diagnostic: Diagnostic, primary: Option<Location>, label: &str) {
    sink.push(match primary {
        Some(location) => diagnostic.primary(location, label),
        None => diagnostic,
    });
}

fn cluster_id(name: &str) -> EntityId {
    EntityId::new(Kind::Cluster, name)
}

/// Every `managedBy` names a cluster that runs its own Argo CD, and every cluster managed
/// from another has what its cluster Secret needs.
fn topology(registry: &Registry, at: &Locator, sink: &mut Sink) {
    let names: Vec<&str> = registry
        .clusters()
        .map(|(id, _)| id.name.as_str())
        .chain(
            registry
                .invalid
                .keys()
                .filter(|id| id.kind == Kind::Cluster)
                .map(|id| id.name.as_str()),
        )
        .collect();
    for (id, cluster) in registry.clusters() {
        let Some(manager_name) = cluster.argocd.managed_by.as_deref() else {
            continue;
        };
        if manager_name == id.name {
            continue;
        }
        let pointer = "/argocd/managedBy";
        let Some(manager) = registry.cluster(manager_name) else {
            if registry.file(&cluster_id(manager_name)).is_none() {
                let near = suggest(manager_name, names.iter().copied());
                let diagnostic = Diagnostic::error(
                    Code::UnknownReference,
                    format!(
                        "cluster `{}` is managed by an unknown cluster `{manager_name}`",
                        id.name
                    ),
                )
                .help_opt(near.map(|near| format!("did you mean `{near}`?")));
                push(
                    sink,
                    diagnostic,
                    at.value(id, pointer),
                    &format!("no cluster is named `{manager_name}`"),
                );
            }
            continue;
        };
        if let Some(upper) = manager
            .argocd
            .managed_by
            .as_deref()
            .filter(|upper| *upper != manager_name)
        {
            let mut diagnostic = Diagnostic::error(
                Code::ArgocdTopology,
                format!(
                    "cluster `{}` is managed by `{manager_name}`, which runs no Argo CD of its \
                     own: it is managed by `{upper}`",
                    id.name
                ),
            )
            .help(format!(
                "name the cluster whose Argo CD manages `{manager_name}`: `managedBy: '{upper}'`"
            ));
            if let Some(location) = at.value(&cluster_id(manager_name), pointer) {
                diagnostic =
                    diagnostic.secondary(location, format!("`{manager_name}` is managed here"));
            }
            push(
                sink,
                diagnostic,
                at.value(id, pointer),
                "not a cluster that runs Argo CD",
            );
            continue;
        }
        remote(registry, at, id, cluster, manager_name, sink);
    }
}

/// A cluster managed from `manager`: its Secret needs an `auth` for its cloud and a CA.
fn remote(
    registry: &Registry,
    at: &Locator,
    id: &EntityId,
    cluster: &Cluster,
    manager: &str,
    sink: &mut Sink,
) {
    let what = format!(
        "cluster `{}` is managed by the Argo CD on `{manager}`",
        id.name
    );
    let provider = registry
        .project(&cluster.project)
        .map(|project| project.provider.as_str());
    let expected = match provider {
        Some("aws") => Some("eks"),
        Some("gcp") => Some("gke"),
        Some("azure") => Some("aks"),
        _ => None,
    };
    match &cluster.argocd.auth {
        None => push(
            sink,
            Diagnostic::error(Code::ArgocdTopology, format!("{what}, but has no `auth`")).help(
                format!(
                    "say how that Argo CD authenticates, with its workload identity: `auth: {{ {}: \
                     {{ ... }} }}`",
                    expected.unwrap_or("gke")
                ),
            ),
            at.key(id, "/argocd/managedBy"),
            "managed remotely, with no `auth`",
        ),
        Some(auth) => {
            let given = if auth.eks.is_some() {
                "eks"
            } else if auth.gke.is_some() {
                "gke"
            } else {
                "aks"
            };
            if let (Some(expected), Some(provider)) = (expected, provider)
                && expected != given
            {
                push(
                    sink,
                    Diagnostic::error(
                        Code::ArgocdTopology,
                        format!(
                            "{what} through `{given}`, but its project `{}` is on `{provider}`",
                            cluster.project
                        ),
                    )
                    .help(format!(
                        "a cluster on `{provider}` authenticates with `{expected}`"
                    )),
                    at.key(id, &format!("/argocd/auth/{given}")),
                    format!("not for `{provider}`").as_str(),
                );
            }
        }
    }
    match cluster.argocd.ca_data.as_deref() {
        None => push(
            sink,
            Diagnostic::error(Code::ArgocdTopology, format!("{what}, but has no `caData`"))
                .help("add the base64 of its API server's CA bundle, as the cloud's CLI prints it"),
            at.key(id, "/argocd/managedBy"),
            "managed remotely, with no `caData`",
        ),
        Some(data) => {
            if let Err(problem) = certificates(data) {
                push(
                    sink,
                    Diagnostic::error(
                        Code::ArgocdTopology,
                        format!("the `caData` of cluster `{}` {problem}", id.name),
                    )
                    .help(
                        "`caData` is the base64 of PEM `CERTIFICATE` blocks and nothing else; if \
                         it held a key, revoke the key",
                    ),
                    at.key(id, "/argocd/caData"),
                    "not a PEM bundle of certificates",
                );
            }
        }
    }
}

/// Checks that `data` is the base64 of PEM certificate blocks only.
fn certificates(data: &str) -> Result<(), String> {
    let Some(bytes) = base64(data) else {
        return Err("is not base64".to_owned());
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return Err("is not the base64 of PEM text".to_owned());
    };
    let mut certificates = 0;
    for line in text.lines() {
        if let Some(label) = line
            .trim()
            .strip_prefix("-----BEGIN ")
            .and_then(|rest| rest.strip_suffix("-----"))
        {
            if label != "CERTIFICATE" {
                return Err(format!("holds a `{}` block", crate::text::shown(label, 40)));
            }
            certificates += 1;
        }
    }
    if certificates == 0 {
        return Err("holds no PEM certificate".to_owned());
    }
    Ok(())
}

/// Standard, padded base64; `None` when `text` is not.
fn base64(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let value = |byte: u8| -> Option<u32> {
        Some(u32::from(match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    };
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for (index, chunk) in bytes.chunks(4).enumerate() {
        let last = index + 1 == bytes.len() / 4;
        let padding = chunk.iter().rev().take_while(|byte| **byte == b'=').count();
        if padding > 2 || (padding > 0 && !last) {
            return None;
        }
        let mut word = 0;
        for byte in &chunk[..4 - padding] {
            word = (word << 6) | value(*byte)?;
        }
        word <<= 6 * padding;
        out.extend_from_slice(&word.to_be_bytes()[1..4 - padding]);
    }
    Some(out)
}

/// One API server per cluster, and none managed remotely at the in-cluster address.
fn servers(registry: &Registry, at: &Locator, sink: &mut Sink) {
    let mut seen: BTreeMap<&str, &EntityId> = BTreeMap::new();
    for (id, cluster) in registry.clusters() {
        let server = cluster.argocd.server.as_str();
        let location = || at.value(id, "/argocd/server");
        if server == IN_CLUSTER {
            if let Some(manager) = cluster
                .argocd
                .managed_by
                .as_deref()
                .filter(|manager| *manager != id.name)
            {
                push(
                    sink,
                    Diagnostic::error(
                        Code::ClusterServerConflict,
                        format!(
                            "cluster `{}` is managed by the Argo CD on `{manager}`, but its \
                             server is `{IN_CLUSTER}`, the address of `{manager}` itself",
                            id.name
                        ),
                    )
                    .help("give the cluster's own API server, as the managing Argo CD reaches it"),
                    location(),
                    "the in-cluster address",
                );
            }
            continue;
        }
        match seen.get(server) {
            Some(first) => {
                let mut diagnostic = Diagnostic::error(
                    Code::ClusterServerConflict,
                    format!(
                        "clusters `{}` and `{}` have one API server `{server}`",
                        first.name, id.name
                    ),
                )
                .help("each cluster has its own API server: correct one of them");
                if let Some(earlier) = at.value(first, "/argocd/server") {
                    diagnostic =
                        diagnostic.secondary(earlier, format!("`{}`'s server", first.name));
                }
                push(
                    sink,
                    diagnostic,
                    location(),
                    "already another cluster's server",
                );
            }
            None => {
                seen.insert(server, id);
            }
        }
    }
}

/// No service in a reserved namespace, and no namespace shared by two teams on one cluster.
fn namespaces(registry: &Registry, at: &Locator, sink: &mut Sink) {
    let topology = Topology::new(registry);
    let reserved = &registry.settings.argocd.reserved_namespaces;
    // (cluster, namespace) → the first service there.
    let mut owners: BTreeMap<(&str, &str), &EntityId> = BTreeMap::new();
    // (namespace, first service, second service) → the clusters they share it on.
    let mut shared: BTreeMap<(&str, &EntityId, &EntityId), Vec<&str>> = BTreeMap::new();
    for (id, service) in registry.services() {
        // Namespace → (the clusters it is reserved on, why, the first deployment's index).
        let mut refused: BTreeMap<&str, (Vec<&str>, String, usize)> = BTreeMap::new();
        for (index, deployment) in service.deployments.iter().enumerate() {
            let namespace = deployment.namespace.as_str();
            let cluster = deployment.cluster.as_str();
            let argocd = topology.namespace(cluster);
            let why = if SYSTEM_NAMESPACES.contains(&namespace) {
                Some("one of Kubernetes' own".to_owned())
            } else if argocd == Some(namespace) {
                Some("where the Argo CD that manages the cluster keeps its objects".to_owned())
            } else if reserved.iter().any(|name| name == namespace) {
                Some("reserved by the settings' `argocd.reservedNamespaces`".to_owned())
            } else {
                None
            };
            if let Some(why) = why {
                let entry = refused
                    .entry(namespace)
                    .or_insert_with(|| (Vec::new(), why, index));
                entry.0.push(cluster);
                continue;
            }
            if registry.cluster(cluster).is_none() {
                continue;
            }
            match owners.get(&(cluster, namespace)) {
                Some(first) => {
                    let first_team = registry
                        .service(&first.name)
                        .map(|first| first.owner.as_str());
                    if first_team != Some(service.owner.as_str()) {
                        shared
                            .entry((namespace, first, id))
                            .or_default()
                            .push(cluster);
                    }
                }
                None => {
                    owners.insert((cluster, namespace), id);
                }
            }
        }
        for (namespace, (clusters, why, index)) in refused {
            push(
                sink,
                Diagnostic::error(
                    Code::ReservedNamespace,
                    format!(
                        "service `{}` deploys into namespace `{namespace}` on {}, which no team \
                         may use",
                        id.name,
                        list(&clusters)
                    ),
                )
                .note(format!("`{namespace}` is {why}"))
                .help("deploy into the service's own namespace"),
                at.value(id, &format!("/deployments/{index}/namespace")),
                "a reserved namespace",
            );
        }
    }
    for ((namespace, first, second), clusters) in shared {
        let team = |id: &EntityId| {
            registry
                .service(&id.name)
                .map_or(String::new(), |service| service.owner.clone())
        };
        let pointer = |id: &EntityId| {
            registry
                .service(&id.name)
                .and_then(|service| {
                    service
                        .deployments
                        .iter()
                        .position(|deployment| deployment.namespace == namespace)
                })
                .map_or_else(String::new, |index| {
                    format!("/deployments/{index}/namespace")
                })
        };
        let mut diagnostic = Diagnostic::error(
            Code::SharedNamespace,
            format!(
                "services `{}` of team `{}` and `{}` of team `{}` share namespace `{namespace}` \
                 on {}",
                first.name,
                team(first),
                second.name,
                team(second),
                list(&clusters)
            ),
        )
        .help("give each team its own namespaces");
        if let Some(location) = at.value(first, &pointer(first)) {
            diagnostic = diagnostic.secondary(location, format!("`{}` deploys here", first.name));
        }
        push(
            sink,
            diagnostic,
            at.value(second, &pointer(second)),
            "another team's namespace",
        );
    }
}

/// What declares a name: the entity, and where in it.
struct Source {
    id: EntityId,
    pointer: String,
    what: String,
}

/// Every (kind, name) the Argo CD on `hub` sees is declared once, and every Application name
/// fits in a label.
fn object_names(graph: &Graph, at: &Locator, hub_id: &EntityId, hub: &Cluster, sink: &mut Sink) {
    let registry = &graph.registry;
    let topology = Topology::new(registry);
    let mut objects: BTreeMap<(&str, String), Vec<Source>> = BTreeMap::new();
    let mut add = |kind: &'static str, name: String, source: Source| {
        objects.entry((kind, name)).or_default().push(source);
    };
    let of_hub = |what: String| Source {
        id: hub_id.clone(),
        pointer: "/name".to_owned(),
        what,
    };
    add(
        "Application",
        names::ROOT.to_owned(),
        of_hub(format!("the root of the Argo CD on `{}`", hub_id.name)),
    );
    add(
        "cluster",
        IN_CLUSTER_NAME.to_owned(),
        of_hub(format!(
            "Argo CD's own name for `{}` (where it runs)",
            hub_id.name
        )),
    );
    for (id, cluster) in topology.managed(&hub_id.name) {
        let of_cluster = |what: String| Source {
            id: id.clone(),
            pointer: "/name".to_owned(),
            what,
        };
        if !Topology::is_own(&id.name, cluster) {
            add(
                "cluster",
                id.name.clone(),
                of_cluster(format!("the name of cluster `{}`", id.name)),
            );
            add(
                "Secret",
                names::cluster_secret(&id.name),
                of_cluster(format!("the Secret of cluster `{}`", id.name)),
            );
        }
        let mut deployed = false;
        let mut alerting = false;
        for service_id in graph.referrers(id, Relation::Cluster) {
            let Some(service) = registry.service(&service_id.name) else {
                continue;
            };
            let Some(index) = service
                .deployments
                .iter()
                .position(|deployment| deployment.cluster == id.name)
            else {
                continue;
            };
            deployed = true;
            alerting |= !service.alerts.is_empty();
            let pointer = format!("/deployments/{index}/cluster");
            let name = names::application(&service_id.name, &id.name);
            too_long(
                sink,
                || at.value(service_id, &pointer),
                &name,
                &format!("the Application of service `{}`", service_id.name),
            );
            if service.packaging == Packaging::Helm && service_id.name.len() > RELEASE_MAX {
                push(
                    sink,
                    Diagnostic::error(
                        Code::ArgocdNameTooLong,
                        format!(
                            "the Helm release name `{}` is {} characters, over Helm's {RELEASE_MAX}",
                            service_id.name,
                            service_id.name.len()
                        ),
                    )
                    .help("a Helm service's release name is its name: shorten it"),
                    at.value(service_id, "/name"),
                    "too long for a Helm release",
                );
            }
            let source = Source {
                id: service_id.clone(),
                pointer: pointer.clone(),
                what: format!("the Application of service `{}`", service_id.name),
            };
            add("Application", name, source);
            add(
                "AppProject",
                names::project(&service.owner, &id.name),
                Source {
                    id: service_id.clone(),
                    pointer,
                    what: format!("the project of team `{}`", service.owner),
                },
            );
        }
        if deployed {
            let monitoring = alerting.then(|| {
                (
                    names::monitoring(&id.name),
                    format!("the alerting rules of cluster `{}`", id.name),
                )
            });
            for (name, what) in [
                (
                    names::cluster_root(&id.name),
                    format!("the root of cluster `{}`", id.name),
                ),
                (
                    names::namespaces(&id.name),
                    format!("the namespaces of cluster `{}`", id.name),
                ),
            ]
            .into_iter()
            .chain(monitoring)
            {
                too_long(sink, || at.cluster(&id.name), &name, &what);
                add("Application", name, of_cluster(what));
            }
        }
    }
    for ((kind, name), sources) in objects {
        let [first, .., last] = sources.as_slice() else {
            continue;
        };
        // A team's project is written once per service of the team on the cluster.
        if kind == "AppProject" && sources.iter().all(|source| source.what == first.what) {
            continue;
        }
        let mut diagnostic = Diagnostic::error(
            Code::ArgocdNameConflict,
            format!(
                "{kind} `{name}` in the Argo CD on `{}` (namespace `{}`) would be both {} and {}",
                hub_id.name, hub.argocd.namespace, first.what, last.what
            ),
        )
        .help("rename one of the two entities");
        if let Some(location) = at.value(&first.id, &first.pointer) {
            diagnostic = diagnostic.secondary(location, first.what.clone());
        }
        push(
            sink,
            diagnostic,
            at.value(&last.id, &last.pointer),
            &last.what,
        );
    }
}

/// `location` is found only when the name is too long: finding it parses the entity's file.
fn too_long(sink: &mut Sink, location: impl FnOnce() -> Option<Location>, name: &str, what: &str) {
    if name.len() <= LABEL_MAX {
        return;
    }
    push(
        sink,
        Diagnostic::error(
            Code::ArgocdNameTooLong,
            format!(
                "{what} would be named `{name}`, {} characters: over the {LABEL_MAX} of a label",
                name.len()
            ),
        )
        .note("Argo CD 2.x writes an Application's name into the `app.kubernetes.io/instance` label of every resource it deploys")
        .help("shorten the service's or the cluster's name"),
        location(),
        "makes a name too long",
    );
}

#[cfg(test)]
mod tests {
    use super::{base64, certificates};

    #[test]
    fn decodes_padded_base64() {
        assert_eq!(base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64("aGVsbA==").unwrap(), b"hell");
        assert_eq!(base64("aGVs").unwrap(), b"hel");
        assert_eq!(base64("").unwrap(), b"");
        assert!(base64("aGVsbG8").is_none());
        assert!(base64("aG=sbG8=").is_none());
        assert!(base64("aGVs====").is_none());
        assert!(base64("aGV$").is_none());
    }

    #[test]
    fn a_ca_bundle_holds_certificates_only() {
        let encode = |text: &str| {
            const ALPHABET: &[u8] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            let mut out = String::new();
            for chunk in text.as_bytes().chunks(3) {
                let word = chunk.iter().enumerate().fold(0u32, |word, (i, byte)| {
                    word | u32::from(*byte) << (16 - 8 * i)
                });
                for i in 0..4 {
                    if i <= chunk.len() {
                        out.push(char::from(ALPHABET[(word >> (18 - 6 * i) & 63) as usize]));
                    } else {
                        out.push('=');
                    }
                }
            }
            out
        };
        let certificate = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        assert_eq!(certificates(&encode(certificate)), Ok(()));
        assert_eq!(
            certificates(&encode(&format!(
                "{certificate}-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----\n"
            ))),
            Err("holds a `EC PRIVATE KEY` block".to_owned())
        );
        assert_eq!(
            certificates(&encode("just text")),
            Err("holds no PEM certificate".to_owned())
        );
        assert_eq!(certificates("@@@@"), Err("is not base64".to_owned()));
    }
}
