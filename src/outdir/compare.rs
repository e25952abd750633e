//! What differs between the output directory and what the registry produces. Each file is
//! compared by reading at most one byte more than the expected content (a longer one, 64 KiB
//! more, for its diff); anything that is not a regular file is reported and never opened; a
//! stale file's diff is cut and escaped.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Read as _;
use std::os::fd::{AsFd as _, OwnedFd};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use super::index::{Hash, Index, Stamp, rendering};
use super::{Kind, Listing, Opened, Wanted, not_regular, open_file, shown_path};
use crate::Result;
use crate::diagnostic::{Code, Diagnostic, Location};
use crate::emit::{Known, OutputSet};
use crate::workspace::OutputDir;
use crate::{Error, atomic};

/// The files that are not as the registry would write them.
#[derive(Debug, Default)]
pub(crate) struct Drift {
    verbose: bool,
    /// Stale files and their diffs, ready to show: the first [`MAX_FILES`] by path, or every
    /// one with `--verbose`.
    stale: BTreeMap<String, String>,
    stale_count: usize,
    missing: Vec<String>,
    extra: Vec<(String, Kind)>,
    not_regular: BTreeMap<String, (Kind, Wanted)>,
}

/// A comparison of the output directory with outputs handed to it piece by piece.
pub(crate) struct Comparison<'a> {
    dir: &'a OutputDir,
    /// The open directory, under a shared lock; `None` when it does not exist.
    root: Option<OwnedFd>,
    listing: Listing,
    /// What the last comparison found in each file, to read only what may have changed.
    index: Index<'static>,
    /// The digest of what the outputs are rendered from.
    inputs: [u8; 32],
    /// Each file handed in, with the hash of its content.
    emitted: Mutex<Vec<(String, Hash)>>,
    /// Whether the files the index found again are what was rendered last, and need not be
    /// rendered again.
    vouched: AtomicBool,
    state: Mutex<(Drift, BTreeSet<String>)>,
}

impl<'a> Comparison<'a> {
    /// A comparison of `dir` with the outputs rendered from inputs of digest `inputs`.
    pub(crate) fn new(dir: &'a OutputDir, verbose: bool, inputs: &[u8; 32]) -> Result<Self> {
        let root = dir.open()?;
        let index = Index::load(crate::cache::get(), dir.path());
        let listing = match &root {
            Some(root) => {
                super::lock(root, dir, false)?;
                Listing::new(root.as_fd(), dir.shown(), !index.is_empty())?
            }
            None => Listing::default(),
        };
        Ok(Self {
            dir,
            root,
            listing,
            index,
            inputs: *inputs,
            emitted: Mutex::default(),
            vouched: AtomicBool::new(false),
            state: Mutex::new((
                Drift {
                    verbose,
                    ..Drift::default()
                },
                BTreeSet::new(),
            )),
        })
    }

    /// Whether the outputs need not be rendered to be compared: the last comparison rendered
    /// them from the same inputs, and the index vouches that each file still holds what they
    /// were. Then every file is the same, and nothing else need be handed in.
    pub(crate) fn unchanged(&self) -> bool {
        let Some(rendering) = crate::cache::get()
            .and_then(|cache| cache.read(&self.record_name()))
            .and_then(|payload| decode_record(&payload, &self.inputs).ok().flatten())
        else {
            return false;
        };
        // The listing takes a stamp only of a regular file it reached through directories,
        // never through a link: a file with a stamp has nothing in its way.
        let vouched = self.index.vouches(self.listing.stamps(), &rendering);
        self.vouched.store(vouched, Ordering::Relaxed);
        vouched
    }

    /// The cache file that records what was rendered for this directory.
    fn record_name(&self) -> String {
        super::index::cache_name("rendered", self.dir.path())
    }

    /// Compares each file of `part` with the one on disk.
    pub(crate) fn part(&self, part: OutputSet) -> Result<()> {
        for (path, file) in part.files {
            let hash = file.digest;
            let found = self.found(&path, &file.bytes, &hash)?;
            self.emitted
                .lock()
                .expect("no comparison panics")
                .push((path.clone(), hash));
            let mut state = self.state.lock().expect("no comparison panics");
            state.1.insert(path.clone());
            let drift = &mut state.0;
            match found {
                Found::Same => {}
                Found::Missing => drift.missing.push(path),
                Found::Not(at, kind, wanted) => {
                    drift.not_regular.insert(at, (kind, wanted));
                }
                Found::Different(old) => {
                    drift.stale_count += 1;
                    let shown = drift.verbose
                        || drift.stale.len() < MAX_FILES
                        || drift
                            .stale
                            .last_key_value()
                            .is_some_and(|(last, _)| path < *last);
                    if !shown {
                        continue;
                    }
                    let verbose = drift.verbose;
                    drop(state);
                    let diff = diff(
                        &old,
                        &file.bytes,
                        &shown_path(self.dir.shown(), &path),
                        verbose,
                    );
                    let mut state = self.state.lock().expect("no comparison panics");
                    let drift = &mut state.0;
                    drift.stale.insert(path, diff);
                    if !drift.verbose && drift.stale.len() > MAX_FILES {
                        drift.stale.pop_last();
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether the output directory holds each of `files` with its hash, as the index vouches
    /// by stat without reading it: if so, each is compared and the same, and nothing else of
    /// them need be handed in.
    pub(crate) fn known(&self, files: &[Known]) -> bool {
        let held = files.iter().all(|file| {
            self.listing.blocked(&file.path).is_none()
                && self.listing.get(&file.path) == Some(Kind::File)
                && self
                    .listing
                    .stamp(&file.path)
                    .is_some_and(|stamp| self.index.holds(&file.path, stamp, &file.digest))
        });
        if held {
            let mut emitted = self.emitted.lock().expect("no comparison panics");
            emitted.extend(files.iter().map(|file| (file.path.clone(), file.digest)));
            let mut state = self.state.lock().expect("no comparison panics");
            state.1.extend(files.iter().map(|file| file.path.clone()));
        }
        held
    }

    /// What is at `path`, compared with `bytes`, of hash `hash`.
    fn found(&self, path: &str, bytes: &[u8], hash: &Hash) -> Result<Found> {
        if let Some((at, kind)) = self.listing.blocked(path) {
            return Ok(Found::Not(at.to_owned(), kind, Wanted::Directory));
        }
        let Some(root) = &self.root else {
            return Ok(Found::Missing);
        };
        match self.listing.get(path) {
            None => Ok(Found::Missing),
            Some(Kind::File) => {
                if let Some(stamp) = self.listing.stamp(path)
                    && self.index.holds(path, stamp, hash)
                {
                    return Ok(Found::Same);
                }
                let error = |source: std::io::Error| Error::ReadFile {
                    path: self.dir.shown().to_owned().into(),
                    source,
                };
                match open_file(root.as_fd(), path).map_err(|errno| error(errno.into()))? {
                    Opened::Gone => Ok(Found::Missing),
                    Opened::Not(kind) => Ok(Found::Not(path.to_owned(), kind, Wanted::File)),
                    Opened::File(file) => {
                        let stamp = rustix::fs::fstat(&file).map(|stat| Stamp::of(&stat));
                        let mut reader = file.take(bytes.len() as u64 + 1);
                        let mut old = Vec::new();
                        reader.read_to_end(&mut old).map_err(error)?;
                        if old == bytes {
                            if let Ok(stamp) = stamp {
                                self.index.record(path, stamp, hash);
                            }
                            return Ok(Found::Same);
                        }
                        // Longer than it should be: a little more is read, only to show a
                        // diff that ends where the file does.
                        if old.len() > bytes.len() {
                            reader
                                .into_inner()
                                .take(DIFF_SLACK)
                                .read_to_end(&mut old)
                                .map_err(error)?;
                        }
                        Ok(Found::Different(old))
                    }
                }
            }
            Some(kind) => Ok(Found::Not(path.to_owned(), kind, Wanted::File)),
        }
    }

    /// What differs, once every output has been compared.
    pub(crate) fn finish(mut self) -> Drift {
        let record = self.record_name();
        let mut emitted = std::mem::take(self.emitted.get_mut().expect("no comparison panics"));
        if !emitted.is_empty()
            && let Some(cache) = crate::cache::get()
        {
            emitted.sort();
            let rendering = rendering(emitted.iter().map(|(path, hash)| (path.as_str(), hash)));
            cache.write(&record, &encode_record(&self.inputs, &rendering));
        }
        let (mut drift, seen) = std::mem::take(self.state.get_mut().expect("no comparison panics"));
        drift.extra = self.extra(&seen, &drift.not_regular);
        self.index.save();
        drift.missing.sort();
        drift
    }
}

impl Comparison<'_> {
    /// What the listing holds that no output is: neither `seen` nor vouched, not a directory,
    /// not a temporary file, not under a path that is `not_regular`.
    fn extra(
        &self,
        seen: &BTreeSet<String>,
        not_regular: &BTreeMap<String, (Kind, Wanted)>,
    ) -> Vec<(String, Kind)> {
        // What the index found again, in order of path, as the listing is.
        let mut kept = self
            .index
            .kept()
            .filter(|_| self.vouched.load(Ordering::Relaxed))
            .peekable();
        let mut vouched = |path: &str| {
            while kept.next_if(|kept| *kept < path).is_some() {}
            kept.peek() == Some(&path)
        };
        self.listing
            .iter()
            .filter(|(path, kind)| {
                // Asked of every path, in order, for the walk along `kept`.
                let vouched = vouched(path);
                !vouched
                    && !seen.contains(*path)
                    && *kind != Kind::Directory
                    && (!atomic::is_temporary(super::file_name(path)) || *kind == Kind::TooDeep)
                    && !not_regular
                        .keys()
                        .any(|blocked| path == blocked || path.starts_with(&format!("{blocked}/")))
            })
            .map(|(path, kind)| (path.to_owned(), kind))
            .collect()
    }
}

fn encode_record(inputs: &[u8; 32], rendering: &Hash) -> Vec<u8> {
    let mut out = crate::codec::Encoder::default();
    out.bytes(inputs).bytes(rendering);
    out.bytes
}

/// The digest of the files of a record of what was rendered (see [`rendering`]); `None` when
/// it was rendered from other inputs.
fn decode_record(payload: &[u8], inputs: &[u8; 32]) -> std::io::Result<Option<Hash>> {
    let mut input = crate::codec::Decoder::new(payload);
    if input.bytes()? != inputs {
        return Ok(None);
    }
    let rendering = input
        .bytes()?
        .try_into()
        .map_err(|_| crate::codec::malformed())?;
    input.end()?;
    Ok(Some(rendering))
}

/// What a generated file's path holds.
enum Found {
    Same,
    Different(Vec<u8>),
    Missing,
    /// Not a regular file (at the path, or a directory above it: `at`).
    Not(String, Kind, Wanted),
}

/// How many bytes past the expected size a stale file is read, for its diff.
const DIFF_SLACK: u64 = 64 << 10;

/// Lines of one file's diff shown without `--verbose`.
const MAX_DIFF_LINES: usize = 40;

/// Characters of one line of a diff shown without `--verbose`.
const MAX_LINE: usize = 200;

/// Files of each kind of drift reported one by one without `--verbose`; the rest are counted.
const MAX_FILES: usize = 20;

impl Drift {
    /// One diagnostic per drifting file, `dir` being the output directory as shown.
    pub(crate) fn diagnostics(&self, dir: &str) -> Vec<Diagnostic> {
        let limit = if self.verbose { usize::MAX } else { MAX_FILES };
        let mut diagnostics = Vec::new();
        for (path, diff) in &self.stale {
            let shown = shown_path(dir, path);
            diagnostics.push(
                Diagnostic::error(Code::GeneratedStale, format!("`{shown}` is stale"))
                    .primary(
                        Location::Output { path: shown },
                        "differs from what the registry produces",
                    )
                    .help("run `registry build` and commit the result")
                    .attachment(diff.clone()),
            );
        }
        for (path, (kind, wanted)) in self.not_regular.iter().take(limit) {
            diagnostics.push(not_regular(dir, path, *kind, *wanted));
        }
        for path in self.missing.iter().take(limit) {
            let shown = shown_path(dir, path);
            diagnostics.push(
                Diagnostic::error(Code::GeneratedMissing, format!("`{shown}` is missing"))
                    .primary(
                        Location::Output { path: shown },
                        "the registry produces this file",
                    )
                    .help("run `registry build` and commit the result"),
            );
        }
        for (path, kind) in self.extra.iter().take(limit) {
            let shown = shown_path(dir, path);
            let label = match kind {
                Kind::File => "not generated".to_owned(),
                Kind::TooDeep => format!("{}; not generated", kind.noun()),
                kind => format!("{}, never followed or opened; not generated", kind.noun()),
            };
            diagnostics.push(
                Diagnostic::error(
                    Code::GeneratedExtra,
                    format!("`{shown}` is not produced by the registry"),
                )
                .primary(Location::Output { path: shown }, label)
                .help(
                    "run `registry build` to remove files it generated before; remove others by \
                     hand",
                ),
            );
        }
        for (code, count, noun) in [
            (Code::GeneratedStale, self.stale_count, "stale files"),
            (
                Code::GeneratedNotRegular,
                self.not_regular.len(),
                "paths that are not regular files",
            ),
            (Code::GeneratedMissing, self.missing.len(), "missing files"),
            (Code::GeneratedExtra, self.extra.len(), "extra files"),
        ] {
            if count > limit {
                diagnostics.push(
                    Diagnostic::error(
                        code,
                        format!(
                            "{} more {noun} in `{}`",
                            count - limit,
                            crate::text::shown(dir, 300)
                        ),
                    )
                    .help("run `registry check --verbose` to list them all"),
                );
            }
        }
        diagnostics
    }
}

/// The unified diff of `old` (at most one byte longer than `new`) and `new`, each line
/// escaped, and without `verbose`, cut to its first lines and each line to its first
/// characters.
fn diff(old: &[u8], new: &[u8], shown: &str, verbose: bool) -> String {
    let diff = crate::text::unified_diff(old, new, shown);
    let width = if verbose { usize::MAX } else { MAX_LINE };
    let lines: Vec<String> = diff
        .lines()
        .take(if verbose { usize::MAX } else { MAX_DIFF_LINES })
        .map(|line| crate::text::shown(line, width))
        .collect();
    let total = diff.lines().count();
    let mut text = lines.join("\n");
    if total > lines.len() {
        let _ = write!(
            text,
            "\n… {} more lines of diff (`--verbose` shows them)",
            total - lines.len()
        );
    }
    if old.len() as u64 > new.len() as u64 + DIFF_SLACK {
        let _ = write!(
            text,
            "\n… the file on disk is longer: only its first {} bytes were read",
            old.len()
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::{DIFF_SLACK, Drift, MAX_DIFF_LINES, MAX_FILES, diff};

    #[test]
    fn a_long_diff_is_cut_and_says_how_much_is_left_out() {
        let new = (0..100).fold(String::new(), |mut text, line| {
            let _ = writeln!(text, "line {line}");
            text
        });
        let old = new.replace("line", "LINE");
        let whole = crate::text::unified_diff(old.as_bytes(), new.as_bytes(), "x");
        let total = whole.lines().count();
        assert!(total > MAX_DIFF_LINES);
        let cut = diff(old.as_bytes(), new.as_bytes(), "x", false);
        assert_eq!(cut.lines().count(), MAX_DIFF_LINES + 1, "{cut}");
        assert!(cut.ends_with(&format!(
            "\n… {} more lines of diff (`--verbose` shows them)",
            total - MAX_DIFF_LINES
        )));
        assert_eq!(
            diff(old.as_bytes(), new.as_bytes(), "x", true),
            whole.trim_end_matches('\n')
        );
        // Exactly as long as the cut: nothing is left out.
        let short = "a\n".repeat(MAX_DIFF_LINES - 3);
        let shorter = diff(b"", short.as_bytes(), "x", false);
        assert_eq!(shorter.lines().count(), MAX_DIFF_LINES, "{shorter}");
        assert!(!shorter.contains("more lines"), "{shorter}");
    }

    #[test]
    fn a_file_read_only_in_part_says_so() {
        let new = b"one\n";
        let slack = usize::try_from(DIFF_SLACK).unwrap();
        let note = "the file on disk is longer";
        // All of it was read, as far as the expected size and the slack go.
        let whole = [&new[..], &vec![b'x'; slack]].concat();
        assert!(!diff(&whole, new, "x", false).contains(note));
        // One byte more than the expected size, then the slack: the most ever read.
        let part = [&new[..], &vec![b'x'; slack + 1]].concat();
        assert!(diff(&part, new, "x", false).ends_with(&format!(
            "\n… {note}: only its first {} bytes were read",
            part.len()
        )));
    }

    #[test]
    fn drift_past_the_cap_is_counted_and_at_the_cap_is_not() {
        let paths = |count: usize| (0..count).map(|at| format!("f{at:02}")).collect();
        let counted = |drift: &Drift| {
            drift
                .diagnostics("generated")
                .iter()
                .filter(|diagnostic| diagnostic.message.contains(" more "))
                .map(|diagnostic| diagnostic.message.clone())
                .collect::<Vec<_>>()
        };
        let at_cap = Drift {
            missing: paths(MAX_FILES),
            ..Drift::default()
        };
        assert_eq!(at_cap.diagnostics("generated").len(), MAX_FILES);
        assert_eq!(counted(&at_cap), Vec::<String>::new());
        let past = Drift {
            missing: paths(MAX_FILES + 1),
            ..Drift::default()
        };
        assert_eq!(past.diagnostics("generated").len(), MAX_FILES + 1);
        assert_eq!(counted(&past), ["1 more missing files in `generated`"]);
    }
}
