//! The Argo CD topology the registry declares: which Argo CD manages which cluster, how it
//! reaches it, and what each object one Argo CD sees is named. The link-time checks and the
//! emitter both read these, so a name is checked exactly as it is written.

use super::{Cluster, EntityId, Registry};

/// Kubernetes' own namespaces: no service deploys into them, on any cluster.
pub(crate) const SYSTEM_NAMESPACES: [&str; 3] = ["kube-system", "kube-public", "kube-node-lease"];

/// The address at which an Argo CD reaches the cluster it runs in.
pub(crate) const IN_CLUSTER: &str = "https://kubernetes.default.svc";

/// Argo CD's name for the cluster it runs in.
pub(crate) const IN_CLUSTER_NAME: &str = "in-cluster";

/// The longest name label tracking can write into `app.kubernetes.io/instance`.
pub(crate) const LABEL_MAX: usize = 63;

/// The longest Helm release name.
pub(crate) const RELEASE_MAX: usize = 53;

/// Who manages what, read from the clusters' `argocd` fields.
#[derive(Clone, Copy)]
pub(crate) struct Topology<'a> {
    registry: &'a Registry,
}

impl<'a> Topology<'a> {
    pub(crate) fn new(registry: &'a Registry) -> Self {
        Self { registry }
    }

    /// The name of the cluster whose Argo CD manages `cluster` (named `name`): its
    /// `managedBy`, or itself.
    pub(crate) fn manager<'b>(name: &'b str, cluster: &'b Cluster) -> &'b str {
        cluster.argocd.managed_by.as_deref().unwrap_or(name)
    }

    /// Whether the cluster runs the Argo CD that manages it.
    pub(crate) fn is_own(name: &str, cluster: &Cluster) -> bool {
        Self::manager(name, cluster) == name
    }

    /// The server an Application names to deploy to the cluster: the in-cluster address for
    /// the cluster Argo CD runs in, the API server for any other.
    pub(crate) fn server<'b>(name: &str, cluster: &'b Cluster) -> &'b str {
        if Self::is_own(name, cluster) {
            IN_CLUSTER
        } else {
            &cluster.argocd.server
        }
    }

    /// The namespace the Argo CD managing cluster `name` watches, where every object about
    /// the cluster lives; `None` when the cluster or its manager is unknown.
    pub(crate) fn namespace(self, name: &str) -> Option<&'a str> {
        let cluster = self.registry.cluster(name)?;
        let manager = self.registry.cluster(Self::manager(name, cluster))?;
        Some(&manager.argocd.namespace)
    }

    /// The clusters the Argo CD on `hub` manages, `hub` included, in name order.
    pub(crate) fn managed(
        &self,
        hub: &'a str,
    ) -> impl Iterator<Item = (&'a EntityId, &'a Cluster)> {
        self.registry
            .clusters()
            .filter(move |(id, cluster)| Self::manager(&id.name, cluster) == hub)
    }
}

/// The names of generated objects. Entity names are DNS labels, so they hold no `.`: a name
/// joining two of them with `.` is unique to the pair, and can never equal a name of one part.
pub(crate) mod names {
    /// The root Application of one Argo CD: every cluster it manages hangs under it.
    pub(crate) const ROOT: &str = "registry-root";
    /// The project of the roots.
    pub(crate) const BOOTSTRAP_PROJECT: &str = "registry-bootstrap";
    /// The project that creates the namespaces the registry declares.
    pub(crate) const NAMESPACES_PROJECT: &str = "registry-namespaces";
    /// The project that applies the `PrometheusRule`s the registry declares.
    pub(crate) const MONITORING_PROJECT: &str = "registry-monitoring";
    /// The quota of each namespace.
    pub(crate) const QUOTA: &str = "registry-compute";

    /// The Application of a service on a cluster.
    pub(crate) fn application(service: &str, cluster: &str) -> String {
        format!("{service}.{cluster}")
    }

    /// The `AppProject` of a team on a cluster.
    pub(crate) fn project(team: &str, cluster: &str) -> String {
        format!("{team}.{cluster}")
    }

    /// The root Application of a cluster: its projects and applications.
    pub(crate) fn cluster_root(cluster: &str) -> String {
        cluster.to_owned()
    }

    /// The Application that creates a cluster's namespaces.
    pub(crate) fn namespaces(cluster: &str) -> String {
        format!("{cluster}.namespaces")
    }

    /// The Application that applies a cluster's `PrometheusRule`s.
    pub(crate) fn monitoring(cluster: &str) -> String {
        format!("{cluster}.monitoring")
    }

    /// The Secret that declares a cluster to the Argo CD managing it.
    pub(crate) fn cluster_secret(cluster: &str) -> String {
        format!("{cluster}.cluster")
    }
}
