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

/// The cache file of the syntax trees; the values are in [`SHARDS`] files beside it, named
/// after it, each file's by a hash of its path, so that an edit rewrites one of them.
const FILE: &str = "evaluation";

const SHARDS: usize = 16;

/// The shard that keeps the value of the file at `path`: FNV-1a, the same on every machine.
fn shard(path: &str) -> usize {
    let hash = path.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    usize::try_from(hash % SHARDS as u64).unwrap_or(0)
}

/// The cache file of shard `index`.
fn shard_file(index: usize) -> String {
    format!("{FILE}-{index:x}")
}

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
    /// Whether anything of each shard differs from what was read.
    dirty: [bool; SHARDS],
    /// Whether the syntax trees differ from what was read.
    trees_dirty: bool,
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
            dirty: [false; SHARDS],
            trees_dirty: false,
        };
        let Some(cache) = cache else {
            return memory;
        };
        // The trees' file last, after every shard: each read on every core.
        let files: Vec<String> = (0..SHARDS)
            .map(shard_file)
            .chain([FILE.to_owned()])
            .collect();
        let payloads = crate::parallel::map(&files, &|name| cache.read(name));
        for (index, payload) in payloads.into_iter().enumerate() {
            let Some(payload) = payload else {
                continue;
            };
            if index == SHARDS {
                // A file from another build or budget is not an error: it is simply replaced.
                match decode_walks(&payload, &memory.context) {
                    Ok(Some(walks)) => memory.walks = walks,
                    _ => memory.trees_dirty = true,
                }
                continue;
            }
            match decode_records(&payload, &memory.context) {
                Ok(Some(records)) if records.keys().all(|path| shard(path) == index) => {
                    memory.records.extend(records);
                }
                _ => memory.dirty[index] = true,
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
        self.dirty[shard(&sources.file(file).path)] = true;
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
            self.trees_dirty = true;
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
        // A record whose value is neither kept nor given is of a file that failed since, and
        // one of a file that is gone is forgotten.
        let paths: HashSet<&str> = current
            .iter()
            .map(|&file| sources.file(file).path.as_str())
            .collect();
        let dirty = &mut self.dirty;
        self.records.retain(|path, record| {
            let kept = (record.value.is_some() || values.contains_key(path.as_str()))
                && paths.contains(path.as_str());
            if !kept {
                dirty[shard(path)] = true;
            }
            kept
        });
        let hashes: HashSet<Hash> = self.hashes.values().copied().collect();
        let walks = self.walks.len();
        self.walks.retain(|hash, _| hashes.contains(hash));
        if self.trees_dirty || self.walks.len() != walks {
            cache.write(FILE, &encode_walks(&self.context, &self.walks));
        }
        for (index, dirty) in self.dirty.iter().enumerate() {
            if *dirty {
                let records = self.records.iter().filter(|(path, _)| shard(path) == index);
                cache.write(
                    &shard_file(index),
                    &encode_records(&self.context, records, &values),
                );
            }
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

/// The payload of a shard's file: `records`, whose values are `values` for those that handed
/// theirs out.
fn encode_records<'r>(
    context: &str,
    records: impl Iterator<Item = (&'r String, &'r Record)>,
    values: &HashMap<&str, &str>,
) -> Vec<u8> {
    let mut out = Encoder::default();
    out.str(context);
    let mut records: Vec<(&String, &Record)> = records.collect();
    records.sort_by_key(|(path, _)| *path);
    out.len(records.len());
    for (path, record) in records {
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
    out.bytes
}

/// The payload of the trees' file.
fn encode_walks(context: &str, walks: &HashMap<Hash, Walk>) -> Vec<u8> {
    let mut out = Encoder::default();
    out.str(context);
    let mut hashes: Vec<&Hash> = walks.keys().collect();
    hashes.sort();
    out.len(hashes.len());
    for hash in hashes {
        out.bytes(hash);
        encode_imports(&mut out, &walks[hash].imports);
    }
    out.bytes
}

fn hash(input: &mut Decoder<'_>) -> io::Result<Hash> {
    input.bytes()?.try_into().map_err(|_| malformed())
}

/// The records of a shard's `payload`; `None` when it was written for another context.
fn decode_records(payload: &[u8], context: &str) -> io::Result<Option<HashMap<String, Record>>> {
    let mut input = Decoder::new(payload);
    if input.str()? != context {
        return Ok(None);
    }
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
    input.end()?;
    Ok(Some(records))
}

/// The syntax trees of `payload`; `None` when it was written for another context.
fn decode_walks(payload: &[u8], context: &str) -> io::Result<Option<HashMap<Hash, Walk>>> {
    let mut input = Decoder::new(payload);
    if input.str()? != context {
        return Ok(None);
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
    Ok(Some(walks))
}
