use strum::{Display, EnumIter, EnumString, IntoEnumIterator};

/// A kind of entity. Its directory under the registry root holds one file per entity.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Display,
    EnumIter,
    EnumString,
    serde::Serialize,
    serde::Deserialize,
)]
#[strum(serialize_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub(crate) enum Kind {
    Team,
    Project,
    Cluster,
    Service,
    System,
    Api,
}

impl Kind {
    /// The directory under the registry root.
    pub(crate) fn dir(self) -> &'static str {
        match self {
            Self::Team => "teams",
            Self::Project => "projects",
            Self::Cluster => "clusters",
            Self::Service => "services",
            Self::System => "systems",
            Self::Api => "apis",
        }
    }

    pub(crate) fn from_dir(dir: &str) -> Option<Self> {
        Self::iter().find(|kind| kind.dir() == dir)
    }
}
