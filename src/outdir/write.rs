//! Brings the output directory up to date, under an exclusive lock. First it removes the
//! temporary files a killed build left; then each changed file is recorded in the journal
//! (flushed), written to a temporary file in its own directory and renamed over the old one, so
//! a reader sees the old bytes or the new, never a mix. Once every other file is written, the
//! files earlier builds recorded and this one no longer produces are removed, but only those
//! still byte for byte what a build wrote; then the manifest is written, and the journal goes.
//! A kill at any point leaves every file old or new, and the next build finishes the work.
//! Nothing is ever followed: a symbolic link or anything but a regular file where a file goes
//! is reported and left alone, and nothing outside the directory is written or removed.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::fs::File;
use std::io::{Read as _, Write as _};
use std::os::fd::{AsFd as _, BorrowedFd, OwnedFd};
use std::sync::Mutex;

use rustix::fs::{AtFlags, Mode, OFlags};
use rustix::io::Errno;

use super::manifest::{JOURNAL, MAX_SIZE, Record, Recorded, is_relative, journal_line};
use super::{Kind, Listing, Opened, Wanted, file_name, not_regular, open_file, open_parent};
use super::{read_at_most, shown_path};
use crate::diagnostic::{Code, Diagnostic, Location, list};
use crate::emit::{MANIFEST, OutputFile, OutputSet};
use crate::workspace::OutputDir;
use crate::{Error, Result, atomic};

/// What a build did.
#[derive(Debug, Default)]
pub(crate) struct Written {
    pub(crate) files: Vec<String>,
    pub(crate) removed: Vec<String>,
    pub(crate) unchanged: usize,
    /// What it could not do, and what it kept.
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// Brings the output directory up to date with outputs handed to it piece by piece.
pub(crate) struct Writer<'a> {
    dir: &'a OutputDir,
    /// The open directory, under an exclusive lock until the writer is dropped.
    root: OwnedFd,
    listing: Listing,
    /// What earlier builds recorded: the manifest and any journal a killed build left.
    previous: Recorded,
    /// Whether a journal was there, or has been made: a complete build removes it.
    journal: Mutex<(bool, Option<File>)>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    written: Written,
    /// Every path produced, to know which earlier files are gone.
    produced: BTreeSet<String>,
    /// Paths already reported as not regular.
    reported: BTreeSet<String>,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(dir: &'a OutputDir) -> Result<Self> {
        let root = dir.create()?;
        super::lock(&root, dir, true)?;
        let mut listing = Listing::new(root.as_fd(), dir.shown(), false)?;
        let mut writer = Self {
            dir,
            root,
            listing: Listing::default(),
            previous: Recorded::default(),
            journal: Mutex::new((false, None)),
            state: Mutex::default(),
        };
        writer.sweep(&mut listing)?;
        writer.listing = listing;
        writer.previous = writer.recorded()?;
        Ok(writer)
    }

    /// Removes the temporary files of killed builds (never a directory), keeping the journal.
    fn sweep(&mut self, listing: &mut Listing) -> Result<()> {
        let temporary: Vec<(String, Kind)> = listing
            .iter()
            .filter(|(path, kind)| {
                atomic::is_temporary(file_name(path))
                    && !matches!(kind, Kind::Directory | Kind::TooDeep)
            })
            .map(|(path, kind)| (path.to_owned(), kind))
            .collect();
        for (path, kind) in temporary {
            if path == JOURNAL && kind == Kind::File {
                self.journal.get_mut().expect("no writer panics").0 = true;
                continue;
            }
            self.unlink(&path)?;
            listing.remove(&path);
        }
        Ok(())
    }

    /// The manifest and the journal, as read; problems with them become diagnostics.
    fn recorded(&mut self) -> Result<Recorded> {
        let mut recorded = Recorded::default();
        match self.listing.get(MANIFEST) {
            None => {}
            Some(Kind::File) => match self.read(MANIFEST)? {
                Some(bytes) => recorded.manifest(&bytes),
                None => {
                    recorded.problem = Some(format!("is larger than {} MiB", MAX_SIZE >> 20));
                }
            },
            Some(kind) => recorded.problem = Some(format!("is {}", kind.noun())),
        }
        let mut journal = Recorded::default();
        if self.journal.get_mut().expect("no writer panics").0
            && let Some(bytes) = self.read(JOURNAL)?
        {
            journal.journal(&bytes);
        }
        let manifest = shown_path(self.dir.shown(), MANIFEST);
        let mut diagnostics = Vec::new();
        if let Some(problem) = &recorded.problem {
            diagnostics.push(kept(
                &manifest,
                format!("`{manifest}` {problem}, so nothing it lists was removed"),
            ));
        }
        for (shown, refused) in [
            (manifest, &recorded.refused),
            (shown_path(self.dir.shown(), JOURNAL), &journal.refused),
        ] {
            if let Some(diagnostic) = refusal(&shown, refused) {
                diagnostics.push(diagnostic);
            }
        }
        for (path, records) in journal.files {
            recorded.files.entry(path).or_default().extend(records);
        }
        self.state
            .get_mut()
            .expect("no writer panics")
            .written
            .diagnostics
            .extend(diagnostics);
        Ok(recorded)
    }

    /// At most [`MAX_SIZE`] bytes of the regular file `path`; `None` when it is larger or is no
    /// longer a regular file.
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>> {
        let error = |errno: Errno| Error::ReadFile {
            path: shown_path(self.dir.shown(), path).into(),
            source: errno.into(),
        };
        let Opened::File(file) = open_file(self.root.as_fd(), path).map_err(error)? else {
            return Ok(None);
        };
        let bytes = read_at_most(file, MAX_SIZE + 1).map_err(|source| Error::ReadFile {
            path: shown_path(self.dir.shown(), path).into(),
            source,
        })?;
        Ok((bytes.len() as u64 <= MAX_SIZE).then_some(bytes))
    }

    /// Writes each file of `part` whose bytes differ from the file on disk. The manifest comes
    /// last, alone: before it is written, stale files are removed.
    pub(crate) fn part(&self, part: OutputSet) -> Result<()> {
        if part.files.contains_key(MANIFEST) {
            self.prune()?;
        }
        let mut changed = Vec::new();
        let mut unchanged = 0;
        let mut diagnostics = Vec::new();
        for (path, file) in &part.files {
            if !is_relative(path) {
                return Err(Error::OutsideOutput { path: path.into() });
            }
            match self.compare(path, &file.bytes)? {
                Found::Same => unchanged += 1,
                Found::Write => changed.push((path.as_str(), file)),
                Found::Not(at, kind, wanted) => {
                    if self
                        .state
                        .lock()
                        .expect("no writer panics")
                        .reported
                        .insert(at.clone())
                    {
                        diagnostics.push(not_regular(self.dir.shown(), &at, kind, wanted));
                    }
                }
            }
        }
        let journaled: Vec<(&str, &OutputFile)> = changed
            .iter()
            .copied()
            .filter(|(path, _)| *path != MANIFEST)
            .collect();
        self.journal(&journaled)?;
        let mut by_dir: BTreeMap<&str, Vec<(&str, &[u8])>> = BTreeMap::new();
        for (path, file) in &changed {
            let dir = path.rsplit_once('/').map_or("", |(dir, _)| dir);
            by_dir
                .entry(dir)
                .or_default()
                .push((path, file.bytes.as_slice()));
        }
        for files in by_dir.values() {
            self.replace(files)?;
        }
        let mut state = self.state.lock().expect("no writer panics");
        state
            .written
            .files
            .extend(changed.iter().map(|(path, _)| (*path).to_owned()));
        state.written.unchanged += unchanged;
        state.written.diagnostics.extend(diagnostics);
        state.produced.extend(part.files.into_keys());
        Ok(())
    }

    /// Whether `path` needs writing.
    fn compare(&self, path: &str, bytes: &[u8]) -> Result<Found> {
        if let Some((at, kind)) = self.listing.blocked(path) {
            return Ok(Found::Not(at.to_owned(), kind, Wanted::Directory));
        }
        match self.listing.get(path) {
            None => Ok(Found::Write),
            Some(Kind::File) => {
                let error = |source: std::io::Error| Error::ReadFile {
                    path: shown_path(self.dir.shown(), path).into(),
                    source,
                };
                match open_file(self.root.as_fd(), path).map_err(|errno| error(errno.into()))? {
                    Opened::Gone => Ok(Found::Write),
                    Opened::Not(kind) => Ok(Found::Not(path.to_owned(), kind, Wanted::File)),
                    Opened::File(file) => {
                        let old = read_at_most(file, bytes.len() as u64 + 1).map_err(error)?;
                        Ok(if old == bytes {
                            Found::Same
                        } else {
                            Found::Write
                        })
                    }
                }
            }
            Some(kind) => Ok(Found::Not(path.to_owned(), kind, Wanted::File)),
        }
    }

    /// Records `files` in the journal and flushes it, before any of them is written.
    fn journal(&self, files: &[(&str, &OutputFile)]) -> Result<()> {
        if files.is_empty() {
            return Ok(());
        }
        let error = |source: std::io::Error| Error::WriteFile {
            path: shown_path(self.dir.shown(), JOURNAL).into(),
            source,
        };
        let text: String = files
            .iter()
            .map(|(path, file)| {
                journal_line(path, &crate::emit::hex(&file.digest), file.bytes.len())
            })
            .collect();
        let mut journal = self.journal.lock().expect("no writer panics");
        if journal.1.is_none() {
            let fd = rustix::fs::openat(
                &self.root,
                JOURNAL,
                OFlags::WRONLY
                    | OFlags::APPEND
                    | OFlags::CREATE
                    | OFlags::NOFOLLOW
                    | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o666),
            )
            .map_err(|errno| error(errno.into()))?;
            rustix::fs::fsync(&self.root).map_err(|errno| error(errno.into()))?;
            *journal = (true, Some(File::from(fd)));
        }
        let file = journal.1.as_mut().expect("the journal is open");
        file.write_all(text.as_bytes()).map_err(error)?;
        file.sync_data().map_err(error)
    }

    /// Replaces each of `files`, all in one directory, making the directories on the way;
    /// then flushes that directory once.
    fn replace(&self, files: &[(&str, &[u8])]) -> Result<()> {
        let Some((first, _)) = files.first() else {
            return Ok(());
        };
        let error = |path: &str, source: std::io::Error| Error::WriteFile {
            path: shown_path(self.dir.shown(), path).into(),
            source,
        };
        let parent = open_parent(self.root.as_fd(), first, true).map_err(|errno| match errno {
            Errno::LOOP | Errno::NOTDIR => Error::OutsideOutput {
                path: shown_path(self.dir.shown(), first).into(),
            },
            errno => error(first, errno.into()),
        })?;
        let dir = parent.as_ref().map_or(self.root.as_fd(), |fd| fd.as_fd());
        for (path, bytes) in files {
            atomic::replace_at(dir, OsStr::new(file_name(path)), bytes)
                .map_err(|source| error(path, source))?;
        }
        rustix::fs::fsync(dir).map_err(|errno| error(first, errno.into()))
    }

    /// Removes the files earlier builds recorded that this one does not produce, each only
    /// while it is a regular file with the size and SHA-256 a build recorded.
    fn prune(&self) -> Result<()> {
        let produced = self
            .state
            .lock()
            .expect("no writer panics")
            .produced
            .clone();
        let mut removed = Vec::new();
        let mut diagnostics = Vec::new();
        for (path, records) in &self.previous.files {
            if path == MANIFEST || produced.contains(path) || atomic::is_temporary(file_name(path))
            {
                continue;
            }
            let shown = shown_path(self.dir.shown(), path);
            let why = match self.ours(path, records)? {
                Ours::Yes => {
                    self.unlink(path)?;
                    self.remove_empty_parents(path)?;
                    removed.push(path.clone());
                    continue;
                }
                Ours::Gone => continue,
                Ours::Changed => "it changed since `registry build` wrote it".to_owned(),
                Ours::Unhashed => "it was recorded without a hash, by an older build".to_owned(),
                Ours::Not(at, kind) if at == *path => format!("it is {} now", kind.noun()),
                Ours::Not(at, kind) => format!(
                    "`{}` on the way to it is {}",
                    shown_path(self.dir.shown(), &at),
                    kind.noun()
                ),
            };
            diagnostics.push(kept(
                &shown,
                format!(
                    "`{shown}` was not removed, though the registry no longer produces it: {why}"
                ),
            ));
        }
        let mut state = self.state.lock().expect("no writer panics");
        state.written.removed.extend(removed);
        state.written.diagnostics.extend(diagnostics);
        Ok(())
    }

    /// Whether the file at `path` is still what a build wrote there.
    fn ours(&self, path: &str, records: &[Record]) -> Result<Ours> {
        if let Some((at, kind)) = self.listing.blocked(path) {
            return Ok(Ours::Not(at.to_owned(), kind));
        }
        match self.listing.get(path) {
            None => return Ok(Ours::Gone),
            Some(Kind::File) => {}
            Some(kind) => return Ok(Ours::Not(path.to_owned(), kind)),
        }
        let error = |source: std::io::Error| Error::ReadFile {
            path: shown_path(self.dir.shown(), path).into(),
            source,
        };
        let file = match open_file(self.root.as_fd(), path).map_err(|errno| error(errno.into()))? {
            Opened::Gone => return Ok(Ours::Gone),
            Opened::Not(kind) => return Ok(Ours::Not(path.to_owned(), kind)),
            Opened::File(file) => file,
        };
        if records.iter().all(|record| record.sha256.is_none()) {
            return Ok(Ours::Unhashed);
        }
        let size = file.metadata().map_err(error)?.len();
        if !records.iter().any(|record| record.size == Some(size)) {
            return Ok(Ours::Changed);
        }
        let sha256 = digest(file, size).map_err(error)?;
        Ok(
            if records.iter().any(|record| {
                record.size == Some(size) && record.sha256.as_deref() == Some(&sha256)
            }) {
                Ours::Yes
            } else {
                Ours::Changed
            },
        )
    }

    /// Removes the file (never a directory) at `path` and flushes its directory.
    fn unlink(&self, path: &str) -> Result<()> {
        let error = |errno: Errno| Error::WriteFile {
            path: shown_path(self.dir.shown(), path).into(),
            source: errno.into(),
        };
        let parent = match open_parent(self.root.as_fd(), path, false) {
            Ok(parent) => parent,
            Err(Errno::NOENT) => return Ok(()),
            Err(errno) => return Err(error(errno)),
        };
        let dir = parent.as_ref().map_or(self.root.as_fd(), |fd| fd.as_fd());
        match rustix::fs::unlinkat(dir, file_name(path), AtFlags::empty()) {
            Ok(()) | Err(Errno::NOENT) => {}
            Err(errno) => return Err(error(errno)),
        }
        rustix::fs::fsync(dir).map_err(error)
    }

    /// Removes the directories above `path` that are left empty, flushing each parent.
    fn remove_empty_parents(&self, path: &str) -> Result<()> {
        let mut current = path;
        while let Some((dir, _)) = current.rsplit_once('/') {
            let error = |errno: Errno| Error::WriteFile {
                path: shown_path(self.dir.shown(), dir).into(),
                source: errno.into(),
            };
            let Ok(parent) = open_parent(self.root.as_fd(), dir, false) else {
                return Ok(());
            };
            let at: BorrowedFd<'_> = parent.as_ref().map_or(self.root.as_fd(), |fd| fd.as_fd());
            match rustix::fs::unlinkat(at, file_name(dir), AtFlags::REMOVEDIR) {
                Ok(()) => rustix::fs::fsync(at).map_err(error)?,
                Err(_) => return Ok(()),
            }
            current = dir;
        }
        Ok(())
    }

    /// Removes the journal once the manifest is written: the build is complete.
    pub(crate) fn finish(self) -> Result<Written> {
        let journaled = {
            let mut journal = self.journal.lock().expect("no writer panics");
            journal.1 = None;
            journal.0
        };
        if journaled {
            self.unlink(JOURNAL)?;
        }
        let mut written = self.state.into_inner().expect("no writer panics").written;
        written.files.sort();
        written.removed.sort();
        Ok(written)
    }
}

/// What a generated file's path holds, for a build.
enum Found {
    Same,
    Write,
    Not(String, Kind, Wanted),
}

/// Whether a recorded file is still what a build wrote.
enum Ours {
    Yes,
    Gone,
    Changed,
    Unhashed,
    Not(String, Kind),
}

/// The SHA-256 of at most `size` bytes of `file`, in lowercase hex, read in pieces.
fn digest(file: File, size: u64) -> std::io::Result<String> {
    use sha2::Digest as _;
    use std::fmt::Write as _;
    let mut hasher = sha2::Sha256::new();
    let mut reader = file.take(size);
    let mut buffer = vec![0; 64 << 10];
    loop {
        let read = reader.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        }))
}

fn plural(count: usize, noun: &str) -> String {
    format!("{count} {noun}{}", if count == 1 { "" } else { "s" })
}

/// The warning for paths a manifest or journal lists that are not inside the output directory.
fn refusal(shown: &str, refused: &[String]) -> Option<Diagnostic> {
    let count = refused.len();
    if count == 0 {
        return None;
    }
    let shown_paths: Vec<String> = refused
        .iter()
        .take(5)
        .map(|path| crate::text::shown(path, 100))
        .collect();
    let listed = if count > 5 {
        format!("`{}`, and {} more", shown_paths.join("`, `"), count - 5)
    } else {
        list(&shown_paths)
    };
    let (are, they) = if count == 1 {
        ("is", "it is")
    } else {
        ("are", "they are")
    };
    Some(kept(
        shown,
        format!(
            "`{shown}` lists {} that {are} not inside the output directory, so {they} \
             ignored: {listed}",
            plural(count, "path"),
        ),
    ))
}

/// A warning that a file was kept.
fn kept(shown: &str, message: String) -> Diagnostic {
    Diagnostic::new(
        Code::GeneratedKept,
        Code::GeneratedKept.default_severity(),
        message,
    )
    .primary(
        Location::Output {
            path: shown.to_owned(),
        },
        "kept as it is",
    )
    .help("remove it by hand if it is not needed")
}
