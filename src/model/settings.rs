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
    #[serde(default = "default_library_paths")]
    pub(crate) library_paths: Vec<String>,
    #[serde(default = "default_registry_path")]
    pub(crate) registry_path: String,
    pub(crate) codeowners: Option<Codeowners>,
    #[serde(default)]
    pub(crate) alerting: Alerting,
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

/// The CODEOWNERS file `build` keeps, and how teams map to handles.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Codeowners {
    /// Relative to the repository's root.
    #[serde(default = "default_codeowners_path")]
    pub(crate) path: String,
    /// A team's handle, `{team}` standing for its name.
    pub(crate) team: String,
    /// The owners of the library, the settings and the rest of the registry.
    pub(crate) platform: Vec<String>,
}

impl Codeowners {
    /// The handle of `team`.
    pub(crate) fn handle(&self, team: &str) -> String {
        self.team.replace("{team}", team)
    }
}

/// Where alert notifications go, beyond what each team says.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Alerting {
    #[serde(default = "default_secrets_dir")]
    pub(crate) secrets_dir: String,
    #[serde(default = "default_channel")]
    pub(crate) default_channel: String,
    #[serde(default)]
    pub(crate) business_hours: BusinessHours,
}

impl Default for Alerting {
    fn default() -> Self {
        Self {
            secrets_dir: default_secrets_dir(),
            default_channel: default_channel(),
            business_hours: BusinessHours::default(),
        }
    }
}

/// The on-call hours of a `business-hours` rotation.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct BusinessHours {
    #[serde(default = "default_weekdays")]
    pub(crate) weekdays: String,
    #[serde(default = "default_start")]
    pub(crate) start: String,
    #[serde(default = "default_end")]
    pub(crate) end: String,
    #[serde(default = "default_location")]
    pub(crate) location: String,
}

impl Default for BusinessHours {
    fn default() -> Self {
        Self {
            weekdays: default_weekdays(),
            start: default_start(),
            end: default_end(),
            location: default_location(),
        }
    }
}

fn default_registry_path() -> String {
    "registry".to_owned()
}

fn default_codeowners_path() -> String {
    ".github/CODEOWNERS".to_owned()
}

fn default_secrets_dir() -> String {
    "/etc/alertmanager/secrets".to_owned()
}

fn default_channel() -> String {
    "#alerts".to_owned()
}

fn default_weekdays() -> String {
    "monday:friday".to_owned()
}

fn default_start() -> String {
    "09:00".to_owned()
}

fn default_end() -> String {
    "17:00".to_owned()
}

fn default_location() -> String {
    "UTC".to_owned()
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
