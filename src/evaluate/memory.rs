//! What evaluation keeps between runs, in the [`crate::cache`]: each file's value, with every
//! file it may have read (by content hash) and every import it resolved, and the syntax trees
//! found within the limits (by content hash). A value is used again only when each of those
//! files holds the same bytes, each import would find the same file today, and the library
//! paths, the evaluation budget and the build of the tool are the same; anything else is
//! evaluated afresh. Files that failed are never kept, so each failure is found again.

use std::collections::{HashMap, HashSet};
use std::io;

use super::Resolution;
use super::resolver::{Answer, answer};
use super::syntax::{Verdict, Walk};
use super::wire::{decode_imports, encode_imports};
use crate::cache::Cache;
use crate::codec::{Decoder, Encoder, malformed};
use crate::source::{FileId, Sources};

/// The cache file evaluation keeps.
const FILE: &str = "evaluation";

type Hash = [u8; 32];

/// One file's value and what it was computed from.
struct Record {
    library_paths: Vec<String>,
    /// Every file it may have read, by path, with a hash of its content.
    reads: Vec<(String, Hash)>,
    /// Every import resolved on the way: importer, path asked, file found.
    imports: Vec<(String, String, Option<String>)>,
    /// The value, as compact JSON; `None` once handed out, until it is put back.
    value: Option<String>,
}

/// The values and syntax trees of the last run, and what this run adds to them.
/// Where each import resolves, by the importing file's directory and the path imported.
type Answers = HashMap<String, HashMap<String, Option<FileId>>>;

pub(super) struct Memory<'a> {
    cache: Option<&'a Cache>,
    context: String,
    records: HashMap<String, Record>,
    walks: HashMap<Hash, Walk>,
    hashes: HashMap<FileId, Hash>,
    /// Where each import, from a directory, resolves now, with the library paths it was
    /// resolved with: files of one directory import the same libraries.
    answers: (Vec<String>, Answers),
    /// Whether anything differs from what was read.
    changed: bool,
}

impl<'a> Memory<'a> {
    /// What `cache` holds for runs within `limits`; empty without a cache.
    pub(super) fn load(cache: Option<&'a Cache>, limits: Option<super::Limits>) -> Self {
        let context = context(limits);
        let mut memory = Self {
            cache,
            context,
            records: HashMap::new(),
            walks: HashMap::new(),
            hashes: HashMap::new(),
            answers: (Vec::new(), HashMap::new()),
            changed: false,
        };
        if let Some(payload) = cache.and_then(|cache| cache.read(FILE)) {
            // A file from another build or budget is not an error: it is simply replaced.
            if let Ok(Some((records, walks))) = decode(&payload, &memory.context) {
                memory.records = records;
                memory.walks = walks;
            } else {
                memory.changed = true;
            }
        }
        memory
    }

    fn hash(&mut self, sources: &Sources, file: FileId) -> Hash {
        *self
            .hashes
            .entry(file)
            .or_insert_with(|| sources.file(file).content.digest())
    }

    /// The value of `file` evaluated with `library_paths`, and the imports it resolved, when
    /// nothing it was computed from has changed. The value is handed out, not copied: it is put
    /// back when the cache is written ([`Memory::save`]) or by [`Memory::put_back`].
    pub(super) fn value(
        &mut self,
        sources: &Sources,
        library_paths: &[String],
        file: FileId,
    ) -> Option<(String, Vec<Resolution>)> {
        let path = &sources.file(file).path;
        let record = self.records.get(path)?;
        if record.library_paths != library_paths || record.value.is_none() {
            return None;
        }
        let reads: Vec<(FileId, Hash)> = record
            .reads
            .iter()
            .map(|(path, hash)| Some((sources.get(path)?, *hash)))
            .collect::<Option<_>>()?;
        if self.answers.0 != library_paths {
            self.answers = (library_paths.to_vec(), HashMap::new());
        }
        let mut resolutions = Vec::with_capacity(record.imports.len());
        for (from, wanted, resolved) in &record.imports {
            let importer = sources.get(from)?;
            let directory = from.rsplit_once('/').map_or("", |(directory, _)| directory);
            let known = self
                .answers
                .1
                .get(directory)
                .and_then(|known| known.get(wanted));
            let found = if let Some(found) = known {
                *found
            } else {
                let found = match answer(sources, library_paths, directory, wanted) {
                    Answer::Found(found, _) => Some(found),
                    Answer::Escape | Answer::NotFound => None,
                };
                let known = self.answers.1.entry(directory.to_owned()).or_default();
                known.insert(wanted.clone(), found);
                found
            };
            if found.map(|found| &sources.file(found).path) != resolved.as_ref() {
                return None;
            }
            resolutions.push(Resolution {
                from: importer,
                path: wanted.clone(),
                resolved: found,
            });
        }
        for (read, hash) in reads {
            // Every Jsonnet file read must have its syntax tree kept too: the import check
            // reads it, and no tree is parsed outside an evaluation worker.
            if self.hash(sources, read) != hash
                || (super::imports::is_jsonnet(&sources.file(read).path)
                    && !self.walks.contains_key(&hash))
            {
                return None;
            }
        }
        let value = self.records.get_mut(path)?.value.take()?;
        Some((value, resolutions))
    }

    /// Puts back the value of `file` that [`Memory::value`] handed out.
    pub(super) fn put_back(&mut self, sources: &Sources, file: FileId, value: String) {
        if let Some(record) = self.records.get_mut(&sources.file(file).path) {
            record.value.get_or_insert(value);
        }
    }

    /// Keeps the value of `file`, evaluated with `library_paths`, having read `reads` and
    /// resolved `imports`; `None` for an entity file's, which [`Memory::save`] is given.
    pub(super) fn keep(
        &mut self,
        sources: &Sources,
        library_paths: &[String],
        file: FileId,
        value: Option<&str>,
        dependencies: &super::Dependencies,
    ) {
        if self.cache.is_none() {
            return;
        }
        let reads = dependencies
            .reads
            .iter()
            .map(|&read| (sources.file(read).path.clone(), self.hash(sources, read)))
            .collect();
        let imports = dependencies
            .imports
            .iter()
            .map(|resolution| {
                (
                    sources.file(resolution.from).path.clone(),
                    resolution.path.clone(),
                    resolution
                        .resolved
                        .map(|resolved| sources.file(resolved).path.clone()),
                )
            })
            .collect();
        self.records.insert(
            sources.file(file).path.clone(),
            Record {
                library_paths: library_paths.to_vec(),
                reads,
                imports,
                value: value.map(str::to_owned),
            },
        );
        self.changed = true;
    }

    /// The syntax tree of `file`, read within the limits by an earlier run.
    pub(super) fn walk(&mut self, sources: &Sources, file: FileId) -> Option<Walk> {
        if self.walks.is_empty() {
            return None;
        }
        let hash = self.hash(sources, file);
        let length = sources.text(file)?.len();
        self.walks
            .get(&hash)
            .filter(|walk| walk.imports.iter().all(|import| import.range.end <= length))
            .cloned()
    }

    /// Keeps `walk`, the syntax tree of `file`, if it was within the limits.
    pub(super) fn keep_walk(&mut self, sources: &Sources, file: FileId, walk: &Walk) {
        if self.cache.is_none() || walk.verdict != Verdict::Fine {
            return;
        }
        let hash = self.hash(sources, file);
        if let std::collections::hash_map::Entry::Vacant(entry) = self.walks.entry(hash) {
            entry.insert(walk.clone());
            self.changed = true;
        }
    }

    /// Writes what is kept, forgetting every file but `current` and every syntax tree no file
    /// of `sources` has: a cache never grows past the registry it serves. `values` are the
    /// entity files' values, for those handed out.
    pub(super) fn save(
        mut self,
        sources: &Sources,
        current: &HashSet<FileId>,
        values: &[(super::EntityFile, String)],
    ) {
        let Some(cache) = self.cache else {
            return;
        };
        let values: HashMap<&str, &str> = values
            .iter()
            .map(|(entity, json)| (sources.file(entity.file).path.as_str(), json.as_str()))
            .collect();
        // A record whose value is neither kept nor given is of a file that failed since.
        self.records
            .retain(|path, record| record.value.is_some() || values.contains_key(path.as_str()));
        let paths: HashSet<&str> = current
            .iter()
            .map(|&file| sources.file(file).path.as_str())
            .collect();
        let before = self.records.len();
        self.records.retain(|path, _| paths.contains(path.as_str()));
        let hashes: HashSet<Hash> = self.hashes.values().copied().collect();
        let walks = self.walks.len();
        self.walks.retain(|hash, _| hashes.contains(hash));
        if self.changed || self.records.len() != before || self.walks.len() != walks {
            cache.write(
                FILE,
                &encode(&self.context, &self.records, &self.walks, &values),
            );
        }
    }
}

/// What every record depends on besides its files: this build of the tool and the budget.
pub(super) fn context(limits: Option<super::Limits>) -> String {
    let budget = limits.map_or_else(String::new, |limits| {
        format!(
            "{} ms {} MiB",
            limits.timeout.as_millis(),
            limits.memory_mib
        )
    });
    format!("{}; {budget}", crate::cache::build())
}

/// The payload of the cache file; `values` are the values of records that handed theirs out.
fn encode(
    context: &str,
    records: &HashMap<String, Record>,
    walks: &HashMap<Hash, Walk>,
    values: &HashMap<&str, &str>,
) -> Vec<u8> {
    let mut out = Encoder::default();
    out.str(context);
    let mut paths: Vec<&String> = records.keys().collect();
    paths.sort();
    out.len(paths.len());
    for path in paths {
        let record = &records[path];
        out.str(path);
        out.len(record.library_paths.len());
        for library_path in &record.library_paths {
            out.str(library_path);
        }
        out.len(record.reads.len());
        for (read, hash) in &record.reads {
            out.str(read).bytes(hash);
        }
        out.len(record.imports.len());
        for (from, wanted, resolved) in &record.imports {
            out.str(from).str(wanted);
            match resolved {
                Some(resolved) => out.u8(1).str(resolved),
                None => out.u8(0),
            };
        }
        let value = record
            .value
            .as_deref()
            .or_else(|| values.get(path.as_str()).copied());
        out.str(value.unwrap_or_default());
    }
    let mut hashes: Vec<&Hash> = walks.keys().collect();
    hashes.sort();
    out.len(hashes.len());
    for hash in hashes {
        out.bytes(hash);
        encode_imports(&mut out, &walks[hash].imports);
    }
    out.bytes
}

type Decoded = (HashMap<String, Record>, HashMap<Hash, Walk>);

/// The records and walks of `payload`; `None` when it was written for another context.
fn decode(payload: &[u8], context: &str) -> io::Result<Option<Decoded>> {
    let mut input = Decoder::new(payload);
    if input.str()? != context {
        return Ok(None);
    }
    let hash = |input: &mut Decoder<'_>| -> io::Result<Hash> {
        input.bytes()?.try_into().map_err(|_| malformed())
    };
    let count = input.count(8)?;
    let mut records = HashMap::with_capacity(count);
    for _ in 0..count {
        let path = input.str()?.to_owned();
        let library_paths = (0..input.count(8)?)
            .map(|_| Ok(input.str()?.to_owned()))
            .collect::<io::Result<_>>()?;
        let reads = (0..input.count(48)?)
            .map(|_| Ok((input.str()?.to_owned(), hash(&mut input)?)))
            .collect::<io::Result<_>>()?;
        let imports = (0..input.count(17)?)
            .map(|_| {
                let from = input.str()?.to_owned();
                let wanted = input.str()?.to_owned();
                let resolved = match input.u8()? {
                    0 => None,
                    1 => Some(input.str()?.to_owned()),
                    _ => return Err(malformed()),
                };
                Ok((from, wanted, resolved))
            })
            .collect::<io::Result<_>>()?;
        let value = Some(input.str()?.to_owned());
        records.insert(
            path,
            Record {
                library_paths,
                reads,
                imports,
                value,
            },
        );
    }
    let count = input.count(48)?;
    let mut walks = HashMap::with_capacity(count);
    for _ in 0..count {
        let key = hash(&mut input)?;
        // Checked against the file's length when used: the file is not known here.
        let imports = decode_imports(&mut input, usize::MAX)?;
        walks.insert(
            key,
            Walk {
                verdict: Verdict::Fine,
                imports,
            },
        );
    }
    input.end()?;
    Ok(Some((records, walks)))
}
