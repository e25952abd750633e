//! Argo CD's admission and sync rules, restated from its source as Rust, one function per Go
//! function, each citing where it is (argoproj/argo-cd at the latest patch tag of each
//! minor; gitops-engine as pinned by it, vendored in argo-cd from v3.3). Where the rule
//! differs between versions, [`Version`] selects it. Only the pattern syntax that the
//! generated manifests can hold is restated (literals, `*`, `**`, `?`, a leading `!`); any
//! other glob syntax panics rather than being answered wrongly.

use serde_json::Value;

/// An Argo CD minor release, at its latest patch (v2.13.9, v2.14.21, v3.0.23, v3.1.16,
/// v3.2.12, v3.3.14, v3.4.7, v3.5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Version {
    V2_13,
    V2_14,
    V3_0,
    V3_1,
    V3_2,
    V3_3,
    V3_4,
    V3_5,
}

impl Version {
    /// Every release the test data holds schemas for.
    pub(crate) const ALL: [Self; 8] = [
        Self::V2_13,
        Self::V2_14,
        Self::V3_0,
        Self::V3_1,
        Self::V3_2,
        Self::V3_3,
        Self::V3_4,
        Self::V3_5,
    ];

    /// The releases the README says the generated manifests support.
    pub(crate) const SUPPORTED: [Self; 7] = [
        Self::V2_14,
        Self::V3_0,
        Self::V3_1,
        Self::V3_2,
        Self::V3_3,
        Self::V3_4,
        Self::V3_5,
    ];

    /// Its directory under `tests/data/argocd/`.
    pub(crate) fn dir(self) -> &'static str {
        match self {
            Self::V2_13 => "v2.13",
            Self::V2_14 => "v2.14",
            Self::V3_0 => "v3.0",
            Self::V3_1 => "v3.1",
            Self::V3_2 => "v3.2",
            Self::V3_3 => "v3.3",
            Self::V3_4 => "v3.4",
            Self::V3_5 => "v3.5",
        }
    }
}

/// `application_defaults.go` — `KubernetesInternalAPIServerAddr`, `KubernetesInClusterName`.
pub(crate) const IN_CLUSTER: &str = "https://kubernetes.default.svc";
pub(crate) const IN_CLUSTER_NAME: &str = "in-cluster";

/// A string field of a JSON value, `""` when absent (Go's zero value).
pub(crate) fn text<'a>(value: &'a Value, path: &[&str]) -> &'a str {
    let mut value = value;
    for key in path {
        match value.get(*key) {
            Some(next) => value = next,
            None => return "",
        }
    }
    value.as_str().unwrap_or_default()
}

/// `util/glob/glob.go` — `Match`, which compiles the pattern with gobwas/glob: `*` matches
/// any run of characters that are not separators, `**` any run at all, `?` one
/// non-separator character; an empty pattern matches only the empty string.
pub(crate) fn glob(pattern: &str, text: &str, separators: &[char]) -> bool {
    // A pattern matches itself: each literal, `*` and `?` matches its own character.
    if pattern == text {
        return true;
    }
    let bytes = pattern.as_bytes();
    assert!(
        ![b'{', b'}', b'[', b']', b'\\']
            .iter()
            .any(|special| bytes.contains(special)),
        "glob syntax not restated: {pattern}"
    );
    if !bytes.contains(&b'*') && !bytes.contains(&b'?') {
        return false;
    }
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    matches(&pattern, &text, separators)
}

/// `glob` over characters.
fn matches(pattern: &[char], text: &[char], separators: &[char]) -> bool {
    match pattern {
        [] => text.is_empty(),
        ['*', '*', rest @ ..] => {
            (0..=text.len()).any(|skip| matches(rest, &text[skip..], separators))
        }
        ['*', rest @ ..] => {
            let mut skip = 0;
            loop {
                if matches(rest, &text[skip..], separators) {
                    return true;
                }
                if skip == text.len() || separators.contains(&text[skip]) {
                    return false;
                }
                skip += 1;
            }
        }
        ['?', rest @ ..] => text.split_first().is_some_and(|(first, tail)| {
            !separators.contains(first) && matches(rest, tail, separators)
        }),
        [literal, rest @ ..] => text
            .split_first()
            .is_some_and(|(first, tail)| first == literal && matches(rest, tail, separators)),
    }
}

/// `pkg/apis/application/v1alpha1/app_project_types.go` — `globMatch` (identical v2.13.9 …
/// v3.5.1).
pub(crate) fn glob_match(
    pattern: &str,
    value: &str,
    allow_negation: bool,
    separators: &[char],
) -> bool {
    if allow_negation && let Some(denied) = pattern.strip_prefix('!') {
        return !glob(denied, value, separators);
    }
    if pattern == "*" {
        return true;
    }
    glob(pattern, value, separators)
}

/// `util/git/git.go` — `NormalizeGitURL` (identical v2.13.9 and v3.3.14): lower case,
/// trimmed, `.git` dropped; an scp-like SSH URL becomes `ssh://` form first, and the
/// `ssh://` prefix is dropped again after `url.Parse(...).String()`, which leaves the plain
/// HTTPS URLs the registry holds as they are.
pub(crate) fn normalize_git_url(url: &str) -> String {
    let mut url = url.trim().to_lowercase();
    let ssh = !url.starts_with("ssh://")
        && url.split_once('@').is_some_and(|(user, rest)| {
            !user.contains('/') && !user.contains(':') && !rest.contains('@')
        });
    if ssh {
        url = format!("ssh://{}", url.replacen(':', "/", 1));
    }
    let url = url.strip_suffix(".git").unwrap_or(&url).to_owned();
    url.strip_prefix("ssh://")
        .map_or(url.clone(), ToOwned::to_owned)
}

/// `app_project_types.go` — `(AppProject).IsSourcePermitted` (identical v2.13.9 … v3.5.1):
/// any allow pattern that matches permits, a deny pattern that matches refuses at once, and
/// a deny pattern that does not match counts as a match.
pub(crate) fn is_source_permitted(project: &Value, repo: &str) -> bool {
    let source = normalize_git_url(repo);
    let mut any = false;
    for pattern in array(project, &["spec", "sourceRepos"]) {
        let pattern = pattern.as_str().unwrap_or_default();
        let normalized = match pattern.strip_prefix('!') {
            Some(denied) => format!("!{}", normalize_git_url(denied)),
            None => normalize_git_url(pattern),
        };
        let matched = glob_match(&normalized, &source, true, &['/']);
        if matched {
            any = true;
        } else if normalized.starts_with('!') {
            return false;
        }
    }
    any
}

/// `util/argo/argo.go` — `validateSourcePermissions` (v2.14.21 l.538, v3.3.14 l.562): a
/// single source needs `repoURL` and `path` or `chart`.
pub(crate) fn validate_source_permissions(source: &Value) -> Result<(), String> {
    if text(source, &["repoURL"]).is_empty()
        || (text(source, &["path"]).is_empty() && text(source, &["chart"]).is_empty())
    {
        return Err("spec.source.repoURL and source.path or source.chart are required".to_owned());
    }
    if !text(source, &["chart"]).is_empty() && text(source, &["targetRevision"]).is_empty() {
        return Err("spec.source.targetRevision is required when using chart".to_owned());
    }
    Ok(())
}

fn array<'a>(value: &'a Value, path: &[&str]) -> &'a [Value] {
    let mut value = value;
    for key in path {
        match value.get(*key) {
            Some(next) => value = next,
            None => return &[],
        }
    }
    value.as_array().map_or(&[], Vec::as_slice)
}

/// A cluster as Argo CD resolved it: `(Cluster).Server` and `.Name`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Cluster {
    pub(crate) server: String,
    pub(crate) name: String,
}

/// `app_project_types.go` — `isDestinationMatched`: v2.13.9 (l.484) accumulates deny
/// matches; v2.14.21 (l.484) … v3.5.1 return at the first deny that applies.
fn is_destination_matched(
    version: Version,
    project: &Value,
    server: &str,
    name: &str,
    namespace: &str,
) -> bool {
    let mut any = false;
    let mut no_deny = true;
    for item in array(project, &["spec", "destinations"]) {
        let (item_server, item_name, item_namespace) = (
            text(item, &["server"]),
            text(item, &["name"]),
            text(item, &["namespace"]),
        );
        let name_matched = !name.is_empty() && glob_match(item_name, name, true, &[]);
        let server_matched = !server.is_empty() && glob_match(item_server, server, true, &[]);
        let deny = |pattern: &str| pattern.starts_with('!');
        // Go computes this first; it is pure, so it is computed only where a branch reads it.
        let needed = server_matched || name_matched || deny(item_namespace) || deny(item_server);
        let namespace_matched = needed && glob_match(item_namespace, namespace, true, &[]);
        if (server_matched || name_matched) && namespace_matched {
            any = true;
        } else if version == Version::V2_13 {
            if (!name_matched && deny(item_name))
                || (!server_matched && deny(item_server))
                || (!namespace_matched && deny(item_namespace))
            {
                no_deny = false;
            }
        } else if (!name_matched && deny(item_name))
            || ((!server_matched && deny(item_server)) && namespace_matched)
            || (!namespace_matched && deny(item_namespace) && server_matched)
        {
            return false;
        }
    }
    any && no_deny
}

/// `app_project_types.go` — `(AppProject).IsDestinationPermitted`: on v2.13/v2.14 over the
/// Application's own destination (its server, and the name `ValidateDestination` inferred);
/// from v3.0 over the resolved cluster (`IsDestinationPermitted(destCluster, …)`, v3.3.14
/// l.483). `permitOnlyProjectScopedClusters` is never set by the registry and is not
/// restated.
pub(crate) fn is_destination_permitted(
    version: Version,
    project: &Value,
    cluster: &Cluster,
    namespace: &str,
) -> bool {
    assert!(
        project["spec"]["permitOnlyProjectScopedClusters"].is_null(),
        "permitOnlyProjectScopedClusters is not restated"
    );
    is_destination_matched(version, project, &cluster.server, &cluster.name, namespace)
}

/// Go's `path/filepath.Match` on Linux, for the literals and `*` that project lists hold: `*`
/// matches any run of characters but `/`.
fn filepath_match(pattern: &str, name: &str) -> bool {
    glob(pattern, name, &['/'])
}

/// `pkg/apis/application/v1alpha1/types.go` — `isResourceInList` and, from v3.3,
/// `isNamedResourceInList` (v3.3.14 l.3586, l.3599): kind and group by `filepath.Match`, and
/// a `name` (3.3+, cluster lists only) by `filepath.Match` too, an empty name matching any.
fn is_resource_in_list(list: &[Value], group: &str, kind: &str, name: Option<&str>) -> bool {
    list.iter().any(|item| {
        filepath_match(text(item, &["kind"]), kind)
            && filepath_match(text(item, &["group"]), group)
            && name.is_none_or(|name| {
                let pattern = text(item, &["name"]);
                pattern.is_empty() || filepath_match(pattern, name)
            })
    })
}

/// `app_project_types.go` — `IsGroupKindPermitted` (v2.13.9 l.381 … v3.2.12) and
/// `IsGroupKindNamePermitted` (v3.3.14 l.400). A namespaced whitelist that is absent allows
/// every kind, one that is present and empty allows none; an absent or empty cluster
/// whitelist allows no cluster-scoped kind.
pub(crate) fn is_group_kind_permitted(
    version: Version,
    project: &Value,
    group: &str,
    kind: &str,
    name: &str,
    namespaced: bool,
) -> bool {
    let spec = &project["spec"];
    let list = |key: &str| spec.get(key).and_then(Value::as_array);
    if namespaced {
        let white = match list("namespaceResourceWhitelist") {
            None => true,
            Some(items) => !items.is_empty() && is_resource_in_list(items, group, kind, None),
        };
        let black = list("namespaceResourceBlacklist").is_some_and(|items| {
            !items.is_empty() && is_resource_in_list(items, group, kind, None)
        });
        return white && !black;
    }
    let named = (version >= Version::V3_3).then_some(name);
    let white = list("clusterResourceWhitelist")
        .is_some_and(|items| !items.is_empty() && is_resource_in_list(items, group, kind, named));
    let black = list("clusterResourceBlacklist")
        .is_some_and(|items| !items.is_empty() && is_resource_in_list(items, group, kind, named));
    white && !black
}

/// The clusters one Argo CD knows: its cluster Secrets, read by `SecretToCluster`.
#[derive(Default)]
pub(crate) struct Clusters {
    pub(crate) secrets: Vec<Cluster>,
}

/// `util/db/cluster.go` — `SecretToCluster` (same keys v2.13.9 … v3.5.1): `server` with any
/// trailing `/` trimmed, `name` as it is, `config` decoded as JSON (an error otherwise).
pub(crate) fn secret_to_cluster(secret: &Value) -> Result<Cluster, String> {
    let data = &secret["stringData"];
    let config = text(data, &["config"]);
    if !config.is_empty() {
        serde_json::from_str::<Value>(config)
            .map_err(|error| format!("failed to unmarshal cluster config: {error}"))?;
    }
    Ok(Cluster {
        server: text(data, &["server"]).trim_end_matches('/').to_owned(),
        name: text(data, &["name"]).to_owned(),
    })
}

impl Clusters {
    /// `util/db/cluster.go` — `(db).GetCluster`. v2.13/v2.14 (l.216 @v2.14.21) and
    /// v3.0–v3.2 (l.229 @v3.0.23): the Secrets indexed by their trimmed server, looked up
    /// with the query as it is; else the in-cluster address is the local cluster; else not
    /// found. v3.3+ (l.237 @v3.3.14): the in-cluster address is a Secret for it or the local
    /// cluster; any other is `GetClusterByURL`, which trims the query too.
    /// (`cluster.inClusterEnabled` is left at its default, true.)
    pub(crate) fn get_cluster(&self, version: Version, server: &str) -> Result<Cluster, String> {
        let query = if version >= Version::V3_3 && server != IN_CLUSTER {
            server.trim_end_matches('/')
        } else {
            server
        };
        let found: Vec<&Cluster> = self
            .secrets
            .iter()
            .filter(|cluster| cluster.server == query)
            .collect();
        assert!(
            found.len() <= 1,
            "two cluster Secrets for {server}: Argo CD would take either"
        );
        if let Some(cluster) = found.first() {
            return Ok((*cluster).clone());
        }
        if server == IN_CLUSTER {
            return Ok(Cluster {
                server: IN_CLUSTER.to_owned(),
                name: IN_CLUSTER_NAME.to_owned(),
            });
        }
        Err(format!("cluster {server:?} not found"))
    }

    /// The cluster an Application's destination resolves to, and what its project's
    /// destinations are matched against. v2.13/v2.14: `util/argo/argo.go` —
    /// `ValidateDestination` (l.506 @v2.14.21) infers the name with
    /// `getDestinationServerName` (l.1020: `GetCluster`, and a cluster without a name is
    /// "no clusters with this URL"), then `ValidatePermissions` (l.592) checks the project on
    /// the Application's own server and the inferred name, and `GetCluster` again. v3.0+:
    /// `GetDestinationCluster` (l.988 @v3.0.23; l.1084 @v3.3.14, through
    /// `GetDestinationServer`, which trims a trailing `/` from v3.3.7).
    pub(crate) fn destination(
        &self,
        version: Version,
        destination: &Value,
    ) -> Result<Cluster, String> {
        let server = text(destination, &["server"]);
        let name = text(destination, &["name"]);
        if !server.is_empty() && !name.is_empty() {
            return Err(format!(
                "application destination can't have both name and server defined: {name} {server}"
            ));
        }
        assert!(name.is_empty(), "destinations by name are not restated");
        if server.is_empty() {
            return Err("Destination server missing from app spec".to_owned());
        }
        if version <= Version::V2_14 {
            let cluster = self
                .get_cluster(version, server)
                .map_err(|error| format!("unable to find destination server: {error}"))?;
            if cluster.name.is_empty() {
                return Err(format!("there are no clusters with this URL: {server}"));
            }
            return Ok(Cluster {
                server: server.to_owned(),
                name: cluster.name,
            });
        }
        let server = if version >= Version::V3_3 {
            server.trim_end_matches('/')
        } else {
            server
        };
        self.get_cluster(version, server)
            .map_err(|error| format!("error getting cluster by server {server:?}: {error}"))
    }
}

/// `controller/sync.go` — `validateSyncPermissions` (v3.3.14 l.660; the closure passed to
/// `sync.WithPermissionValidator` in `SyncAppState` from v2.13.9 to v3.2.12): the object's
/// group and kind must be permitted, and a namespaced object's namespace must be a permitted
/// destination.
pub(crate) fn validate_sync_permissions(
    version: Version,
    project: &Value,
    cluster: &Cluster,
    object: &Value,
    namespaced: bool,
) -> Result<(), String> {
    let (group, kind) = group_kind(object);
    let name = text(object, &["metadata", "name"]);
    if !is_group_kind_permitted(version, project, group, kind, name, namespaced) {
        return Err(format!(
            "resource {group}:{kind} is not permitted in project {}",
            text(project, &["metadata", "name"])
        ));
    }
    let namespace = text(object, &["metadata", "namespace"]);
    if namespaced && !is_destination_permitted(version, project, cluster, namespace) {
        return Err(format!(
            "namespace {namespace} is not permitted in project '{}'",
            text(project, &["metadata", "name"])
        ));
    }
    Ok(())
}

/// An object's API group (`""` for the core group) and kind.
pub(crate) fn group_kind(object: &Value) -> (&str, &str) {
    let api_version = text(object, &["apiVersion"]);
    let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
    (group, text(object, &["kind"]))
}

/// gitops-engine `pkg/sync/syncwaves/waves.go` — `Wave`: the `argocd.argoproj.io/sync-wave`
/// annotation, else `helm.sh/hook-weight`, parsed with `strconv.Atoi`; 0 when absent or
/// unparsable.
pub(crate) fn wave(object: &Value) -> i64 {
    let annotations = &object["metadata"]["annotations"];
    ["argocd.argoproj.io/sync-wave", "helm.sh/hook-weight"]
        .iter()
        .find_map(|key| {
            let text = annotations.get(*key)?.as_str()?;
            let digits = text.strip_prefix('+').unwrap_or(text);
            let negative = digits.strip_prefix('-');
            let valid =
                |digits: &str| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
            match negative {
                Some(rest) if valid(rest) && !text.starts_with('+') => digits.parse().ok(),
                None if valid(digits) => digits.parse().ok(),
                _ => None,
            }
        })
        .unwrap_or(0)
}

/// gitops-engine `pkg/sync/sync_tasks.go` — `kindOrder` (Helm's install order): a listed kind
/// sorts by its place, before every kind not listed (0).
pub(crate) fn kind_order(kind: &str) -> i64 {
    const KINDS: [&str; 35] = [
        "Namespace",
        "NetworkPolicy",
        "ResourceQuota",
        "LimitRange",
        "PodSecurityPolicy",
        "PodDisruptionBudget",
        "ServiceAccount",
        "Secret",
        "SecretList",
        "ConfigMap",
        "StorageClass",
        "PersistentVolume",
        "PersistentVolumeClaim",
        "CustomResourceDefinition",
        "ClusterRole",
        "ClusterRoleList",
        "ClusterRoleBinding",
        "ClusterRoleBindingList",
        "Role",
        "RoleList",
        "RoleBinding",
        "RoleBindingList",
        "Service",
        "DaemonSet",
        "Pod",
        "ReplicationController",
        "ReplicaSet",
        "Deployment",
        "HorizontalPodAutoscaler",
        "StatefulSet",
        "Job",
        "CronJob",
        "IngressClass",
        "Ingress",
        "APIService",
    ];
    KINDS
        .iter()
        .position(|listed| *listed == kind)
        .map_or(0, |index| {
            i64::try_from(index).unwrap() - i64::try_from(KINDS.len()).unwrap()
        })
}

/// One task of a sync: an object, in a phase (`PreSync` -1, `Sync` 0).
#[derive(Clone, Debug)]
pub(crate) struct Task {
    pub(crate) phase: i64,
    pub(crate) object: Value,
}

impl Task {
    fn key(&self) -> (i64, i64, i64, String) {
        (
            self.phase,
            wave(&self.object),
            kind_order(text(&self.object, &["kind"])),
            text(&self.object, &["metadata", "name"]).to_owned(),
        )
    }
}

/// gitops-engine `pkg/sync/sync_tasks.go` — `(syncTasks).Less` and `Sort` (the same at every
/// pinned commit and vendored copy): by phase, wave, kind order, then name (Go's byte-wise
/// `<`); then a core `Namespace` is moved before the first task in it, taking its phase and
/// wave (`adjustDeps`). Group is ignored, so an `AppProject` and an `Application` of one wave
/// interleave by name.
pub(crate) fn sort_tasks(tasks: &mut Vec<Task>) {
    tasks.sort_by_key(Task::key);
    let mut index = 0;
    while index < tasks.len() {
        let task = &tasks[index];
        let (group, kind) = group_kind(&task.object);
        if kind == "Namespace" && group.is_empty() {
            let name = text(&task.object, &["metadata", "name"]).to_owned();
            if let Some(first) = tasks[..index]
                .iter()
                .position(|other| text(&other.object, &["metadata", "namespace"]) == name)
            {
                let mut namespace = tasks.remove(index);
                namespace.phase = tasks[first].phase;
                let wave = wave(&tasks[first].object).to_string();
                namespace.object["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] =
                    Value::String(wave);
                tasks.insert(first, namespace);
            }
        }
        index += 1;
    }
}

/// Whether Kubernetes scopes a kind to a namespace, as API discovery of the target cluster
/// tells Argo CD (`res.Namespaced`); for the kinds the registry and its values contract use.
pub(crate) fn namespaced(group: &str, kind: &str) -> bool {
    match (group, kind) {
        ("", "Namespace") | ("rbac.authorization.k8s.io", "ClusterRole" | "ClusterRoleBinding") => {
            false
        }
        ("", "ResourceQuota" | "Secret" | "ConfigMap" | "Service" | "ServiceAccount")
        | ("argoproj.io", "Application" | "AppProject")
        | ("apps", "Deployment")
        | ("autoscaling", "HorizontalPodAutoscaler")
        | ("policy", "PodDisruptionBudget")
        | ("monitoring.coreos.com", "PrometheusRule") => true,
        _ => panic!("no discovery of {group}/{kind} is restated"),
    }
}
