//! The cache directory: what one run keeps for the next, so that files that have not changed
//! are not evaluated again. On by default, at `.registry-cache` beside the registry root (as
//! `generated/` is), or wherever `REGISTRY_CACHE_DIR` says; `--no-cache` turns it off.
//!
//! Nothing in it is believed without proof that this user's runs wrote it: every file carries
//! an HMAC-SHA-256 tag under a key kept in the user's own cache directory
//! (`$XDG_CACHE_HOME/registry/key`, else `~/.cache/registry/key`), so a cache committed to the
//! repository, planted by a pull request or copied from another machine is ignored, never
//! trusted. Files are opened without following a symbolic link, only when regular, and read to
//! a bound; each is replaced atomically, so two runs sharing the directory leave one or the
//! other's whole file. A file that cannot be used is a warning and is rebuilt; a cache can make
//! a run faster, never change what it finds.

use std::ffi::OsStr;
use std::io::Read as _;
use std::os::fd::{AsFd as _, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use hmac::{Hmac, Mac as _};
use rustix::fs::{FileType, Mode, OFlags};
use sha2::Sha256;

/// The cache directory's name beside the registry root.
const DEFAULT_NAME: &str = ".registry-cache";

/// What every cache file starts with.
const MAGIC: &[u8; 16] = b"registry-cache\x00\x01";

/// The largest cache file read.
const MAX_FILE_SIZE: u64 = 2 << 30;

/// The length of the key and of a tag.
const KEY_LENGTH: usize = 32;

/// A cache directory in use.
#[derive(Debug)]
pub(crate) struct Cache {
    dir: PathBuf,
    key: [u8; KEY_LENGTH],
}

/// The cache directory of this process: set once by the command line; unset, nothing is
/// cached.
static DIR: OnceLock<PathBuf> = OnceLock::new();

/// The cache in use, opened on first use.
static CACHE: OnceLock<Option<Cache>> = OnceLock::new();

/// Caches in `dir` from now on.
pub(crate) fn use_dir(dir: PathBuf) {
    let _ = DIR.set(dir);
}

/// The cache of this process, if any: none without a directory, nor without this user's key
/// (a process with neither `XDG_CACHE_HOME` nor `HOME` has no key, and keeps no cache).
pub(crate) fn get() -> Option<&'static Cache> {
    CACHE
        .get_or_init(|| {
            let dir = DIR.get()?;
            match key() {
                Ok(Some(key)) => Some(Cache {
                    dir: dir.clone(),
                    key,
                }),
                Ok(None) => None,
                Err(reason) => {
                    warn(&format!("no cache is kept: {reason}"));
                    None
                }
            }
        })
        .as_ref()
}

/// This build of the tool, as far as a cache can tell: its version, and the size and time of
/// its executable. Everything kept depends on it.
pub(crate) fn build() -> &'static str {
    static BUILD: OnceLock<String> = OnceLock::new();
    BUILD.get_or_init(|| {
        let executable = std::env::current_exe()
            .and_then(std::fs::metadata)
            .map(|metadata| {
                use std::os::unix::fs::MetadataExt as _;
                format!(
                    "{} {}.{}",
                    metadata.len(),
                    metadata.mtime(),
                    metadata.mtime_nsec()
                )
            })
            .unwrap_or_default();
        format!("registry {} ({executable})", env!("CARGO_PKG_VERSION"))
    })
}

/// Where the cache goes for a registry at `root` unless `REGISTRY_CACHE_DIR` says otherwise:
/// beside the root, as `generated/` is; for a root at the top of its repository, where beside
/// it is outside, in the user's cache directory, one per root.
pub(crate) fn default_dir(root: &Path) -> Option<PathBuf> {
    let root = std::fs::canonicalize(root).ok()?;
    let top = git2::Repository::discover(&root)
        .ok()
        .and_then(|repository| std::fs::canonicalize(repository.workdir()?).ok());
    match (root.parent(), top) {
        (Some(parent), Some(top)) if parent.starts_with(&top) => Some(parent.join(DEFAULT_NAME)),
        _ => {
            let digest = crate::emit::sha256(root.as_os_str().as_encoded_bytes());
            Some(user_dir()?.join("roots").join(crate::text::short(&digest)))
        }
    }
}

/// The user's own cache directory for this tool.
fn user_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .filter(|dir| Path::new(dir).is_absolute())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|home| Path::new(home).is_absolute())
                .map(|home| PathBuf::from(home).join(".cache"))
        })
        .map(|base| base.join("registry"))
}

impl Cache {
    /// A cache in `dir` under `key`, for tests.
    #[cfg(test)]
    pub(crate) fn at(dir: PathBuf, key: u8) -> Self {
        Self {
            dir,
            key: [key; KEY_LENGTH],
        }
    }

    /// The payload of cache file `name`, if it exists and this user's runs wrote it; a warning
    /// when it exists but cannot be used.
    pub(crate) fn read(&self, name: &str) -> Option<Vec<u8>> {
        let shown = self.dir.join(name);
        match self.try_read(name) {
            Ok(payload) => payload,
            Err(reason) => {
                warn(&format!(
                    "the cache file `{}` is not used ({reason}); it is rebuilt",
                    shown.display()
                ));
                None
            }
        }
    }

    fn try_read(&self, name: &str) -> Result<Option<Vec<u8>>, String> {
        let dir = match open_dir(&self.dir) {
            Ok(dir) => dir,
            Err(rustix::io::Errno::NOENT) => return Ok(None),
            Err(error) => return Err(refusal(error)),
        };
        let file = match rustix::fs::openat(
            &dir,
            name,
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        ) {
            Ok(file) => file,
            Err(rustix::io::Errno::NOENT) => return Ok(None),
            Err(error) => return Err(refusal(error)),
        };
        let stat = rustix::fs::fstat(&file).map_err(|error| error.to_string())?;
        if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile {
            return Err("it is not a regular file".to_owned());
        }
        let size = u64::try_from(stat.st_size).unwrap_or(u64::MAX);
        if size > MAX_FILE_SIZE {
            return Err(format!("it is larger than {} MiB", MAX_FILE_SIZE >> 20));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        std::fs::File::from(file)
            .take(MAX_FILE_SIZE + 1)
            .read_to_end(&mut bytes)
            .map_err(|error| error.to_string())?;
        let header = MAGIC.len() + KEY_LENGTH;
        if bytes.len() < header || &bytes[..MAGIC.len()] != MAGIC {
            return Err("it is not a cache file of this version".to_owned());
        }
        let payload = &bytes[header..];
        if self
            .mac(name, payload)
            .verify_slice(&bytes[MAGIC.len()..header])
            .is_err()
        {
            return Err("it was not written by this user's runs, or it is damaged".to_owned());
        }
        bytes.drain(..header);
        Ok(Some(bytes))
    }

    /// Replaces cache file `name` with `payload`; a warning when it cannot.
    pub(crate) fn write(&self, name: &str, payload: &[u8]) {
        if let Err(reason) = self.try_write(name, payload) {
            warn(&format!(
                "the cache file `{}` could not be written: {reason}",
                self.dir.join(name).display()
            ));
        }
    }

    fn try_write(&self, name: &str, payload: &[u8]) -> Result<(), String> {
        let dir = match open_dir(&self.dir) {
            Ok(dir) => dir,
            Err(rustix::io::Errno::NOENT) => self.create()?,
            Err(error) => return Err(refusal(error)),
        };
        let tag = self.mac(name, payload).finalize().into_bytes();
        let mut bytes = Vec::with_capacity(MAGIC.len() + KEY_LENGTH + payload.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&tag);
        bytes.extend_from_slice(payload);
        crate::atomic::replace_volatile_at(dir.as_fd(), OsStr::new(name), &bytes)
            .map_err(|error| error.to_string())
    }

    /// Makes the directory, with a `.gitignore` that keeps it out of git and a `CACHEDIR.TAG`
    /// that keeps it out of backups.
    fn create(&self) -> Result<OwnedFd, String> {
        match rustix::fs::mkdir(&self.dir, Mode::from_raw_mode(0o777)) {
            Ok(()) | Err(rustix::io::Errno::EXIST) => {}
            Err(error) => return Err(error.to_string()),
        }
        let dir = open_dir(&self.dir).map_err(refusal)?;
        for (name, text) in [
            (
                ".gitignore",
                "# Written by registry: a cache, never committed.\n*\n",
            ),
            (
                "CACHEDIR.TAG",
                "Signature: 8a477f597d28d172789f06886806bc55\n# A cache written by registry.\n",
            ),
        ] {
            crate::atomic::replace_volatile_at(dir.as_fd(), OsStr::new(name), text.as_bytes())
                .map_err(|error| error.to_string())?;
        }
        Ok(dir)
    }

    fn mac(&self, name: &str, payload: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(MAGIC);
        mac.update(&(name.len() as u64).to_le_bytes());
        mac.update(name.as_bytes());
        mac.update(payload);
        mac
    }
}

/// Opens the cache directory itself, never through a symbolic link in its place.
fn open_dir(path: &Path) -> rustix::io::Result<OwnedFd> {
    rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
}

fn refusal(error: rustix::io::Errno) -> String {
    match error {
        rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR => {
            "it is reached through a symbolic link, or is not what a cache is".to_owned()
        }
        error => error.to_string(),
    }
}

/// This user's key: read from the user's cache directory, made there on first use; `None`
/// when the user has no cache directory.
fn key() -> Result<Option<[u8; KEY_LENGTH]>, String> {
    let Some(dir) = user_dir() else {
        return Ok(None);
    };
    let path = dir.join("key");
    let read = |path: &Path| -> Option<[u8; KEY_LENGTH]> {
        let file = rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .ok()?;
        let stat = rustix::fs::fstat(&file).ok()?;
        if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile
            || stat.st_mode & 0o077 != 0
        {
            return None;
        }
        let mut key = [0u8; KEY_LENGTH];
        std::fs::File::from(file).read_exact(&mut key).ok()?;
        Some(key)
    };
    if let Some(key) = read(&path) {
        return Ok(Some(key));
    }
    let mut key = [0u8; KEY_LENGTH];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut key))
        .map_err(|error| format!("no random key: {error}"))?;
    std::fs::create_dir_all(&dir)
        .map_err(|error| format!("cannot make `{}`: {error}", dir.display()))?;
    let dir_fd =
        open_dir(&dir).map_err(|error| format!("`{}`: {}", dir.display(), refusal(error)))?;
    // Written whole under a name of its own, then linked into place: a run that finds the key
    // finds all of it, and of runs making one at once, the first to link wins.
    let temporary = format!(".key-{}.tmp", std::process::id());
    let written = (|| -> std::io::Result<()> {
        use std::io::Write as _;
        let file = rustix::fs::openat(
            &dir_fd,
            temporary.as_str(),
            OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        )?;
        let mut file = std::fs::File::from(file);
        file.write_all(&key)?;
        file.sync_all()?;
        Ok(())
    })();
    let linked = written.and_then(|()| {
        rustix::fs::linkat(
            &dir_fd,
            temporary.as_str(),
            &dir_fd,
            "key",
            rustix::fs::AtFlags::empty(),
        )
        .map_err(std::io::Error::from)
    });
    let _ = rustix::fs::unlinkat(&dir_fd, temporary.as_str(), rustix::fs::AtFlags::empty());
    match linked {
        Ok(()) => Ok(Some(key)),
        // Another run made it first: use that one.
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            read(&path).map(Some).ok_or_else(|| {
                format!(
                    "`{}` is not a private regular file of this user",
                    path.display()
                )
            })
        }
        Err(error) => Err(format!("cannot make `{}`: {error}", path.display())),
    }
}

fn warn(message: &str) {
    use std::io::Write as _;
    let _ = writeln!(
        anstream::stderr(),
        "warning: {}",
        crate::text::shown(message, 400)
    );
}

#[cfg(test)]
mod tests {
    use super::Cache;

    fn cache(dir: &std::path::Path, key: u8) -> Cache {
        Cache::at(dir.join("cache"), key)
    }

    #[test]
    fn reads_back_only_what_its_key_signed() {
        let dir = tempfile::tempdir().unwrap();
        let mine = cache(dir.path(), 1);
        assert_eq!(mine.read("file"), None);
        mine.write("file", b"payload");
        assert_eq!(mine.read("file").as_deref(), Some(&b"payload"[..]));
        // Another key, another name, a flipped bit, a cut: never believed.
        assert_eq!(cache(dir.path(), 2).read("file"), None);
        std::fs::copy(
            dir.path().join("cache/file"),
            dir.path().join("cache/other"),
        )
        .unwrap();
        assert_eq!(mine.read("other"), None);
        let path = dir.path().join("cache/file");
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(mine.read("file"), None);
        std::fs::write(&path, &bytes[..20]).unwrap();
        assert_eq!(mine.read("file"), None);
        let ignore = std::fs::read_to_string(dir.path().join("cache/.gitignore")).unwrap();
        assert!(ignore.lines().any(|line| line == "*"), "{ignore}");
    }

    #[test]
    fn never_goes_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, dir.path().join("cache")).unwrap();
        let mine = cache(dir.path(), 1);
        mine.write("file", b"payload");
        assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
        // A link in the place of a file is not read either.
        std::fs::remove_file(dir.path().join("cache")).unwrap();
        mine.write("file", b"payload");
        std::fs::rename(dir.path().join("cache/file"), elsewhere.join("file")).unwrap();
        std::os::unix::fs::symlink(elsewhere.join("file"), dir.path().join("cache/file")).unwrap();
        assert_eq!(mine.read("file"), None);
        // Nor a FIFO, which would block a reader for ever: it is not opened for long.
        std::fs::remove_file(dir.path().join("cache/file")).unwrap();
        let status = std::process::Command::new("mkfifo")
            .arg(dir.path().join("cache/file"))
            .status()
            .unwrap();
        assert!(status.success());
        assert_eq!(mine.read("file"), None);
        // And the directory is never written through a FIFO in a file's place.
        mine.write("file", b"payload");
        assert_eq!(mine.read("file").as_deref(), Some(&b"payload"[..]));
    }
}
