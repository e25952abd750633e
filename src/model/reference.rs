//! The references between entities: which fields of each kind name another entity, read from
//! an evaluated value.

use serde_json::Value;

use super::{EntityId, Kind};

/// What a reference means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Relation {
    /// A team's parent team.
    Parent,
    /// A team's escalation team.
    Escalation,
    /// A project's or a service's owning team.
    Owner,
    /// A cluster's cloud project.
    Project,
    /// A service's deployment cluster.
    Cluster,
    /// A service's dependency.
    DependsOn,
    /// A service's or an API's system.
    System,
    /// An API a service implements.
    ProvidesApi,
    /// An API a service calls.
    ConsumesApi,
}

/// One reference an entity makes: to `target`, through the value at `pointer`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Reference {
    pub(crate) target: EntityId,
    pub(crate) pointer: String,
    pub(crate) relation: Relation,
}

/// Every reference in `value`, an evaluated entity of `kind`: each reference field that holds
/// a string, whatever else in the value is wrong, in field order.
pub(crate) fn references(kind: Kind, value: &Value) -> Vec<Reference> {
    let mut references = Vec::new();
    let mut add = |target: Kind, pointer: String, relation| {
        if let Some(name) = value.pointer(&pointer).and_then(Value::as_str) {
            references.push(Reference {
                target: EntityId::new(target, name),
                pointer,
                relation,
            });
        }
    };
    let count = |field: &str| {
        value
            .get(field)
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
    };
    match kind {
        Kind::Team => {
            add(Kind::Team, "/parent".to_owned(), Relation::Parent);
            add(
                Kind::Team,
                "/onCall/escalation".to_owned(),
                Relation::Escalation,
            );
        }
        Kind::Project | Kind::System => add(Kind::Team, "/owner".to_owned(), Relation::Owner),
        Kind::Cluster => add(Kind::Project, "/project".to_owned(), Relation::Project),
        Kind::Service => {
            add(Kind::Team, "/owner".to_owned(), Relation::Owner);
            for index in 0..count("deployments") {
                add(
                    Kind::Cluster,
                    format!("/deployments/{index}/cluster"),
                    Relation::Cluster,
                );
            }
            for index in 0..count("dependsOn") {
                add(
                    Kind::Service,
                    format!("/dependsOn/{index}"),
                    Relation::DependsOn,
                );
            }
            add(Kind::System, "/system".to_owned(), Relation::System);
            for index in 0..count("providesApis") {
                add(
                    Kind::Api,
                    format!("/providesApis/{index}"),
                    Relation::ProvidesApi,
                );
            }
            for index in 0..count("consumesApis") {
                add(
                    Kind::Api,
                    format!("/consumesApis/{index}"),
                    Relation::ConsumesApi,
                );
            }
        }
        Kind::Api => {
            add(Kind::Team, "/owner".to_owned(), Relation::Owner);
            add(Kind::System, "/system".to_owned(), Relation::System);
        }
    }
    references
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{Kind, Relation, references};

    #[test]
    fn reads_what_is_well_typed() {
        let value = json!({
            "owner": "payments",
            "deployments": [{ "cluster": "prod" }, { "cluster": 7 }, "x", { "cluster": "dev" }],
            "dependsOn": ["a", null, "b"],
            "tier": "wrong",
        });
        let found: Vec<(String, String, Relation)> = references(Kind::Service, &value)
            .into_iter()
            .map(|reference| {
                (
                    reference.target.to_string(),
                    reference.pointer,
                    reference.relation,
                )
            })
            .collect();
        let expected = [
            ("team/payments", "/owner", Relation::Owner),
            ("cluster/prod", "/deployments/0/cluster", Relation::Cluster),
            ("cluster/dev", "/deployments/3/cluster", Relation::Cluster),
            ("service/a", "/dependsOn/0", Relation::DependsOn),
            ("service/b", "/dependsOn/2", Relation::DependsOn),
        ];
        let expected: Vec<(String, String, Relation)> = expected
            .into_iter()
            .map(|(target, pointer, relation)| (target.to_owned(), pointer.to_owned(), relation))
            .collect();
        assert_eq!(found, expected);
        let api: Vec<(String, Relation)> = references(
            Kind::Api,
            &json!({ "owner": "payments", "system": "checkout" }),
        )
        .into_iter()
        .map(|reference| (reference.target.to_string(), reference.relation))
        .collect();
        assert_eq!(
            api,
            [
                ("team/payments".to_owned(), Relation::Owner),
                ("system/checkout".to_owned(), Relation::System),
            ]
        );
        assert!(references(Kind::Team, &json!({ "onCall": "x" })).is_empty());
        assert!(references(Kind::Cluster, &json!([])).is_empty());
    }
}
