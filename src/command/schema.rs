//! `registry schema KIND`: the JSON Schema of a kind, of the settings, or of the blob, as it is
//! embedded in the binary, made self-contained (every file it refers to inlined under
//! `$defs/<file>`) so that an editor can use it without resolving anything.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::cli::SchemaArgs;
use crate::output::Output;
use crate::{Error, ExitStatus, Result};

/// The blob's schema, the contract for consumers (the others are the validator's).
const BLOB: &str = include_str!("../../schemas/registry.schema.json");

pub(super) fn run(args: &SchemaArgs, out: &mut Output) -> Result<ExitStatus> {
    out.print(&bundle(&args.kind)?);
    Ok(ExitStatus::Clean)
}

fn file(name: &str) -> Option<&'static str> {
    if name == "registry.schema.json" {
        return Some(BLOB);
    }
    crate::validate::SCHEMA_FILES
        .iter()
        .find(|(file, _)| *file == name)
        .map(|(_, text)| *text)
}

fn internal(message: String) -> Error {
    Error::Internal { message }
}

fn parse(name: &str) -> Result<Value> {
    let text = file(name).ok_or_else(|| internal(format!("no embedded schema `{name}`")))?;
    serde_json::from_str(text).map_err(|error| internal(format!("`{name}`: {error}")))
}

/// The schema of `kind` (`settings`, `registry` or a kind), self-contained, as pretty JSON
/// with a trailing newline.
pub(crate) fn bundle(kind: &str) -> Result<String> {
    let root = format!("{kind}.schema.json");
    let mut documents: BTreeMap<String, Value> = BTreeMap::new();
    let mut pending = vec![root.clone()];
    while let Some(name) = pending.pop() {
        if documents.contains_key(&name) {
            continue;
        }
        let document = parse(&name)?;
        let mut referred = Vec::new();
        files(&document, &mut referred);
        pending.extend(referred);
        documents.insert(name, document);
    }
    let mut schema = documents
        .remove(&root)
        .ok_or_else(|| internal(format!("no embedded schema `{root}`")))?;
    rewrite(&mut schema, &root, &root);
    let mut inlined = Map::new();
    for (name, mut document) in documents {
        if let Value::Object(fields) = &mut document {
            fields.remove("$id");
            fields.remove("$schema");
        }
        rewrite(&mut document, &name, &root);
        inlined.insert(name, document);
    }
    if !inlined.is_empty()
        && let Value::Object(fields) = &mut schema
    {
        let defs = fields
            .entry("$defs")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(defs) = defs {
            defs.extend(inlined);
        }
    }
    let mut text = serde_json::to_string_pretty(&schema)
        .map_err(|error| internal(format!("`{root}`: {error}")))?;
    text.push('\n');
    Ok(text)
}

/// The files a document's `$ref`s name.
fn files(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields {
                match field {
                    Value::String(target) if key == "$ref" => {
                        let file = target.split('#').next().unwrap_or_default();
                        if !file.is_empty() {
                            found.push(file.to_owned());
                        }
                    }
                    field => files(field, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| files(item, found)),
        _ => {}
    }
}

/// Where a file's content is in the bundle: the root itself, or `$defs/<file>`.
fn place(file: &str, root: &str) -> String {
    if file == root {
        "#".to_owned()
    } else {
        format!("#/$defs/{}", file.replace('~', "~0").replace('/', "~1"))
    }
}

/// Points every `$ref` of `document` (the file `name`) at its place in the bundle.
fn rewrite(value: &mut Value, name: &str, root: &str) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields.iter_mut() {
                match field {
                    Value::String(target) if key == "$ref" => {
                        let (file, fragment) = target.split_once('#').unwrap_or((target, ""));
                        let file = if file.is_empty() { name } else { file };
                        *target = format!("{}{fragment}", place(file, root));
                    }
                    field => rewrite(field, name, root),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| rewrite(item, name, root)),
        _ => {}
    }
}
