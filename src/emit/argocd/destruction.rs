//! What a change to a generated Kubernetes manifest destroys once Argo CD applies it: an
//! Application or a Namespace that goes (removed, renamed, or moved to another Argo CD), or an
//! Application whose project or destination changes. `diff` shows each as destructive.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_yaml_ng::Value;

/// The identity of one object of a manifest, and what decides its fate.
#[derive(PartialEq, Eq)]
struct Object {
    project: Option<String>,
    destination: Option<(String, String)>,
    options: String,
}

/// The Applications and Namespaces of a YAML stream, by (kind, namespace, name).
fn objects(bytes: &[u8]) -> BTreeMap<(String, String, String), Object> {
    let text = |value: &Value, path: &[&str]| -> Option<String> {
        let mut value = value;
        for key in path {
            value = value.get(*key)?;
        }
        value.as_str().map(ToOwned::to_owned)
    };
    let mut found = BTreeMap::new();
    for document in serde_yaml_ng::Deserializer::from_slice(bytes) {
        let Ok(value) = Value::deserialize(document) else {
            continue;
        };
        let Some(kind) = text(&value, &["kind"]) else {
            continue;
        };
        if kind != "Application" && kind != "Namespace" {
            continue;
        }
        let Some(name) = text(&value, &["metadata", "name"]) else {
            continue;
        };
        let namespace = text(&value, &["metadata", "namespace"]).unwrap_or_default();
        let destination = text(&value, &["spec", "destination", "server"]).map(|server| {
            let namespace = text(&value, &["spec", "destination", "namespace"]).unwrap_or_default();
            (server, namespace)
        });
        let options = text(
            &value,
            &["metadata", "annotations", "argocd.argoproj.io/sync-options"],
        )
        .unwrap_or_default();
        found.insert(
            (kind, namespace, name),
            Object {
                project: text(&value, &["spec", "project"]),
                destination,
                options,
            },
        );
    }
    found
}

fn shown(value: &str) -> String {
    crate::text::shown(value, 120)
}

/// Why applying the change from `before` to `after` (absent: no such file) destroys
/// something, one sentence per object; empty when it destroys nothing.
pub(crate) fn destruction(before: Option<&[u8]>, after: Option<&[u8]>) -> Vec<String> {
    let Some(before) = before else {
        return Vec::new();
    };
    let old = objects(before);
    let new = after.map(objects).unwrap_or_default();
    let mut reasons = Vec::new();
    for (key, object) in &old {
        let (kind, _, name) = key;
        let name = shown(name);
        let Some(now) = new.get(key) else {
            let fate = if object.options.contains("Prune=false") {
                "it is kept (`Prune=false`) until deleted by hand, with what it deployed"
            } else if object.options.contains("Prune=confirm") {
                "Argo CD deletes it, and what it deployed, once the deletion is approved \
                 (`Prune=confirm`)"
            } else if kind == "Namespace" {
                "Argo CD deletes it, and everything in it"
            } else {
                "Argo CD deletes it and everything it deployed"
            };
            reasons.push(format!("{kind} `{name}` is removed: {fate}"));
            continue;
        };
        if now.project != object.project {
            reasons.push(format!(
                "Application `{name}` moves from project `{}` to `{}`",
                shown(object.project.as_deref().unwrap_or_default()),
                shown(now.project.as_deref().unwrap_or_default())
            ));
        }
        if let (Some(from), Some(to)) = (&object.destination, &now.destination)
            && from != to
        {
            reasons.push(format!(
                "Application `{name}` moves from `{}` namespace `{}` to `{}` namespace `{}`: \
                 what it deployed at the old destination is deleted",
                shown(&from.0),
                shown(&from.1),
                shown(&to.0),
                shown(&to.1)
            ));
        }
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::destruction;

    const APP: &str = "apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: checkout.prod-eu
  namespace: argocd
spec:
  project: commerce.prod-eu
  destination:
    server: https://kubernetes.default.svc
    namespace: checkout
";

    #[test]
    fn removals_renames_and_moves() {
        assert!(destruction(None, Some(APP.as_bytes())).is_empty());
        assert!(destruction(Some(APP.as_bytes()), Some(APP.as_bytes())).is_empty());
        assert_eq!(
            destruction(Some(APP.as_bytes()), None),
            [
                "Application `checkout.prod-eu` is removed: Argo CD deletes it and everything it \
              deployed"
            ]
        );
        let kept = APP.replace(
            "  namespace: argocd\n",
            "  namespace: argocd\n  annotations:\n    argocd.argoproj.io/sync-options: \
             Prune=false,Delete=false\n",
        );
        assert_eq!(
            destruction(Some(kept.as_bytes()), None),
            [
                "Application `checkout.prod-eu` is removed: it is kept (`Prune=false`) until \
              deleted by hand, with what it deployed"
            ]
        );
        let renamed = APP.replace("checkout.prod-eu", "checkout.prod-eu1");
        assert_eq!(
            destruction(Some(APP.as_bytes()), Some(renamed.as_bytes())).len(),
            1
        );
        let moved = APP
            .replace("commerce.prod-eu", "payments.prod-eu")
            .replace("namespace: checkout", "namespace: orders");
        assert_eq!(
            destruction(Some(APP.as_bytes()), Some(moved.as_bytes())),
            [
                "Application `checkout.prod-eu` moves from project `commerce.prod-eu` to \
                 `payments.prod-eu`",
                "Application `checkout.prod-eu` moves from `https://kubernetes.default.svc` \
                 namespace `checkout` to `https://kubernetes.default.svc` namespace `orders`: \
                 what it deployed at the old destination is deleted"
            ]
        );
    }
}
