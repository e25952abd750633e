//! Names that become keys downstream must be unique within their entity: a team's member
//! logins, a service's port and alert names and its databases', caches' and buckets' names, a
//! cluster's node pool names. The generated Terraform and alert rules key by them, so a second
//! item of one name would silently replace the first.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Subject;
use crate::diagnostic::{Code, Diagnostic, Sink};
use crate::model::Kind;

/// A list whose items are keyed by one of their fields.
struct Keyed {
    /// The pointer of the list.
    list: &'static str,
    /// The field that names an item.
    field: &'static str,
    /// What an item is, in the plural.
    items: &'static str,
    /// How an item is known by its name: "named", "with the login".
    known: &'static str,
    /// Whether names differing only in case are the same (logins on the forge).
    case_blind: bool,
}

const TEAM: &[Keyed] = &[Keyed {
    list: "/members",
    field: "login",
    items: "members",
    known: "with the login",
    case_blind: true,
}];

const SERVICE: &[Keyed] = &[
    Keyed {
        list: "/ports",
        field: "name",
        items: "ports",
        known: "named",
        case_blind: false,
    },
    Keyed {
        list: "/alerts",
        field: "name",
        items: "alerts",
        known: "named",
        case_blind: false,
    },
    Keyed {
        list: "/resources/postgres",
        field: "name",
        items: "postgres databases",
        known: "named",
        case_blind: false,
    },
    Keyed {
        list: "/resources/redis",
        field: "name",
        items: "redis caches",
        known: "named",
        case_blind: false,
    },
    Keyed {
        list: "/resources/buckets",
        field: "name",
        items: "buckets",
        known: "named",
        case_blind: false,
    },
];

const CLUSTER: &[Keyed] = &[Keyed {
    list: "/nodePools",
    field: "name",
    items: "node pools",
    known: "named",
    case_blind: false,
}];

/// Reports each item whose name an earlier item of its list already has, at the later one.
pub(super) fn check(kind: Kind, subject: &Subject, sink: &mut Sink) {
    let lists = match kind {
        Kind::Team => TEAM,
        Kind::Service => SERVICE,
        Kind::Cluster => CLUSTER,
        Kind::Project | Kind::System | Kind::Api => &[],
    };
    for keyed in lists {
        let Some(items) = subject.value.pointer(keyed.list).and_then(Value::as_array) else {
            continue;
        };
        let mut first: BTreeMap<String, (usize, &str)> = BTreeMap::new();
        for (index, item) in items.iter().enumerate() {
            let Some(name) = item.get(keyed.field).and_then(Value::as_str) else {
                continue;
            };
            let key = if keyed.case_blind {
                name.to_lowercase()
            } else {
                name.to_owned()
            };
            let Some(&(earlier, earlier_name)) = first.get(&key) else {
                first.insert(key, (index, name));
                continue;
            };
            let pointer = format!("{}/{index}/{}", keyed.list, keyed.field);
            let earlier_pointer = format!("{}/{earlier}/{}", keyed.list, keyed.field);
            let shown = crate::text::shown(name, 64);
            let mut diagnostic = Diagnostic::error(
                Code::DuplicateKey,
                format!(
                    "{} has two {} {} `{shown}`, at `{earlier_pointer}` and `{pointer}`",
                    subject.what, keyed.items, keyed.known,
                ),
            )
            .primary(subject.value(&pointer), "the second")
            .secondary(subject.value(&earlier_pointer), "the first");
            if earlier_name != name {
                diagnostic = diagnostic.note(format!(
                    "`{}` and `{shown}` are the same {}: logins ignore case",
                    crate::text::shown(earlier_name, 64),
                    keyed.field
                ));
            }
            sink.push(diagnostic.help(format!(
                "{} are keyed by {} in the generated outputs, so one would silently replace \
                 the other: rename or remove one",
                keyed.items, keyed.field
            )));
        }
    }
}
