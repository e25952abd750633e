//! What a compilation without a single problem found, kept in the cache under a digest of the
//! sources it read, so that `check` of a registry that has not changed compiles nothing: no
//! file is evaluated, validated, scanned or linked, and the outputs are compared from what was
//! rendered ([`crate::outdir::Comparison::unchanged`]). Every file under the root is still
//! read and hashed, so any change to any of them, even one that no evaluation reads, compiles
//! the registry again. A compilation with any problem, warnings included, is never kept.

use std::collections::BTreeSet;
use std::io;

use serde::Deserialize as _;

use super::Compilation;
use crate::cache::Cache;
use crate::codec::{Decoder, Encoder, malformed};
use crate::emit::{OutputFile, Target};
use crate::model::{Kind, Settings};
use crate::source::Sources;

/// The cache file: the one clean compilation last kept.
const FILE: &str = "compiled";

/// A clean compilation, recalled.
pub(crate) struct Clean {
    pub(crate) settings: Settings,
    /// How many entities of each kind the registry declares.
    pub(crate) counts: Vec<(Kind, usize)>,
    /// The digest of what the outputs are rendered from ([`Compilation::inputs`]).
    pub(crate) inputs: [u8; 32],
    /// CODEOWNERS as the registry produces it, when the settings ask for it.
    pub(crate) codeowners: Option<OutputFile>,
}

impl Clean {
    /// The clean compilation of the files of digest `key` ([`key`]), when `cache` keeps one.
    pub(crate) fn recall(cache: Option<&Cache>, key: &[u8; 32]) -> Option<Self> {
        let payload = cache?.read(FILE)?;
        decode(&payload, key).ok().flatten()
    }

    /// Keeps `compilation`, of the files of digest `key`, in `cache` when it found no problem
    /// at all, with `codeowners` as it produces them.
    pub(crate) fn remember(
        cache: Option<&Cache>,
        key: &[u8; 32],
        compilation: &Compilation,
        codeowners: Option<&OutputFile>,
    ) {
        let Some(cache) = cache else {
            return;
        };
        if !compilation.diagnostics().is_empty() {
            return;
        }
        let (Some(_), Some(counts)) = (compilation.graph(), compilation.counts()) else {
            return;
        };
        let mut out = Encoder::default();
        out.bytes(key)
            .str(&compilation.settings_json)
            .bytes(compilation.inputs())
            .len(counts.len());
        for (kind, count) in &counts {
            out.str(&kind.to_string()).len(*count);
        }
        match codeowners {
            Some(file) => {
                let Target::Codeowners { path } = &file.target else {
                    return;
                };
                out.u8(1).str(path).bytes(&file.bytes);
            }
            None => {
                out.u8(0);
            }
        }
        cache.write(FILE, &out.bytes);
    }
}

/// The digest of everything a compilation reads: the evaluation's context (this build and the
/// budget) and every file under the root, its path and what it holds.
pub(crate) fn key(sources: &Sources) -> [u8; 32] {
    use sha2::Digest as _;
    let mut hasher = sha2::Sha256::new();
    let mut field = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    field(crate::evaluate::context().as_bytes());
    let files: Vec<_> = sources.iter().map(|(_, file)| file).collect();
    let digests = crate::parallel::map(&files, &|file| file.content.digest());
    for (file, digest) in files.iter().zip(&digests) {
        field(file.path.as_bytes());
        field(digest);
    }
    hasher.finalize().into()
}

/// The compilation `payload` keeps, when it was kept under `key`.
fn decode(payload: &[u8], key: &[u8; 32]) -> io::Result<Option<Clean>> {
    let mut input = Decoder::new(payload);
    if input.bytes()? != key {
        return Ok(None);
    }
    let settings: serde_json::Value =
        serde_json::from_str(input.str()?).map_err(|_| malformed())?;
    let settings = Settings::deserialize(&settings).map_err(|_| malformed())?;
    let inputs: [u8; 32] = input.bytes()?.try_into().map_err(|_| malformed())?;
    let kinds = input.count(16)?;
    let mut counts = Vec::with_capacity(kinds);
    for _ in 0..kinds {
        let kind: Kind = input.str()?.parse().map_err(|_| malformed())?;
        counts.push((kind, input.len()?));
    }
    let codeowners = match input.u8()? {
        0 => None,
        1 => {
            let path = input.str()?.to_owned();
            let bytes = input.bytes()?.to_vec();
            Some(OutputFile::new(
                Target::Codeowners { path },
                bytes,
                BTreeSet::new(),
            ))
        }
        _ => return Err(malformed()),
    };
    input.end()?;
    Ok(Some(Clean {
        settings,
        counts,
        inputs,
        codeowners,
    }))
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::{Clean, FILE};
    use crate::cache::Cache;
    use crate::compilation::Compilation;
    use crate::source::{Content, SourceFile, Sources, read_dir};

    /// `sources` with `edit` made to their files.
    fn edited(sources: &Sources, edit: impl FnOnce(&mut Vec<SourceFile>)) -> Sources {
        let mut files: Vec<SourceFile> = sources
            .iter()
            .map(|(_, file)| SourceFile {
                path: file.path.clone(),
                content: file.content.clone(),
            })
            .collect();
        edit(&mut files);
        Sources::new("registry".to_owned(), files)
    }

    fn text(files: &mut [SourceFile], path: &str) -> String {
        let file = files.iter().find(|file| file.path == path).unwrap();
        let Content::Text(text) = &file.content else {
            panic!("{path} is not text");
        };
        text.to_string()
    }

    #[test]
    fn a_clean_compilation_is_recalled_only_for_the_very_same_files() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().join("cache"), 3);
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("registry");
        let sources = Arc::new(read_dir(&root).unwrap());
        let compilation = Compilation::new(Arc::clone(&sources)).unwrap();
        assert!(
            compilation.diagnostics().is_empty(),
            "{:?}",
            compilation.diagnostics()
        );
        let key = super::key(&sources);
        assert!(Clean::recall(Some(&cache), &key).is_none());
        let graph = compilation.graph().unwrap();
        let codeowners = crate::emit::codeowners(graph, &sources).expect("asked for");
        Clean::remember(None, &key, &compilation, Some(&codeowners));
        Clean::remember(Some(&cache), &key, &compilation, Some(&codeowners));

        let clean = Clean::recall(Some(&cache), &key).expect("kept");
        assert_eq!(&clean.inputs, compilation.inputs());
        assert_eq!(Some(clean.counts), compilation.counts());
        assert_eq!(
            clean.settings.generated_path,
            graph.registry.settings.generated_path
        );
        let recalled = clean.codeowners.expect("kept");
        assert_eq!(
            (recalled.target, recalled.bytes, recalled.digest),
            (codeowners.target, codeowners.bytes, codeowners.digest)
        );
        // The same files read again are the same registry.
        let again = read_dir(&root).unwrap();
        assert!(Clean::recall(Some(&cache), &super::key(&again)).is_some());

        // Any change to any file, whether an evaluation reads it or not, is another registry.
        let service = "services/catalog.jsonnet";
        let changes: Vec<(&str, Sources)> = vec![
            (
                "one byte of a service",
                edited(&sources, |files| {
                    let changed = text(files, service).replacen('a', "b", 1);
                    let file = files.iter_mut().find(|file| file.path == service).unwrap();
                    file.content = Content::Text(Arc::from(changed));
                }),
            ),
            (
                "the same bytes, not read as text",
                edited(&sources, |files| {
                    let bytes = text(files, service).into_bytes();
                    let file = files.iter_mut().find(|file| file.path == service).unwrap();
                    file.content = Content::Binary(Arc::from(bytes));
                }),
            ),
            (
                "a file nothing reads",
                edited(&sources, |files| {
                    files.push(SourceFile {
                        path: "notes.txt".to_owned(),
                        content: Content::Text(Arc::from("")),
                    });
                }),
            ),
            (
                "a file removed",
                edited(&sources, |files| files.retain(|file| file.path != service)),
            ),
            (
                "a file renamed",
                edited(&sources, |files| {
                    let file = files.iter_mut().find(|file| file.path == service).unwrap();
                    file.path = "services/katalog.jsonnet".to_owned();
                }),
            ),
        ];
        for (what, changed) in &changes {
            assert!(
                Clean::recall(Some(&cache), &super::key(changed)).is_none(),
                "{what}: recalled"
            );
        }

        // A compilation with a problem is never kept, and leaves the clean one in place.
        let broken = Arc::new(edited(&sources, |files| {
            files.push(SourceFile {
                path: "services/broken.jsonnet".to_owned(),
                content: Content::Text(Arc::from("{")),
            });
        }));
        let compilation = Compilation::new(Arc::clone(&broken)).unwrap();
        assert!(!compilation.diagnostics().is_empty());
        let broken_key = super::key(&broken);
        Clean::remember(Some(&cache), &broken_key, &compilation, None);
        assert!(Clean::recall(Some(&cache), &broken_key).is_none());
        assert!(Clean::recall(Some(&cache), &key).is_some());

        // A record cut short is not believed.
        let payload = cache.read(FILE).unwrap();
        cache.write(FILE, &payload[..payload.len() - 1]);
        assert!(Clean::recall(Some(&cache), &key).is_none());
    }
}
