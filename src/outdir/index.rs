//! The output directory's index, kept in the [`crate::cache`]: each generated file's size,
//! inode, modification and change times, with the hash of the content a comparison found there,
//! as git's index keeps them. A file whose stat is the same as when it was recorded holds the
//! content recorded, so `check` compares its hash with what the registry produces and does not
//! read it. A file is recorded only when its change time is over [`RACY`] old: a change made in
//! the same tick as the recording could leave the stat as it was, and such a file is read
//! again until its stat is settled. The index never decides that a file differs: a file that
//! does not match it is read.

use std::collections::BTreeMap;
use std::io;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use crate::cache::Cache;
use crate::codec::{Decoder, Encoder, malformed};

/// How old a file's last change must be for it to be recorded.
const RACY: Duration = Duration::from_secs(2);

/// What `stat` says of a regular file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Stamp {
    size: u64,
    inode: u64,
    device: u64,
    modified: (i64, i64),
    changed: (i64, i64),
}

impl Stamp {
    pub(super) fn of(stat: &rustix::fs::Stat) -> Self {
        Self {
            size: u64::try_from(stat.st_size).unwrap_or(u64::MAX),
            inode: stat.st_ino,
            device: stat.st_dev,
            modified: (
                stat.st_mtime,
                i64::try_from(stat.st_mtime_nsec).unwrap_or(0),
            ),
            changed: (
                stat.st_ctime,
                i64::try_from(stat.st_ctime_nsec).unwrap_or(0),
            ),
        }
    }

    /// Whether the file last changed long enough before `now` to be recorded.
    fn settled(&self, now: SystemTime) -> bool {
        let Ok(now) = now.duration_since(SystemTime::UNIX_EPOCH) else {
            return false;
        };
        let Some(limit) = now.checked_sub(RACY) else {
            return false;
        };
        let (seconds, nanos) = self.changed;
        u64::try_from(seconds)
            .is_ok_and(|seconds| Duration::new(seconds, u32::try_from(nanos).unwrap_or(0)) < limit)
    }
}

pub(super) type Hash = [u8; 32];

/// One file the index knows: its path, its stat, and the hash of what it held.
type Entry = (String, Stamp, Hash);

/// The index of one output directory, read at the start of a comparison and written at its
/// end.
pub(super) struct Index<'a> {
    cache: Option<&'a Cache>,
    name: String,
    started: SystemTime,
    /// What the last comparison found, sorted by path.
    known: Vec<Entry>,
    /// Which of `known` this comparison found again.
    kept: Vec<AtomicBool>,
    /// What this comparison read and found anew.
    fresh: Mutex<Vec<Entry>>,
}

impl<'a> Index<'a> {
    /// The index of the output directory at `path`, from `cache`; empty without one.
    pub(super) fn load(cache: Option<&'a Cache>, path: &std::path::Path) -> Self {
        let name = cache_name("outputs", path);
        let known = cache
            .and_then(|cache| cache.read(&name))
            .and_then(|payload| decode(&payload).ok())
            .unwrap_or_default();
        Self {
            cache,
            name,
            started: SystemTime::now(),
            kept: known.iter().map(|_| AtomicBool::new(false)).collect(),
            known,
            fresh: Mutex::default(),
        }
    }

    /// Whether there is anything to look up.
    pub(super) fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    /// Whether the file at `path`, as `stamp` describes it, is known to hold content of hash
    /// `hash`.
    pub(super) fn holds(&self, path: &str, stamp: &Stamp, hash: &Hash) -> bool {
        let Ok(at) = self
            .known
            .binary_search_by(|(known, ..)| known.as_str().cmp(path))
        else {
            return false;
        };
        let (_, known, known_hash) = &self.known[at];
        if known != stamp || known_hash != hash {
            return false;
        }
        self.kept[at].store(true, Ordering::Relaxed);
        true
    }

    /// Whether the files of `listed` (each path with its stat, in order of path) that the
    /// index knows by the same stat are, with the content it knows them by, exactly the files
    /// of the rendering of digest `rendering`; if so, each is found again.
    pub(super) fn vouches<'p>(
        &self,
        listed: impl Iterator<Item = (&'p str, &'p Stamp)>,
        rendering: &Hash,
    ) -> bool {
        let mut listed = listed.peekable();
        let mut found = Vec::new();
        let known = self
            .known
            .iter()
            .enumerate()
            .filter(|(_, (path, stamp, _))| {
                while listed
                    .next_if(|(listed, _)| *listed < path.as_str())
                    .is_some()
                {}
                listed
                    .peek()
                    .is_some_and(|(listed, listed_stamp)| listed == path && *listed_stamp == stamp)
            });
        let digest = self::rendering(known.map(|(at, (path, _, hash))| {
            found.push(at);
            (path.as_str(), hash)
        }));
        if digest != *rendering {
            return false;
        }
        for at in found {
            self.kept[at].store(true, Ordering::Relaxed);
        }
        true
    }

    /// The path of each file this comparison found again, in order.
    pub(super) fn kept(&self) -> impl Iterator<Item = &str> {
        self.known
            .iter()
            .zip(&self.kept)
            .filter(|(_, kept)| kept.load(Ordering::Relaxed))
            .map(|((path, ..), _)| path.as_str())
    }

    /// Records that the file at `path`, as `stamp` describes it, was read and holds content
    /// of hash `hash`.
    pub(super) fn record(&self, path: &str, stamp: Stamp, hash: &Hash) {
        if self.cache.is_some() && stamp.settled(self.started) {
            self.fresh
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push((path.to_owned(), stamp, *hash));
        }
    }

    /// Writes what this comparison found, when it differs from what was read.
    pub(super) fn save(self) {
        let Some(cache) = self.cache else {
            return;
        };
        let fresh = self
            .fresh
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let kept: Vec<bool> = self.kept.into_iter().map(AtomicBool::into_inner).collect();
        if fresh.is_empty() && kept.iter().all(|kept| *kept) {
            return;
        }
        let mut found: BTreeMap<&str, (&Stamp, &Hash)> = self
            .known
            .iter()
            .zip(&kept)
            .filter(|(_, kept)| **kept)
            .map(|((path, stamp, hash), _)| (path.as_str(), (stamp, hash)))
            .collect();
        found.extend(
            fresh
                .iter()
                .map(|(path, stamp, hash)| (path.as_str(), (stamp, hash))),
        );
        cache.write(&self.name, &encode(&found));
    }
}

/// The digest of a rendering: each file's path and the hash of its content, in order of path.
pub(super) fn rendering<'p>(files: impl Iterator<Item = (&'p str, &'p Hash)>) -> Hash {
    use sha2::Digest as _;
    let mut hasher = sha2::Sha256::new();
    for (path, hash) in files {
        hasher.update((path.len() as u64).to_le_bytes());
        hasher.update(path);
        hasher.update(hash);
    }
    hasher.finalize().into()
}

/// The name of the cache file `kind` keeps for the output directory at `path`.
pub(super) fn cache_name(kind: &str, path: &std::path::Path) -> String {
    let digest = crate::emit::sha256(path.as_os_str().as_encoded_bytes());
    format!("{kind}-{}", crate::text::short(&digest))
}

fn encode(entries: &BTreeMap<&str, (&Stamp, &Hash)>) -> Vec<u8> {
    let mut out = Encoder::default();
    out.len(entries.len());
    for (path, (stamp, hash)) in entries {
        out.str(path)
            .u64(stamp.size)
            .u64(stamp.inode)
            .u64(stamp.device)
            .i64(stamp.modified.0)
            .i64(stamp.modified.1)
            .i64(stamp.changed.0)
            .i64(stamp.changed.1)
            .bytes(*hash);
    }
    out.bytes
}

/// The entries `payload` holds, sorted by path, each once.
fn decode(payload: &[u8]) -> io::Result<Vec<Entry>> {
    let mut input = Decoder::new(payload);
    let count = input.count(8 + 7 * 8 + 8 + 32)?;
    let mut entries: Vec<Entry> = Vec::with_capacity(count);
    for _ in 0..count {
        let path = input.str()?.to_owned();
        let stamp = Stamp {
            size: input.u64()?,
            inode: input.u64()?,
            device: input.u64()?,
            modified: (input.i64()?, input.i64()?),
            changed: (input.i64()?, input.i64()?),
        };
        let hash: Hash = input.bytes()?.try_into().map_err(|_| malformed())?;
        if entries.last().is_some_and(|(last, ..)| *last >= path) {
            return Err(malformed());
        }
        entries.push((path, stamp, hash));
    }
    input.end()?;
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::{Index, Stamp, decode, encode, rendering};
    use crate::cache::Cache;
    use crate::emit::digest;

    fn stamp(changed: i64) -> Stamp {
        Stamp {
            size: 3,
            inode: 7,
            device: 1,
            modified: (changed, 5),
            changed: (changed, 5),
        }
    }

    /// A directory with an empty cache in it, and a time a minute ago, in seconds.
    fn fresh() -> (tempfile::TempDir, Cache, i64) {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().join("cache"), 3);
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        (dir, cache, i64::try_from(now).unwrap() - 60)
    }

    #[test]
    fn a_file_is_known_only_by_the_same_stat_and_content() {
        let (dir, cache, old) = fresh();
        let index = Index::load(Some(&cache), dir.path());
        assert!(index.is_empty());
        index.record("a.yaml", stamp(old), &digest(b"one"));
        // Changed a moment ago: its stat might not show a change made in the same tick.
        index.record("b.yaml", stamp(old + 60), &digest(b"two"));
        index.save();
        let index = Index::load(Some(&cache), dir.path());
        assert!(index.holds("a.yaml", &stamp(old), &digest(b"one")));
        assert!(!index.holds("a.yaml", &stamp(old), &digest(b"One")));
        assert!(!index.holds("a.yaml", &stamp(old + 1), &digest(b"one")));
        assert!(!index.holds("b.yaml", &stamp(old + 60), &digest(b"two")));
        // What a comparison found again is kept; what it did not find is forgotten.
        index.save();
        let index = Index::load(Some(&cache), dir.path());
        assert!(!index.is_empty());
        index.record("c.yaml", stamp(old), &digest(b"three"));
        index.save();
        let index = Index::load(Some(&cache), dir.path());
        assert!(index.holds("c.yaml", &stamp(old), &digest(b"three")));
        assert!(!index.holds("a.yaml", &stamp(old), &digest(b"one")));
        // Another directory has another index.
        assert!(Index::load(Some(&cache), &dir.path().join("elsewhere")).is_empty());
        let (early, late) = (stamp(old), stamp(old + 1));
        let entries = [("x", (&early, &[9; 32])), ("y", (&late, &[8; 32]))]
            .into_iter()
            .collect();
        assert_eq!(
            decode(&encode(&entries)).unwrap(),
            [
                ("x".to_owned(), early, [9; 32]),
                ("y".to_owned(), late, [8; 32])
            ]
        );
        assert!(decode(&encode(&entries)[..40]).is_err());
        // Out of order, or twice: not an index this tool wrote.
        let mut twice = encode(&entries);
        let second = twice.len() - (8 + 1 + 7 * 8 + 8 + 32);
        twice[second + 8] = b'x';
        assert!(decode(&twice).is_err());
        assert!(Stamp::settled(&stamp(old), SystemTime::now()));
        assert!(!Stamp::settled(
            &stamp(old),
            SystemTime::UNIX_EPOCH + Duration::from_secs(1)
        ));
    }

    #[test]
    fn a_rendering_is_vouched_for_only_by_each_of_its_files_with_the_same_stat_and_content() {
        let (dir, cache, old) = fresh();
        let index = Index::load(Some(&cache), dir.path());
        for (path, content) in [("a", "one"), ("b/c", "two"), ("d", "three")] {
            index.record(path, stamp(old), &digest(content.as_bytes()));
        }
        index.save();
        let (a, c) = (digest(b"one"), digest(b"two"));
        let two = rendering([("a", &a), ("b/c", &c)].into_iter());
        let (same, touched) = (stamp(old), stamp(old + 1));
        let vouches = |listed: &[(&str, &Stamp)], rendered: &[u8; 32]| {
            let index = Index::load(Some(&cache), dir.path());
            let vouched = index.vouches(listed.iter().copied(), rendered);
            (vouched, index.kept().map(str::to_owned).collect::<Vec<_>>())
        };
        // Exactly the rendering's files, as recorded (`d` is not on disk): each found again.
        assert_eq!(
            vouches(&[("a", &same), ("b", &same), ("b/c", &same)], &two),
            (true, vec!["a".to_owned(), "b/c".to_owned()])
        );
        // A file the rendering does not hold, known by its stat; one touched since; one gone;
        // another content: not vouched for, and nothing is found again.
        let no = (false, Vec::new());
        let listed = [("a", &same), ("b/c", &same), ("d", &same)];
        assert_eq!(vouches(&listed, &two), no);
        assert_eq!(vouches(&[("a", &same), ("b/c", &touched)], &two), no);
        assert_eq!(vouches(&[("b/c", &same)], &two), no);
        let other = rendering([("a", &a), ("b/c", &digest(b"Two"))].into_iter());
        assert_eq!(vouches(&[("a", &same), ("b/c", &same)], &other), no);
        // The order of paths is part of a rendering.
        assert_ne!(two, rendering([("b/c", &c), ("a", &a)].into_iter()));
        assert_ne!(two, rendering([("ab/", &c), ("c", &a)].into_iter()));
    }
}
