//! The registry's settings, `registry.jsonnet`, with their defaults applied.

use std::collections::BTreeMap;

use serde::Deserialize;
use strum::{Display, EnumIter};

use crate::diagnostic::{Code, Severity};

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Display, EnumIter,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub(crate) enum Environment {
    Production,
    Staging,
    Development,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Display)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub(crate) enum Lifecycle {
    Experimental,
    Production,
    Deprecated,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum PolicySeverity {
    Error,
    Warning,
    Off,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Settings {
    pub(crate) org: String,
    pub(crate) repo: String,
    #[serde(default = "default_revision")]
    pub(crate) revision: String,
    #[serde(default = "default_generated_path")]
    pub(crate) generated_path: String,
    #[serde(default)]
    pub(crate) publish: Publish,
    #[serde(default)]
    policies: BTreeMap<String, PolicySeverity>,
    #[serde(default)]
    lifecycle_environments: BTreeMap<Lifecycle, Vec<Environment>>,
    #[serde(default)]
    pub(crate) argocd: ArgoSettings,
}

/// How the generated Argo CD objects behave: where teams may not deploy, and what removing
/// a deployment does.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ArgoSettings {
    /// Namespaces no service may deploy into, beyond Kubernetes' own and Argo CD's.
    #[serde(default)]
    pub(crate) reserved_namespaces: Vec<String>,
    /// What removing an Application does, by lifecycle and tier: the first rule that matches.
    #[serde(default = "default_removal")]
    pub(crate) removal: Vec<RemovalRule>,
}

impl Default for ArgoSettings {
    fn default() -> Self {
        Self {
            reserved_namespaces: Vec::new(),
            removal: default_removal(),
        }
    }
}

/// One rule of the removal policy: services of these lifecycles and tiers (any, when absent).
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct RemovalRule {
    pub(crate) lifecycles: Option<Vec<Lifecycle>>,
    pub(crate) tiers: Option<Vec<u8>>,
    pub(crate) policy: Removal,
}

/// What Argo CD does with a generated object once the registry no longer produces it.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Display, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub(crate) enum Removal {
    /// Deleted, and with it everything it deployed.
    Prune,
    /// Deleted once someone approves it in Argo CD (`Prune=confirm`, `Delete=confirm`).
    Confirm,
    /// Left in place until deleted by hand (`Prune=false`, `Delete=false`).
    Keep,
}

/// Deprecated services are kept, tier-1 services wait for approval, the rest are pruned.
fn default_removal() -> Vec<RemovalRule> {
    vec![
        RemovalRule {
            lifecycles: Some(vec![Lifecycle::Deprecated]),
            tiers: None,
            policy: Removal::Keep,
        },
        RemovalRule {
            lifecycles: None,
            tiers: Some(vec![1]),
            policy: Removal::Confirm,
        },
    ]
}

/// Where `registry publish` and `registry fetch` go when given no URL.
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct Publish {
    /// A store URL; a `file://` path is relative to the registry root.
    pub(crate) url: Option<String>,
}

fn default_revision() -> String {
    "main".to_owned()
}

fn default_generated_path() -> String {
    "generated".to_owned()
}

/// The library paths when the settings name none.
pub(crate) fn default_library_paths() -> Vec<String> {
    vec!["lib".to_owned()]
}

/// The settings' `libraryPaths`, read before the settings are validated, because evaluating
/// the entities needs them; `None` when absent or malformed (validation reports why).
pub(crate) fn settings_library_paths(value: &serde_json::Value) -> Option<Vec<String>> {
    value
        .get("libraryPaths")?
        .as_array()?
        .iter()
        .map(|path| {
            path.as_str()
                .map(|path| path.trim_end_matches('/').to_owned())
        })
        .collect()
}

impl Settings {
    /// The severity a policy's diagnostics get, `None` when the policy is off.
    pub(crate) fn severity(&self, code: Code) -> Option<Severity> {
        if !code.is_policy() {
            return Some(code.default_severity());
        }
        let name: &str = code.into();
        match self.policies.get(name) {
            Some(PolicySeverity::Error) => Some(Severity::Error),
            Some(PolicySeverity::Warning) => Some(Severity::Warning),
            Some(PolicySeverity::Off) => None,
            None => Some(code.default_severity()),
        }
    }

    /// Whether a service of `lifecycle` may deploy to a cluster of `environment`. By default an
    /// experimental service stays out of production; everything else goes anywhere.
    pub(crate) fn allows(&self, lifecycle: Lifecycle, environment: Environment) -> bool {
        match self.lifecycle_environments.get(&lifecycle) {
            Some(allowed) => allowed.contains(&environment),
            None => {
                !(lifecycle == Lifecycle::Experimental && environment == Environment::Production)
            }
        }
    }

    /// What removing the Application of a service of `lifecycle` and `tier` does.
    pub(crate) fn removal(&self, lifecycle: Lifecycle, tier: u8) -> Removal {
        self.argocd
            .removal
            .iter()
            .find(|rule| {
                rule.lifecycles
                    .as_ref()
                    .is_none_or(|lifecycles| lifecycles.contains(&lifecycle))
                    && rule
                        .tiers
                        .as_ref()
                        .is_none_or(|tiers| tiers.contains(&tier))
            })
            .map_or(Removal::Prune, |rule| rule.policy)
    }

    /// The environments a lifecycle may deploy to.
    pub(crate) fn allowed(&self, lifecycle: Lifecycle) -> Vec<Environment> {
        use strum::IntoEnumIterator;
        Environment::iter()
            .filter(|environment| self.allows(lifecycle, *environment))
            .collect()
    }
}
