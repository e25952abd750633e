//! The output directory: comparing it with an [`OutputSet`](crate::emit::OutputSet) (`check`),
//! and bringing it up to date (`build`). Everything in it is reached from the open directory
//! one component at a time, never through a symbolic link; only regular files are opened
//! (without blocking, and checked once open), and no read is longer than what is expected.
//! `build` holds an exclusive lock on the directory and `check` a shared one, so a check never
//! sees a build half done and two builds never interleave. Temporary files that a killed build
//! left are removed by the next build and never reported.

mod codeowners;
mod compare;
mod index;
mod manifest;
mod pieces;
mod write;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read as _};
use std::os::fd::{AsFd as _, BorrowedFd, OwnedFd};
use std::sync::{Arc, Condvar, Mutex};

use rustix::fs::{FileType, Mode, OFlags};
use rustix::io::Errno;

pub(crate) use codeowners::Codeowners;
pub(crate) use compare::Comparison;
pub(crate) use pieces::Recall;
pub(crate) use write::Writer;

use crate::diagnostic::{Code, Diagnostic, Location};
use crate::workspace::OutputDir;
use crate::{Error, Result};

/// What an entry of the output directory is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    File,
    Directory,
    Link,
    Fifo,
    Socket,
    Device,
    Other,
    /// A directory below [`MAX_DEPTH`], not looked into.
    TooDeep,
}

impl Kind {
    fn from_type(file_type: FileType) -> Self {
        match file_type {
            FileType::RegularFile => Self::File,
            FileType::Directory => Self::Directory,
            FileType::Symlink => Self::Link,
            FileType::Fifo => Self::Fifo,
            FileType::Socket => Self::Socket,
            FileType::CharacterDevice | FileType::BlockDevice => Self::Device,
            FileType::Unknown => Self::Other,
        }
    }

    pub(crate) fn noun(self) -> &'static str {
        match self {
            Self::File => "a regular file",
            Self::Directory => "a directory",
            Self::Link => "a symbolic link",
            Self::Fifo => "a FIFO",
            Self::Socket => "a socket",
            Self::Device => "a device",
            Self::Other => "not a regular file",
            Self::TooDeep => "a directory nested too deeply to look into",
        }
    }
}

/// What the registry puts at a path: a file, or a directory on the way to files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wanted {
    File,
    Directory,
}

/// The deepest level of directories listed; a directory deeper than this is not entered.
/// Generated files are at most five levels deep.
const MAX_DEPTH: usize = 16;

/// Every entry under the output directory, by `/`-separated path relative to it; nothing is
/// followed.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    /// What each entry is, with a regular file's stat when asked for.
    entries: BTreeMap<String, (Kind, Option<index::Stamp>)>,
}

impl Listing {
    /// Lists the open directory `dir`, `shown` for errors; with each regular file's stat, if
    /// `stamps`. Directories are listed on every core; an error is the one at the first path.
    fn new(dir: BorrowedFd<'_>, shown: &str, stamps: bool) -> Result<Self> {
        let fd = rustix::fs::openat(
            dir,
            ".",
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|errno| read_dir_error(shown, "", errno))?;
        let walk = Walk {
            shown,
            stamps,
            queue: Mutex::new(Queue {
                dirs: vec![Pending::Open(fd, String::new(), 1)],
                busy: 0,
            }),
            ready: Condvar::new(),
        };
        let threads = crate::parallel::threads();
        let mut found: Vec<Found> = std::thread::scope(|scope| {
            let workers: Vec<_> = (1..threads).map(|_| scope.spawn(|| walk.work())).collect();
            let mut found = vec![walk.work()];
            found.extend(
                workers
                    .into_iter()
                    .map(|worker| worker.join().expect("listing does not panic")),
            );
            found
        });
        if let Some((_, error)) = found
            .iter_mut()
            .flat_map(|found| found.errors.drain(..))
            .min_by(|(a, _), (b, _)| a.cmp(b))
        {
            return Err(error);
        }
        Ok(Self {
            entries: found.into_iter().flat_map(|found| found.entries).collect(),
        })
    }

    /// Each regular file whose stat the listing took, with it, in order of path.
    fn stamps(&self) -> impl Iterator<Item = (&str, &index::Stamp)> {
        self.entries
            .iter()
            .filter_map(|(path, (_, stamp))| Some((path.as_str(), stamp.as_ref()?)))
    }

    /// The stat of the regular file at `path`, when the listing took it.
    fn stamp(&self, path: &str) -> Option<&index::Stamp> {
        self.entries.get(path)?.1.as_ref()
    }

    fn get(&self, path: &str) -> Option<Kind> {
        self.entries.get(path).map(|(kind, _)| *kind)
    }

    /// The nearest path above `path` that is not a real directory, and what it is.
    fn blocked<'a>(&self, path: &'a str) -> Option<(&'a str, Kind)> {
        path.match_indices('/').find_map(|(index, _)| {
            let prefix = &path[..index];
            match self.get(prefix) {
                Some(Kind::Directory) | None => None,
                Some(kind) => Some((prefix, kind)),
            }
        })
    }

    fn iter(&self) -> impl Iterator<Item = (&str, Kind)> {
        self.entries
            .iter()
            .map(|(path, (kind, _))| (path.as_str(), *kind))
    }

    fn remove(&mut self, path: &str) {
        self.entries.remove(path);
    }
}

/// A listing in progress: the directories still to list, shared by the workers.
struct Walk<'a> {
    shown: &'a str,
    stamps: bool,
    queue: Mutex<Queue>,
    /// Signalled when a directory is queued or the last busy worker finishes.
    ready: Condvar,
}

struct Queue {
    /// Last in, first out, so a walk goes deep first and holds few directories open.
    dirs: Vec<Pending>,
    /// Workers listing a directory, which may queue more.
    busy: usize,
}

/// A directory to list: open (the top), or a name in its open parent.
enum Pending {
    Open(OwnedFd, String, usize),
    In(Arc<OwnedFd>, std::ffi::CString, String, usize),
}

/// What one worker found.
#[derive(Default)]
struct Found {
    entries: Vec<(String, (Kind, Option<index::Stamp>))>,
    errors: Vec<(String, Error)>,
}

impl Walk<'_> {
    /// Lists queued directories until none is left and no worker can queue more.
    fn work(&self) -> Found {
        let mut found = Found::default();
        while let Some(pending) = self.next() {
            let (fd, path, depth) = match pending {
                Pending::Open(fd, path, depth) => (fd, path, depth),
                Pending::In(parent, name, path, depth) => match open_dir_at(parent.as_fd(), &*name)
                {
                    Ok(fd) => {
                        found.entries.push((path.clone(), (Kind::Directory, None)));
                        (fd, path, depth)
                    }
                    // It changed under us: whatever it is now, it is not entered.
                    Err(Errno::LOOP | Errno::NOTDIR) => {
                        found.entries.push((path, (Kind::Other, None)));
                        self.done();
                        continue;
                    }
                    Err(Errno::NOENT) => {
                        self.done();
                        continue;
                    }
                    Err(errno) => {
                        found
                            .errors
                            .push((path.clone(), read_dir_error(self.shown, &path, errno)));
                        self.done();
                        continue;
                    }
                },
            };
            if let Err(error) = self.list(fd, &path, depth, &mut found.entries) {
                found.errors.push((path, error));
            }
            self.done();
        }
        found
    }

    /// The next directory to list, once there is one; `None` when the walk is over.
    fn next(&self) -> Option<Pending> {
        let mut queue = self.queue.lock().expect("listing does not panic");
        loop {
            if let Some(pending) = queue.dirs.pop() {
                queue.busy += 1;
                return Some(pending);
            }
            if queue.busy == 0 {
                return None;
            }
            queue = self.ready.wait(queue).expect("listing does not panic");
        }
    }

    /// One directory listed: wakes everyone if it was the last.
    fn done(&self) {
        let mut queue = self.queue.lock().expect("listing does not panic");
        queue.busy -= 1;
        if queue.busy == 0 && queue.dirs.is_empty() {
            self.ready.notify_all();
        }
    }

    /// Lists the directory `fd` at `prefix`, queueing its subdirectories.
    fn list(
        &self,
        fd: OwnedFd,
        prefix: &str,
        depth: usize,
        entries: &mut Vec<(String, (Kind, Option<index::Stamp>))>,
    ) -> Result<()> {
        let shown = self.shown;
        let mut dir =
            rustix::fs::Dir::new(fd).map_err(|errno| read_dir_error(shown, prefix, errno))?;
        let parent = Arc::new(
            dir.fd()
                .map_err(|errno| read_dir_error(shown, prefix, errno))?
                .try_clone_to_owned()
                .map_err(|error| Error::ReadDir {
                    path: std::path::Path::new(shown).join(prefix),
                    source: error,
                })?,
        );
        let mut subdirs = Vec::new();
        while let Some(entry) = dir.read() {
            let entry = entry.map_err(|errno| read_dir_error(shown, prefix, errno))?;
            let name = entry.file_name();
            if name == c"." || name == c".." {
                continue;
            }
            let path = join(prefix, &name.to_string_lossy());
            let mut kind = Kind::from_type(entry.file_type());
            if kind == Kind::Other {
                kind = rustix::fs::statat(&*parent, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW)
                    .map_or(Kind::Other, |stat| {
                        Kind::from_type(FileType::from_raw_mode(stat.st_mode))
                    });
            }
            if kind == Kind::Directory {
                if depth >= MAX_DEPTH {
                    kind = Kind::TooDeep;
                } else {
                    subdirs.push(Pending::In(
                        Arc::clone(&parent),
                        name.to_owned(),
                        path,
                        depth + 1,
                    ));
                    continue;
                }
            }
            let stamp = if self.stamps && kind == Kind::File {
                rustix::fs::statat(&*parent, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW)
                    .ok()
                    .filter(|stat| FileType::from_raw_mode(stat.st_mode) == FileType::RegularFile)
                    .map(|stat| index::Stamp::of(&stat))
            } else {
                None
            };
            entries.push((path, (kind, stamp)));
        }
        if !subdirs.is_empty() {
            let mut queue = self.queue.lock().expect("listing does not panic");
            queue.dirs.extend(subdirs);
            self.ready.notify_all();
        }
        Ok(())
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}/{name}")
    }
}

/// The file name of a `/`-separated path.
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn read_dir_error(shown: &str, path: &str, errno: Errno) -> Error {
    Error::ReadDir {
        path: std::path::Path::new(shown).join(path),
        source: errno.into(),
    }
}

/// Opens the directory `name` in `dir`, never through a symbolic link.
pub(crate) fn open_dir_at<P: rustix::path::Arg>(
    dir: BorrowedFd<'_>,
    name: P,
) -> rustix::io::Result<OwnedFd> {
    rustix::fs::openat(
        dir,
        name,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
}

/// The directory that holds `path` (`None`: `root` itself), opened one component at a time
/// without following a link, each missing one made (and flushed to its parent) when `create`.
fn open_parent(
    root: BorrowedFd<'_>,
    path: &str,
    create: bool,
) -> rustix::io::Result<Option<OwnedFd>> {
    let mut current: Option<OwnedFd> = None;
    let Some((parents, _)) = path.rsplit_once('/') else {
        return Ok(None);
    };
    for name in parents.split('/') {
        let dir = current.as_ref().map_or(root, |fd| fd.as_fd());
        let next = match open_dir_at(dir, name) {
            Err(Errno::NOENT) if create => {
                match rustix::fs::mkdirat(dir, name, Mode::from_raw_mode(0o777)) {
                    Ok(()) | Err(Errno::EXIST) => {}
                    Err(errno) => return Err(errno),
                }
                rustix::fs::fsync(dir)?;
                open_dir_at(dir, name)?
            }
            other => other?,
        };
        current = Some(next);
    }
    Ok(current)
}

/// What opening a file of the output directory found.
enum Opened {
    File(File),
    Not(Kind),
    Gone,
}

/// Opens the regular file at `path` under `root`: no link followed on the way or at the end,
/// no blocking on a FIFO, and checked to be a regular file once open.
fn open_file(root: BorrowedFd<'_>, path: &str) -> rustix::io::Result<Opened> {
    let parent = match open_parent(root, path, false) {
        Ok(parent) => parent,
        Err(Errno::NOENT) => return Ok(Opened::Gone),
        Err(Errno::LOOP | Errno::NOTDIR) => return Ok(Opened::Not(Kind::Other)),
        Err(errno) => return Err(errno),
    };
    let dir = parent.as_ref().map_or(root, |fd| fd.as_fd());
    let fd = match rustix::fs::openat(
        dir,
        file_name(path),
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC,
        Mode::empty(),
    ) {
        Ok(fd) => fd,
        Err(Errno::NOENT) => return Ok(Opened::Gone),
        Err(Errno::LOOP) => return Ok(Opened::Not(Kind::Link)),
        Err(Errno::NXIO) => return Ok(Opened::Not(Kind::Socket)),
        Err(errno) => return Err(errno),
    };
    let kind = Kind::from_type(FileType::from_raw_mode(rustix::fs::fstat(&fd)?.st_mode));
    Ok(match kind {
        Kind::File => Opened::File(File::from(fd)),
        kind => Opened::Not(kind),
    })
}

/// At most `max` bytes of `file`.
fn read_at_most(file: File, max: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    file.take(max).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// `dir/path` as shown to people: control characters escaped, length bounded.
fn shown_path(dir: &str, path: &str) -> String {
    crate::text::shown(&format!("{}/{path}", dir.trim_end_matches('/')), 300)
}

/// The diagnostic for something other than what the registry writes at `path`.
fn not_regular(dir: &str, path: &str, kind: Kind, wanted: Wanted) -> Diagnostic {
    let shown = shown_path(dir, path);
    let message = match wanted {
        Wanted::File => format!("`{shown}` is {}, not a regular file", kind.noun()),
        Wanted::Directory => format!(
            "`{shown}` is {} where the registry writes a directory",
            kind.noun()
        ),
    };
    Diagnostic::error(Code::GeneratedNotRegular, message)
        .primary(
            Location::Output { path: shown },
            "never followed, opened or printed",
        )
        .help("remove it and run `registry build`")
}

/// Takes the lock on the open output directory: exclusive for a build, shared for a check.
fn lock(dir: &OwnedFd, dir_shown: &OutputDir, exclusive: bool) -> Result<()> {
    let operation = if exclusive {
        rustix::fs::FlockOperation::LockExclusive
    } else {
        rustix::fs::FlockOperation::LockShared
    };
    loop {
        match rustix::fs::flock(dir, operation) {
            Ok(()) => return Ok(()),
            Err(Errno::INTR) => {}
            Err(errno) => {
                return Err(Error::ReadDir {
                    path: dir_shown.shown().into(),
                    source: errno.into(),
                });
            }
        }
    }
}
