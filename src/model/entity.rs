//! Typed entities, read from values that passed their schema. Only the fields later stages
//! use are typed; the full value stays in [`super::Record`].

use serde::Deserialize;

use super::{Environment, Lifecycle};

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Team {
    pub(crate) parent: Option<String>,
    pub(crate) on_call: Option<OnCall>,
}

#[derive(Clone, Debug, Deserialize)]
pub(crate) struct OnCall {
    pub(crate) escalation: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Project {
    pub(crate) owner: String,
}

#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Cluster {
    pub(crate) project: String,
    pub(crate) environment: Environment,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Service {
    pub(crate) owner: String,
    pub(crate) tier: u8,
    pub(crate) lifecycle: Lifecycle,
    #[serde(default)]
    pub(crate) depends_on: Vec<String>,
    #[serde(default)]
    pub(crate) deployments: Vec<Deployment>,
}

#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Deployment {
    pub(crate) cluster: String,
    pub(crate) replicas: u32,
}

/// One entity's typed fields.
#[derive(Clone, Debug)]
pub(crate) enum Entity {
    Team(Team),
    Project(Project),
    Cluster(Cluster),
    Service(Service),
}
