//! Finds where, in an entity's file, a value of the evaluated entity is written. Evaluation
//! keeps no positions, so the file is parsed ([`syntax`]) and a JSON pointer is followed
//! through it the way Jsonnet builds the value: into the fields of literal objects (the
//! rightmost definition wins, `+:` merges with the ones to its left), across `+` and object
//! extension, into array elements by index (arrays joined by `+` count from the left), through
//! `local` variables, and into named arguments of helper calls (`service.new('x',
//! owner='payments')` for `/owner`) or the one argument of a helper named after the field
//! (`service.dependsOn([...])` for `/dependsOn`).
//!
//! A position is given only when it is certain: either the path was followed through literal
//! structure alone, or (when a helper call, a comprehension or another computed value might
//! also define it) the literal found there equals the evaluated value. Anything else gives
//! `None`, and the diagnostic names the entity and pointer instead: a wrong line is worse than
//! none.

mod syntax;

use std::ops::Range;
use std::rc::Rc;

use serde_json::Value;

use self::syntax::{Bind, Node};

/// An entity file, parsed for locating values in it.
pub(crate) struct Tree {
    root: Option<Node>,
}

impl Tree {
    pub(crate) fn parse(text: &str) -> Self {
        Self {
            root: syntax::parse(text),
        }
    }

    /// Where the last step of `pointer` is written: the field's name for an object member, the
    /// element for an array index. `value` is the evaluated entity.
    pub(crate) fn key(&self, value: &Value, pointer: &str) -> Option<Range<usize>> {
        let found = self.find(value, pointer)?;
        found.key.clone()
    }

    /// Where the value at `pointer` is written: the literal, or the field's name when the
    /// value is computed there. `value` is the evaluated entity.
    pub(crate) fn value(&self, value: &Value, pointer: &str) -> Option<Range<usize>> {
        let found = self.find(value, pointer)?;
        match found.layers.as_slice() {
            [layer] if is_literal(layer.node) => Some(head(layer.node)),
            _ => found.key.clone(),
        }
    }

    /// Follows `pointer`; `None` unless the place is certain.
    fn find(&self, value: &Value, pointer: &str) -> Option<Found<'_>> {
        let root = self.root.as_ref()?;
        let segments: Vec<String> = crate::pointer::segments(pointer).collect();
        if segments.is_empty() {
            return None;
        }
        let mut found = Found {
            layers: Vec::new(),
            key: None,
            certain: true,
        };
        let mut budget = BUDGET;
        layers(root, None, &mut found.layers, &mut budget);
        let mut current = value;
        for segment in &segments {
            found = match current {
                Value::Object(map) => {
                    current = map.get(segment)?;
                    field(&found, segment, &mut budget)?
                }
                Value::Array(items) => {
                    let index: usize = segment.parse().ok()?;
                    current = items.get(index)?;
                    element(&found, index, &mut budget)?
                }
                _ => return None,
            };
        }
        if found.certain {
            return Some(found);
        }
        let [layer] = found.layers.as_slice() else {
            return None;
        };
        let written = literal(layer.node, &layer.env, &mut budget)?;
        same(&written, current).then_some(found)
    }
}

/// The span of a string literal equal to `value` in `text`, the first one.
pub(crate) fn string(text: &str, value: &str) -> Option<Range<usize>> {
    ['\'', '"'].iter().find_map(|quote| {
        let literal = format!("{quote}{value}{quote}");
        text.find(&literal)
            .map(|start| start..start + literal.len())
    })
}

/// How many variables may be followed in one search (a `local a = b, b = a` goes round).
const BUDGET: usize = 10_000;

/// The `local` bindings in scope.
struct Scope<'a> {
    binds: &'a [Bind],
    parent: Env<'a>,
}

type Env<'a> = Option<Rc<Scope<'a>>>;

fn with<'a>(binds: &'a [Bind], env: &Env<'a>) -> Env<'a> {
    if binds.is_empty() {
        return env.clone();
    }
    Some(Rc::new(Scope {
        binds,
        parent: env.clone(),
    }))
}

/// The value `name` is bound to, and the scope it is evaluated in; `None` for a function, a
/// parameter, or a name bound elsewhere (`std`).
fn lookup<'a>(env: &Env<'a>, name: &str) -> Option<(&'a Node, Env<'a>)> {
    let mut scope = env.as_ref();
    while let Some(current) = scope {
        if let Some(bind) = current.binds.iter().find(|bind| bind.name == name) {
            return bind
                .value
                .as_ref()
                .map(|value| (value, Some(Rc::clone(current))));
        }
        scope = current.parent.as_ref();
    }
    None
}

/// One operand of a chain of `+`, in the scope it is evaluated in.
struct Layer<'a> {
    node: &'a Node,
    env: Env<'a>,
}

/// Where a search has got to: the operands whose merge (objects) or concatenation (arrays) is
/// the value reached, from left to right, and the span that named the last step.
struct Found<'a> {
    layers: Vec<Layer<'a>>,
    key: Option<Range<usize>>,
    /// Only literal structure was followed; otherwise the value must be confirmed.
    certain: bool,
}

/// Flattens `node` into the operands of its `+` chain, following variables.
fn layers<'a>(node: &'a Node, env: Env<'a>, out: &mut Vec<Layer<'a>>, budget: &mut usize) {
    match node {
        Node::Plus(left, right) => {
            layers(left, env.clone(), out, budget);
            layers(right, env, out, budget);
        }
        Node::Local { binds, body } => layers(body, with(binds, &env), out, budget),
        Node::Var { name, .. } if *budget > 0 => {
            *budget -= 1;
            match lookup(&env, name) {
                Some((value, scope)) => layers(value, scope, out, budget),
                None => out.push(Layer { node, env }),
            }
        }
        _ => out.push(Layer { node, env }),
    }
}

/// Steps into the field `name` of the object that `found`'s layers merge into.
fn field<'a>(found: &Found<'a>, name: &str, budget: &mut usize) -> Option<Found<'a>> {
    let mut certain = found.certain;
    // Right to left: the definitions that make up the field, until one that replaces the
    // rest (`name:` rather than `name+:`).
    let mut parts: Vec<(&'a Node, Env<'a>, Range<usize>)> = Vec::new();
    for layer in found.layers.iter().rev() {
        match layer.node {
            Node::Object(object) => {
                let env = with(&object.locals, &layer.env);
                if let Some(field) = object.fields.iter().find(|field| field.name == name) {
                    parts.push((&field.value, env, field.name_span.clone()));
                    if !field.plus {
                        break;
                    }
                } else if object.computed {
                    certain = false;
                }
            }
            Node::Call {
                name: callee, args, ..
            } => {
                certain = false;
                if let Some(arg) = args
                    .iter()
                    .find(|arg| arg.name.as_ref().is_some_and(|(arg, _)| arg == name))
                {
                    let span = arg.name.as_ref().map(|(_, span)| span.clone())?;
                    parts.push((&arg.value, layer.env.clone(), span));
                    break;
                }
                if let (Some((callee, span)), [arg]) = (callee, args.as_slice())
                    && callee == name
                    && arg.name.is_none()
                {
                    parts.push((&arg.value, layer.env.clone(), span.clone()));
                }
            }
            _ => certain = false,
        }
    }
    let key = parts.first()?.2.clone();
    let mut next = Vec::new();
    for (node, env, _) in parts.into_iter().rev() {
        layers(node, env, &mut next, budget);
    }
    Some(Found {
        layers: next,
        key: Some(key),
        certain,
    })
}

/// Steps into element `index` of the array that `found`'s layers concatenate into.
fn element<'a>(found: &Found<'a>, index: usize, budget: &mut usize) -> Option<Found<'a>> {
    let mut certain = found.certain;
    let mut offset = 0;
    for layer in &found.layers {
        if let Node::Array { elements, .. } = layer.node {
            if let Some(element) = elements.get(index - offset) {
                let mut next = Vec::new();
                layers(element, layer.env.clone(), &mut next, budget);
                return Some(Found {
                    layers: next,
                    key: Some(head(element)),
                    certain,
                });
            }
            offset += elements.len();
        } else {
            // A computed array: assumed empty, so what follows must be confirmed.
            certain = false;
        }
    }
    None
}

fn is_literal(node: &Node) -> bool {
    matches!(
        node,
        Node::Literal { .. } | Node::Array { .. } | Node::Object(_)
    )
}

/// The span to show for `node`: an object or array by its opening bracket, anything else
/// whole.
fn head(node: &Node) -> Range<usize> {
    match node {
        Node::Object(_) | Node::Array { .. } => {
            let start = node.span().start;
            start..start + 1
        }
        Node::Plus(left, _) => head(left),
        _ => node.span(),
    }
}

/// The value of `node` when it is written out in full: literals, and arrays and objects of
/// them.
fn literal(node: &Node, env: &Env<'_>, budget: &mut usize) -> Option<Value> {
    match node {
        Node::Literal { value, .. } => value.clone(),
        Node::Array { elements, .. } => elements
            .iter()
            .map(|element| literal(element, env, budget))
            .collect::<Option<Vec<Value>>>()
            .map(Value::Array),
        Node::Object(object) if !object.computed => {
            let env = with(&object.locals, env);
            let mut map = serde_json::Map::new();
            for field in &object.fields {
                if field.plus {
                    return None;
                }
                if !field.hidden {
                    map.insert(field.name.clone(), literal(&field.value, &env, budget)?);
                }
            }
            Some(Value::Object(map))
        }
        Node::Var { name, .. } if *budget > 0 => {
            *budget -= 1;
            let (value, scope) = lookup(env, name)?;
            literal(value, &scope, budget)
        }
        Node::Local { binds, body } => literal(body, &with(binds, env), budget),
        _ => None,
    }
}

/// Whether two values are equal, numbers by value (`1` is `1.0`).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(key, a)| b.get(key).is_some_and(|b| same(a, b)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::{Tree, string};

    /// The text at `pointer`'s key and value in `text`, which evaluates to `value`.
    fn at(text: &str, value: &Value, pointer: &str) -> (Option<String>, Option<String>) {
        let tree = Tree::parse(text);
        let shown =
            |range: Option<std::ops::Range<usize>>| range.map(|range| text[range].to_owned());
        (
            shown(tree.key(value, pointer)),
            shown(tree.value(value, pointer)),
        )
    }

    fn both(key: &str, value: &str) -> (Option<String>, Option<String>) {
        (Some(key.to_owned()), Some(value.to_owned()))
    }

    const NONE: (Option<String>, Option<String>) = (None, None);

    #[test]
    fn follows_fields_and_indexes() {
        let text =
            "{ name: 'x', members: [{ login: 'a' }, { login: 'b' }, { login: 'c', name: 'C' }] }";
        let value = json!({ "name": "x", "members": [{ "login": "a" }, { "login": "b" }, { "login": "c", "name": "C" }] });
        assert_eq!(at(text, &value, "/members/2/login"), both("login", "'c'"));
        assert_eq!(at(text, &value, "/members/2/name"), both("name", "'C'"));
        assert_eq!(at(text, &value, "/name"), both("name", "'x'"));
        assert_eq!(at(text, &value, "/members/1"), both("{", "{"));
        assert_eq!(at(text, &value, "/missing"), NONE);
        assert_eq!(at(text, &value, ""), NONE);
    }

    /// The span of the `n`th (from 0) occurrence of `needle` in `text`.
    fn nth(text: &str, needle: &str, n: usize) -> Option<std::ops::Range<usize>> {
        let start = text.match_indices(needle).nth(n)?.0;
        Some(start..start + needle.len())
    }

    #[test]
    fn the_rightmost_definition_wins() {
        let text = "{ a: 1, b: { c: 1 } } + { a: 2, b+: { d: 3 } }";
        let value = json!({ "a": 2, "b": { "c": 1, "d": 3 } });
        let tree = Tree::parse(text);
        assert_eq!(tree.value(&value, "/a"), nth(text, "2", 0));
        assert_eq!(tree.value(&value, "/b/c"), nth(text, "1", 1));
        assert_eq!(tree.value(&value, "/b/d"), nth(text, "3", 0));
        assert_eq!(tree.key(&value, "/b"), nth(text, "b", 1));
        assert_eq!(tree.key(&value, "/a"), nth(text, "a", 1));
    }

    #[test]
    fn arrays_joined_by_plus_count_from_the_left() {
        let text = "{ d: [{ n: 'a' }] } + { d+: [{ n: 'b' }, { n: 'c' }] } { d+: [{ n: 'e' }] }";
        let value = json!({ "d": [{ "n": "a" }, { "n": "b" }, { "n": "c" }, { "n": "e" }] });
        assert_eq!(at(text, &value, "/d/0/n").1.as_deref(), Some("'a'"));
        assert_eq!(at(text, &value, "/d/2/n").1.as_deref(), Some("'c'"));
        assert_eq!(at(text, &value, "/d/3/n").1.as_deref(), Some("'e'"));
        let tree = Tree::parse(text);
        assert_eq!(tree.value(&value, "/d/2/n"), nth(text, "'c'", 0));
    }

    #[test]
    fn follows_locals() {
        let text = "local m = { login: 'a' }; local ms = [m, { login: 'b' }];\n{ members: ms }";
        let value = json!({ "members": [{ "login": "a" }, { "login": "b" }] });
        let tree = Tree::parse(text);
        assert_eq!(tree.value(&value, "/members/0/login"), nth(text, "'a'", 0));
        assert_eq!(
            at(text, &value, "/members/1/login").1.as_deref(),
            Some("'b'")
        );
        let text = "{ local n = 3, replicas: n }";
        assert_eq!(
            at(text, &json!({ "replicas": 3 }), "/replicas")
                .1
                .as_deref(),
            Some("3")
        );
    }

    #[test]
    fn named_arguments_and_helpers_named_after_the_field() {
        let text = "local s = import 's.libsonnet';\n\
                    s.new('api', owner='payments', tier=1)\n+ s.http(8080)\n+ s.dependsOn(['a', 'b'])";
        let value = json!({ "name": "api", "owner": "payments", "tier": 1, "dependsOn": ["a", "b"], "ports": [] });
        assert_eq!(at(text, &value, "/owner"), both("owner", "'payments'"));
        assert_eq!(at(text, &value, "/tier").1.as_deref(), Some("1"));
        assert_eq!(at(text, &value, "/dependsOn/1"), both("'b'", "'b'"));
        // Positional: which parameter it is, only the library knows.
        assert_eq!(at(text, &value, "/name"), NONE);
    }

    #[test]
    fn a_value_a_helper_may_have_changed_must_match() {
        let text = "local s = import 's.libsonnet';\ns.new('api', owner='payments') + s.owned()";
        // `s.owned()` replaced the owner: the argument is not where the value came from.
        let value = json!({ "owner": "platform" });
        assert_eq!(at(text, &value, "/owner"), NONE);
        let text = "{ replicas: 2 } + s.scaled()";
        assert_eq!(at(text, &json!({ "replicas": 3 }), "/replicas"), NONE);
        assert_eq!(
            at(text, &json!({ "replicas": 2 }), "/replicas")
                .1
                .as_deref(),
            Some("2")
        );
        // A computed value that might have been replaced cannot be confirmed.
        let text = "{ replicas: n + 1 } + s.scaled()";
        assert_eq!(at(text, &json!({ "replicas": 2 }), "/replicas"), NONE);
        // Where nothing else could have set it, a computed value is shown at its field.
        let text = "local n = 1; { replicas: n + 1 }";
        assert_eq!(
            at(text, &json!({ "replicas": 2 }), "/replicas"),
            both("replicas", "replicas")
        );
    }

    #[test]
    fn comprehensions_and_library_values_are_not_followed() {
        let text = "{ members: [{ login: l } for l in ['a', 'b']] }";
        let value = json!({ "members": [{ "login": "a" }, { "login": "b" }] });
        assert_eq!(at(text, &value, "/members/1/login"), NONE);
        let text = "{ members: [{ login: 'x' }] + [{ login: l } for l in ['a', 'b']] }";
        let value = json!({ "members": [{ "login": "x" }, { "login": "a" }, { "login": "b" }] });
        assert_eq!(
            at(text, &value, "/members/0/login").1.as_deref(),
            Some("'x'")
        );
        assert_eq!(at(text, &value, "/members/2/login"), NONE);
        let text =
            "local t = import 't.libsonnet';\nt.new('x') + t.members([t.lead('a'), t.lead('b')])";
        let value = json!({ "members": [{ "login": "a" }, { "login": "b" }] });
        assert_eq!(at(text, &value, "/members/1/login"), NONE);
        assert_eq!(at(text, &value, "/members/1").1.as_deref(), None);
        // A computed array before the literal one moves its indexes: confirmed, or nothing.
        let text = "{ d: s.base } + { d+: [{ n: 'b' }] }";
        let value = json!({ "d": [{ "n": "a" }, { "n": "b" }] });
        assert_eq!(at(text, &value, "/d/1/n"), NONE);
        assert_eq!(at(text, &value, "/d/0/n"), NONE);
    }

    #[test]
    fn a_field_of_one_object_is_not_another_objects() {
        // An unknown top-level field is not the array member's field of the same name.
        let text = "{ members: [{ name: 'A' }], title: 'x' } + { name: 'x' }";
        let value = json!({ "members": [{ "name": "A" }], "title": "x", "name": "x" });
        let tree = Tree::parse(text);
        assert_eq!(tree.key(&value, "/title"), nth(text, "title", 0));
        assert_eq!(tree.key(&value, "/name"), nth(text, "name", 1));
        assert_eq!(tree.key(&value, "/members/0/name"), nth(text, "name", 0));
    }

    #[test]
    fn unparsed_files_give_nothing() {
        let tree = Tree::parse("{ a: ");
        assert_eq!(tree.value(&json!({ "a": 1 }), "/a"), None);
        assert_eq!(string("x = 'a'", "a"), Some(4..7));
    }

    /// Every value of every entity of the example registry: whatever is located is the value
    /// (a string literal of that string, a number of that number, a field of that name), and
    /// the helpers' named arguments and `dependsOn` lists are located.
    #[test]
    fn whatever_is_located_in_the_example_registry_is_right() {
        fn leaves(value: &Value, pointer: String, out: &mut Vec<(String, Value)>) {
            match value {
                Value::Object(map) => {
                    for (key, value) in map {
                        leaves(value, crate::pointer::join(&pointer, key), out);
                    }
                }
                Value::Array(items) => {
                    for (index, value) in items.iter().enumerate() {
                        leaves(value, format!("{pointer}/{index}"), out);
                    }
                }
                _ => {}
            }
            out.push((pointer, value.clone()));
        }
        fn file(dir: &std::path::Path, stem: &str) -> Option<std::path::PathBuf> {
            for entry in std::fs::read_dir(dir).ok()?.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    if let Some(found) = file(&path, stem) {
                        return Some(found);
                    }
                } else if path.file_name().and_then(|name| name.to_str())
                    == Some(&format!("{stem}.jsonnet"))
                {
                    return Some(path);
                }
            }
            None
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let blob: Value = serde_json::from_str(
            &std::fs::read_to_string(root.join("generated/registry.json")).unwrap(),
        )
        .unwrap();
        let (mut located, mut total) = (0, 0);
        let mut kinds_located = std::collections::BTreeSet::new();
        for kind in ["teams", "projects", "clusters", "services"] {
            for (name, entity) in blob[kind].as_object().unwrap() {
                let path = file(&root.join("registry").join(kind), name).unwrap();
                let text = std::fs::read_to_string(&path).unwrap();
                let tree = Tree::parse(&text);
                assert!(tree.root.is_some(), "{} is not parsed", path.display());
                let value = &entity["spec"];
                let mut all = Vec::new();
                leaves(value, String::new(), &mut all);
                for (pointer, leaf) in all {
                    total += 1;
                    let shown = format!("{}: {pointer}", path.display());
                    if let Some(range) = tree.value(value, &pointer) {
                        located += 1;
                        kinds_located.insert(pointer.split('/').nth(1).unwrap_or("").to_owned());
                        let written = &text[range];
                        let last = crate::pointer::segments(&pointer).last().unwrap();
                        let quoted = written.len() > 1
                            && (written.starts_with('\'') || written.starts_with('"'));
                        if quoted {
                            let string =
                                jrsonnet_ir::unescape::unescape(&written[1..written.len() - 1]);
                            assert_eq!(string.as_deref(), leaf.as_str(), "{shown}");
                        } else if let Ok(number) = written.parse::<f64>() {
                            assert_eq!(Some(number), leaf.as_f64(), "{shown}");
                        } else if !matches!(written, "{" | "[" | "true" | "false" | "null") {
                            // A value computed where its field is written: shown at the field.
                            assert_eq!(written, last, "{shown}");
                        }
                    }
                    if let Some(range) = tree.key(value, &pointer) {
                        let last = crate::pointer::segments(&pointer).last().unwrap();
                        let written = text[range].trim_matches(|c| c == '\'' || c == '"');
                        assert!(
                            last.parse::<usize>().is_ok() || written == last,
                            "{shown}: the key is {written}"
                        );
                    }
                }
            }
        }
        assert!(located * 20 > total, "{located} of {total} located");
        for field in ["owner", "dependsOn", "description", "tier"] {
            assert!(
                kinds_located.contains(field),
                "no `{field}` located: {kinds_located:?}"
            );
        }
    }
}
