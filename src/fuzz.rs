//! Entry points for the fuzz targets in `fuzz/`, and for the test that replays every input they
//! ever found at fault (`fuzz/regressions/<target>/`). Each takes arbitrary bytes, runs them
//! in this process through the stages a command runs, over a registry held in memory, and
//! must return, whatever the bytes: a problem in them is a diagnostic, never a panic. Nothing
//! is read from or written to disk.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::value::RawValue;

use crate::compilation::Compilation;
use crate::diagnostic::render::{self, Format, Options};
use crate::source::{Content, SETTINGS_FILE, SourceFile, Sources};
use crate::store::layout;

/// The registry every Jsonnet input joins: the example's settings and libraries, and a few
/// entities that link without a problem (a cluster that runs Argo CD and one it manages).
const BASE: &[(&str, &str)] = &[
    (SETTINGS_FILE, include_str!("../registry/registry.jsonnet")),
    (
        "lib/acme.libsonnet",
        include_str!("../registry/lib/acme.libsonnet"),
    ),
    (
        "lib/api.libsonnet",
        include_str!("../registry/lib/api.libsonnet"),
    ),
    (
        "lib/cluster.libsonnet",
        include_str!("../registry/lib/cluster.libsonnet"),
    ),
    (
        "lib/project.libsonnet",
        include_str!("../registry/lib/project.libsonnet"),
    ),
    (
        "lib/service.libsonnet",
        include_str!("../registry/lib/service.libsonnet"),
    ),
    (
        "lib/system.libsonnet",
        include_str!("../registry/lib/system.libsonnet"),
    ),
    (
        "lib/team.libsonnet",
        include_str!("../registry/lib/team.libsonnet"),
    ),
    (
        "teams/engineering.jsonnet",
        include_str!("../registry/teams/engineering.jsonnet"),
    ),
    (
        "teams/platform.jsonnet",
        include_str!("../registry/teams/platform.jsonnet"),
    ),
    (
        "projects/acme-dev.jsonnet",
        include_str!("../registry/projects/acme-dev.jsonnet"),
    ),
    (
        "projects/acme-prod.jsonnet",
        include_str!("../registry/projects/acme-prod.jsonnet"),
    ),
    (
        "clusters/prod-eu.jsonnet",
        include_str!("../registry/clusters/prod-eu.jsonnet"),
    ),
    (
        "clusters/dev-eu.jsonnet",
        include_str!("../registry/clusters/dev-eu.jsonnet"),
    ),
    ("ca/dev-eu.pem", include_str!("../registry/ca/dev-eu.pem")),
];

/// One file of the registry: the first line is its path under the root, the rest its content
/// (text when it is UTF-8). It joins [`BASE`], replacing the file of that path if there is
/// one; the whole registry is evaluated, validated, linked and emitted, and its diagnostics
/// rendered.
pub fn jsonnet(bytes: &[u8]) {
    let Some(newline) = bytes.iter().position(|&byte| byte == b'\n') else {
        return;
    };
    let Some(path) = path(&bytes[..newline]) else {
        return;
    };
    let content = &bytes[newline + 1..];
    let content = match std::str::from_utf8(content) {
        Ok(text) => Content::Text(Arc::from(text)),
        Err(_) => Content::Binary(Arc::from(content)),
    };
    let mut files: Vec<SourceFile> = BASE
        .iter()
        .filter(|(base, _)| *base != path)
        .map(|(base, text)| SourceFile {
            path: (*base).to_owned(),
            content: Content::Text(Arc::from(*text)),
        })
        .collect();
    files.push(SourceFile {
        path: path.to_owned(),
        content,
    });
    let Ok(compilation) = Compilation::new(Arc::new(Sources::new("registry".to_owned(), files)))
    else {
        return;
    };
    finish(&compilation);
}

/// A whole registry as data: a JSON object from each file's path to the value it holds. Each
/// file's text is the value as written in the input, taken as what it evaluates to, so the
/// bytes go through validation, linking and emission without jrsonnet; the diagnostics are
/// rendered against that text.
pub fn data(bytes: &[u8]) {
    let Ok(files) = serde_json::from_slice::<BTreeMap<String, Box<RawValue>>>(bytes) else {
        return;
    };
    let files = files
        .iter()
        .filter_map(|(path_text, value)| {
            Some(SourceFile {
                path: path(path_text.as_bytes())?.to_owned(),
                content: Content::Text(Arc::from(value.get())),
            })
        })
        .collect();
    if let Some(compilation) =
        Compilation::of_data(Arc::new(Sources::new("registry".to_owned(), files)))
    {
        finish(&compilation);
    }
}

/// The bytes as a store's objects: a publication record, `latest.json`, and a publication's
/// key, each parsed and checked as `fetch` and `publish` do. A record that parses must write
/// itself back to the same record, and `latest.json` that is accepted must be exactly what a
/// publisher writes.
pub fn publication(bytes: &[u8]) {
    if let Ok(record) = serde_json::from_slice::<layout::Record>(bytes) {
        let written = record.to_bytes();
        assert_eq!(
            layout::parse_record(&written, record.sequence),
            record.check(record.sequence).map(|()| record.clone()),
            "a record reads back as itself",
        );
        let _ = layout::verify(&record, bytes).map_err(|mismatch| mismatch.to_string());
    }
    if let Some(claim) = layout::claimed(bytes) {
        // The store holds the record that `latest.json` names, as a publisher wrote it.
        let stored = layout::parse_record(&claim.to_bytes(), claim.sequence);
        if let Ok(record) = stored
            && record == claim
            && let Ok(registry) = layout::carried(bytes, &record)
        {
            let mut blob = registry.to_vec();
            blob.push(b'\n');
            assert_eq!(
                layout::latest_bytes(&record, &blob),
                bytes,
                "accepted `latest.json` is what a publisher writes"
            );
        }
    }
    if let Ok(key) = std::str::from_utf8(bytes)
        && let Some(sequence) = layout::publication_sequence(key)
    {
        assert_eq!(
            layout::publication_key(sequence),
            key,
            "a key names one sequence"
        );
    }
}

/// `bytes` as a path under the registry root, as reading a directory gives one: UTF-8,
/// `/`-separated, each segment a plain name.
fn path(bytes: &[u8]) -> Option<&str> {
    let path = std::str::from_utf8(bytes).ok()?;
    (path.len() <= 255
        && path
            .split('/')
            .all(|segment| !matches!(segment, "" | "." | "..") && !segment.contains('\0')))
    .then_some(path)
}

/// What a command does with a compilation: render its diagnostics in every format, count its
/// entities, and render every output when it has no errors.
fn finish(compilation: &Compilation) {
    let sources = compilation.sources();
    for format in [Format::Human, Format::Concise, Format::Json, Format::Github] {
        for verbose in [false, true] {
            let options = Options {
                verbose,
                ..Options::default()
            };
            render::render(compilation.diagnostics(), sources, format, &options);
        }
    }
    let _ = compilation.counts();
    if let Some(graph) = compilation.graph() {
        let _ = crate::emit::everything(graph, sources);
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// A fuzz target's directory name and its entry point.
    type Target = (&'static str, fn(&[u8]));

    /// Every seed of every fuzz target, and every input a target found at fault, replayed
    /// through the same entry point: `fuzz/seeds/<target>/` and `fuzz/regressions/<target>/`.
    /// Each must return.
    #[test]
    fn seeds_and_regressions_return() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
        let targets: [Target; 3] = [
            ("jsonnet", super::jsonnet),
            ("data", super::data),
            ("publication", super::publication),
        ];
        for kept in ["seeds", "regressions"] {
            for entry in std::fs::read_dir(root.join(kept)).unwrap() {
                let dir = entry.unwrap().path();
                if !dir.is_dir() {
                    continue;
                }
                let name = dir.file_name().unwrap().to_string_lossy().into_owned();
                let (_, run) = targets
                    .iter()
                    .find(|(target, _)| *target == name)
                    .unwrap_or_else(|| panic!("`{kept}/{name}` is not a fuzz target"));
                let mut paths: Vec<_> = std::fs::read_dir(&dir)
                    .unwrap()
                    .map(|entry| entry.unwrap().path())
                    .collect();
                paths.sort();
                for path in paths {
                    run(&std::fs::read(&path).unwrap());
                }
            }
        }
    }

    /// The base registry, with one valid file added, compiles without a problem, so the
    /// targets reach linking and emission.
    #[test]
    fn base_registry_is_clean() {
        let sources = crate::source::Sources::new(
            "registry".to_owned(),
            super::BASE
                .iter()
                .map(|(path, text)| crate::source::SourceFile {
                    path: (*path).to_owned(),
                    content: crate::source::Content::Text(std::sync::Arc::from(*text)),
                })
                .collect(),
        );
        let compilation =
            crate::compilation::Compilation::new(std::sync::Arc::new(sources)).unwrap();
        assert!(
            compilation.graph().is_some(),
            "{:?}",
            compilation.diagnostics()
        );
    }
}
