//! Where things live in a store, and the documents kept there. Everything under the target
//! URL:
//!
//! ```text
//! latest.json                          the newest publication, with the registry inline
//! publications/00000000000000000001.json   one record per publication, created exactly once
//! blobs/sha256/<hex>.json              the registry blobs, content-addressed, never rewritten
//! store.json                           the store's proven conditional-write support
//! ```

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The version of the publication documents' shape.
pub(crate) const PUBLICATION_API_VERSION: &str = "registry.dev/publication/v1";

pub(crate) const LATEST: &str = "latest.json";
pub(crate) const PUBLICATIONS: &str = "publications";
pub(crate) const STORE: &str = "store.json";

/// The key of the blob with this hash.
pub(crate) fn blob_key(sha256: &str) -> String {
    format!("blobs/sha256/{sha256}.json")
}

/// The key of publication `sequence`: zero-padded, so that names sort as numbers do.
pub(crate) fn publication_key(sequence: u64) -> String {
    format!("{PUBLICATIONS}/{sequence:020}.json")
}

/// The sequence number in a publication record's key, `None` for anything else.
pub(crate) fn publication_sequence(key: &str) -> Option<u64> {
    let name = key.strip_prefix(PUBLICATIONS)?.strip_prefix('/')?;
    let digits = name.strip_suffix(".json")?;
    (digits.len() == 20 && digits.bytes().all(|byte| byte.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// The lowercase hex SHA-256 of `bytes`.
pub(crate) fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// `digest` in lowercase hex.
pub(crate) fn hex(digest: &[u8]) -> String {
    use std::fmt::Write as _;
    digest
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// One publication: which commit's registry, which blob, when, by what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Record {
    pub(crate) api_version: String,
    pub(crate) sequence: u64,
    /// The full commit id the registry was read from.
    pub(crate) commit: String,
    /// The hex SHA-256 of the blob.
    pub(crate) sha256: String,
    /// The blob's key, relative to the target URL.
    pub(crate) blob: String,
    pub(crate) size: u64,
    /// The blob's own format version (`apiVersion` inside it).
    pub(crate) schema: String,
    /// RFC 3339, UTC.
    pub(crate) published_at: String,
    /// The tool and its version, `registry 0.1.0`.
    pub(crate) tool: String,
    /// The publication this one follows, `None` for the first.
    pub(crate) previous: Option<Previous>,
    /// Published with `--force`: not a descendant of the previous commit.
    pub(crate) forced: bool,
    /// Published with `--single-writer`: the store's conditional writes were not relied on.
    pub(crate) single_writer: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Previous {
    pub(crate) sequence: u64,
    pub(crate) commit: String,
}

impl Record {
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).expect("a record serializes");
        bytes.push(b'\n');
        bytes
    }
}

/// The most a publication record may be; one is about 600 bytes.
pub(crate) const MAX_RECORD: u64 = 64 << 10;

/// The most a blob may be: 1 GiB, about 130,000 services of the benchmark's size (78.6 MB at
/// 10,000). `publish` refuses a larger registry and `fetch` a larger object, so that no object
/// in a store can make either hold more than this in memory.
pub(crate) const MAX_BLOB: u64 = 1 << 30;

/// The most `latest.json` may be: a record and a blob.
pub(crate) const MAX_LATEST: u64 = MAX_BLOB + MAX_RECORD;

/// The most `store.json` and the probe's objects may be.
pub(crate) const MAX_FACTS: u64 = 64 << 10;

/// `size` as people read it: `64 KiB`, `1 GiB 64 KiB`, `1025 bytes`.
pub(crate) fn size(size: u64) -> String {
    let parts: Vec<String> = [(30, "GiB"), (20, "MiB"), (10, "KiB"), (0, "bytes")]
        .iter()
        .filter_map(|(shift, unit)| {
            let count = (size >> shift) % 1024;
            let count = if *shift == 30 { size >> shift } else { count };
            (count > 0).then(|| format!("{count} {unit}"))
        })
        .collect();
    if parts.is_empty() {
        "0 bytes".to_owned()
    } else {
        parts.join(" ")
    }
}

fn is_hex(text: &str, lengths: &[usize]) -> bool {
    lengths.contains(&text.len())
        && text
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
}

impl Record {
    /// Whether this is a record a publisher could have written as publication `sequence`: what
    /// a store holds is checked before anything in it is believed.
    pub(crate) fn check(&self, sequence: u64) -> Result<(), String> {
        if self.api_version != PUBLICATION_API_VERSION {
            return Err(format!(
                "its apiVersion is `{}`, not `{PUBLICATION_API_VERSION}`",
                crate::text::shown(&self.api_version, 64)
            ));
        }
        if self.sequence != sequence {
            return Err(format!("it names sequence number {}", self.sequence));
        }
        if sequence == 0 {
            return Err("sequence numbers start at 1".to_owned());
        }
        if !is_hex(&self.commit, &[40, 64]) {
            return Err("its commit is not a full lowercase commit id".to_owned());
        }
        if !is_hex(&self.sha256, &[64]) || self.blob != blob_key(&self.sha256) {
            return Err("its blob is not named by a lowercase SHA-256".to_owned());
        }
        if self.size > MAX_BLOB {
            return Err(format!(
                "its blob is {} bytes, more than the {} a blob may be",
                self.size,
                size(MAX_BLOB)
            ));
        }
        let follows = match &self.previous {
            None => sequence == 1,
            Some(previous) => {
                sequence > 1
                    && previous.sequence.checked_add(1) == Some(sequence)
                    && is_hex(&previous.commit, &[40, 64])
            }
        };
        if !follows {
            return Err(format!(
                "its `previous` is not publication #{}",
                sequence - 1
            ));
        }
        Ok(())
    }
}

/// The bytes of the record stored as publication `sequence`, parsed and checked; otherwise
/// why they are not one.
pub(crate) fn parse_record(bytes: &[u8], sequence: u64) -> Result<Record, String> {
    let record: Record = serde_json::from_slice(bytes).map_err(|error| error.to_string())?;
    record.check(sequence)?;
    Ok(record)
}

const LATEST_HEAD: &[u8] = b"{\"publication\":";
const LATEST_MIDDLE: &[u8] = b",\"registry\":";
const LATEST_TAIL: &[u8] = b"}\n";

/// `latest.json`: the newest record and, inline, the blob it names, so that a consumer reads
/// the registry in one request. The `registry` member is the blob byte for byte, less its
/// final newline.
pub(crate) fn latest_bytes(record: &Record, blob: &[u8]) -> Vec<u8> {
    let blob = blob.strip_suffix(b"\n").unwrap_or(blob);
    let mut bytes = LATEST_HEAD.to_vec();
    bytes.extend(serde_json::to_vec(record).expect("a record serializes"));
    bytes.extend(LATEST_MIDDLE);
    bytes.extend(blob);
    bytes.extend(LATEST_TAIL);
    bytes
}

/// The record `latest.json` claims to carry: only a claim, until [`carried`] checks the file
/// against the stored record of that number.
pub(crate) fn claimed(bytes: &[u8]) -> Option<Record> {
    let rest = bytes.strip_prefix(LATEST_HEAD)?;
    serde_json::Deserializer::from_slice(rest)
        .into_iter::<Record>()
        .next()?
        .ok()
}

/// The blob `latest.json` carries, less its final newline, when the file is exactly what a
/// publisher writes for `record`: that record, then the blob it names (its SHA-256 and size).
pub(crate) fn carried<'a>(bytes: &'a [u8], record: &Record) -> Result<&'a [u8], Mismatch> {
    let mut head = LATEST_HEAD.to_vec();
    head.extend(serde_json::to_vec(record).expect("a record serializes"));
    head.extend(LATEST_MIDDLE);
    let registry = bytes
        .strip_prefix(head.as_slice())
        .and_then(|rest| rest.strip_suffix(LATEST_TAIL))
        .ok_or(Mismatch::Record {
            sequence: record.sequence,
        })?;
    verify_parts(record, &[registry, b"\n"])?;
    Ok(registry)
}

/// How bytes differ from the record that names them.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Mismatch {
    #[error("its SHA-256 is {actual}, but publication #{sequence} says {expected}")]
    Hash {
        actual: String,
        expected: String,
        sequence: u64,
    },
    #[error("it is {actual} bytes, but publication #{sequence} says {expected}")]
    Size {
        actual: u64,
        expected: u64,
        sequence: u64,
    },
    #[error("it is not exactly what a publisher writes for publication #{sequence}")]
    Record { sequence: u64 },
}

/// Whether `blob` is the one `record` names.
pub(crate) fn verify(record: &Record, blob: &[u8]) -> Result<(), Mismatch> {
    verify_parts(record, &[blob])
}

/// Whether the blob made of `parts`, one after another, is the one `record` names.
fn verify_parts(record: &Record, parts: &[&[u8]]) -> Result<(), Mismatch> {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    verify_digest(
        record,
        &hex(&hasher.finalize()),
        parts.iter().map(|part| part.len() as u64).sum(),
    )
}

/// Whether a blob of this SHA-256 and size is the one `record` names.
pub(crate) fn verify_digest(record: &Record, actual: &str, size: u64) -> Result<(), Mismatch> {
    if actual != record.sha256 || record.blob != blob_key(&record.sha256) {
        return Err(Mismatch::Hash {
            actual: actual.to_owned(),
            expected: record.sha256.clone(),
            sequence: record.sequence,
        });
    }
    if size != record.size {
        return Err(Mismatch::Size {
            actual: size,
            expected: record.size,
            sequence: record.sequence,
        });
    }
    Ok(())
}

/// `store.json`: what a publisher proved about the store, so later ones need not again.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StoreFacts {
    pub(crate) api_version: String,
    /// A create of an existing key is refused.
    pub(crate) conditional_create: bool,
    /// An update with a stale version is refused.
    pub(crate) conditional_update: bool,
    pub(crate) checked_at: String,
    pub(crate) checked_by: String,
}

/// The tool and its version, as records name it.
pub(crate) fn tool() -> String {
    format!("registry {}", env!("CARGO_PKG_VERSION"))
}

/// Now, RFC 3339 in UTC to the second.
pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publication_keys_sort_as_numbers_and_parse_back() {
        assert!(publication_key(9) < publication_key(10));
        assert_eq!(publication_sequence(&publication_key(42)), Some(42));
        assert_eq!(publication_sequence("publications/42.json"), None);
        assert_eq!(publication_sequence("blobs/sha256/x.json"), None);
    }

    const BLOB: &[u8] = b"{\n  \"apiVersion\": \"registry.dev/v1\",\n  \"teams\": {}\n}\n";

    fn record(sequence: u64, blob: &[u8]) -> Record {
        Record {
            api_version: PUBLICATION_API_VERSION.to_owned(),
            sequence,
            commit: "0".repeat(40),
            sha256: sha256(blob),
            blob: blob_key(&sha256(blob)),
            size: blob.len() as u64,
            schema: "registry.dev/v1".to_owned(),
            published_at: now(),
            tool: tool(),
            previous: (sequence > 1).then(|| Previous {
                sequence: sequence - 1,
                commit: "1".repeat(40),
            }),
            forced: false,
            single_writer: false,
        }
    }

    #[test]
    fn latest_carries_the_blob_byte_for_byte() {
        let record = record(1, BLOB);
        let bytes = latest_bytes(&record, BLOB);
        assert_eq!(claimed(&bytes), Some(record.clone()));
        assert_eq!(
            carried(&bytes, &record),
            Ok(BLOB.strip_suffix(b"\n").unwrap())
        );
        assert_eq!(
            sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn latest_must_be_exactly_what_a_publisher_writes() {
        let record = record(3, BLOB);
        let bytes = latest_bytes(&record, BLOB);
        // Another blob, with a record that agrees with it: consistent, and not the stored one.
        let other = b"{}\n";
        let forged = latest_bytes(&self::record(3, other), other);
        assert_eq!(
            claimed(&forged).map(|claim| claim.sha256),
            Some(sha256(other))
        );
        assert_eq!(
            carried(&forged, &record),
            Err(Mismatch::Record { sequence: 3 })
        );
        // The stored record, with another blob.
        let text = String::from_utf8(bytes.clone()).unwrap();
        let edited = text.replace("\"teams\": {}", "\"teams\": []").into_bytes();
        assert!(matches!(
            carried(&edited, &record),
            Err(Mismatch::Hash { sequence: 3, .. })
        ));
        // The same document, laid out another way.
        let spaced = text.replacen("{\"publication\":", "{ \"publication\": ", 1);
        assert_eq!(claimed(spaced.as_bytes()), None);
        assert_eq!(
            carried(spaced.as_bytes(), &record),
            Err(Mismatch::Record { sequence: 3 })
        );
        let trailing = [bytes.as_slice(), b" "].concat();
        assert!(carried(&trailing, &record).is_err());
        assert!(carried(&bytes[..bytes.len() - 1], &record).is_err());
        // A size that lies.
        let mut wrong = record.clone();
        wrong.size += 1;
        assert!(matches!(
            carried(&latest_bytes(&wrong, BLOB), &wrong),
            Err(Mismatch::Size { sequence: 3, .. })
        ));
        assert!(claimed(b"").is_none());
        assert!(claimed(b"{\"publication\":{\"sequence\":1}}").is_none());
    }

    #[test]
    fn a_record_is_checked_before_it_is_believed() {
        let good = record(2, BLOB);
        assert_eq!(good.check(2), Ok(()));
        assert_eq!(record(1, BLOB).check(1), Ok(()));
        let broken = |change: fn(&mut Record)| {
            let mut record = good.clone();
            change(&mut record);
            record.check(record.sequence).unwrap_err()
        };
        assert_eq!(good.check(3).unwrap_err(), "it names sequence number 2");
        assert!(broken(|record| record.api_version = "v2".to_owned()).contains("apiVersion"));
        assert_eq!(
            broken(|record| {
                record.sequence = 0;
                record.previous = None;
            }),
            "sequence numbers start at 1"
        );
        for commit in [
            "",
            "0123",
            &"A".repeat(40),
            &"g".repeat(40),
            &"0".repeat(41),
        ] {
            let mut record = good.clone();
            record.commit = commit.to_owned();
            assert!(record.check(2).unwrap_err().contains("commit"), "{commit}");
        }
        let mut record = good.clone();
        record.commit = "a".repeat(64);
        assert_eq!(record.check(2), Ok(()));
        assert!(broken(|record| record.sha256 = "0".repeat(63)).contains("SHA-256"));
        assert!(broken(|record| record.sha256 = "F".repeat(64)).contains("SHA-256"));
        assert!(broken(|record| record.blob = "../latest.json".to_owned()).contains("SHA-256"));
        assert!(broken(|record| record.size = MAX_BLOB + 1).contains("1 GiB"));
        let mut record = good.clone();
        record.size = MAX_BLOB;
        assert_eq!(record.check(2), Ok(()));
        assert!(broken(|record| record.previous = None).contains("previous"));
        assert!(
            broken(|record| record.previous.as_mut().unwrap().sequence = 2).contains("previous")
        );
        assert!(
            broken(|record| record.previous.as_mut().unwrap().commit = "x".to_owned())
                .contains("previous")
        );
        let mut first = self::record(1, BLOB);
        first.previous = Some(Previous {
            sequence: 0,
            commit: "1".repeat(40),
        });
        assert!(first.check(1).unwrap_err().contains("previous"));
        let mut last = self::record(u64::MAX, BLOB);
        assert_eq!(last.check(u64::MAX), Ok(()));
        last.previous.as_mut().unwrap().sequence = u64::MAX;
        assert!(last.check(u64::MAX).is_err());
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size(MAX_BLOB), "1 GiB");
        assert_eq!(size(MAX_RECORD), "64 KiB");
        assert_eq!(size(3 << 20), "3 MiB");
        assert_eq!(size(MAX_LATEST), "1 GiB 64 KiB");
        assert_eq!(size(1025), "1 KiB 1 bytes");
        assert_eq!(size(1023), "1023 bytes");
        assert_eq!(size(10 << 30), "10 GiB");
        assert_eq!(size(0), "0 bytes");
    }
}
