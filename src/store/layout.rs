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
use serde_json::value::RawValue;
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
    use std::fmt::Write as _;
    Sha256::digest(bytes)
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

/// `latest.json`: the newest record and, inline, the blob it names, so that a consumer reads
/// the registry in one request. The `registry` member is the blob byte for byte, less its
/// final newline.
pub(crate) fn latest_bytes(record: &Record, blob: &[u8]) -> Vec<u8> {
    let blob = blob.strip_suffix(b"\n").unwrap_or(blob);
    let mut bytes = b"{\"publication\":".to_vec();
    bytes.extend(serde_json::to_vec(record).expect("a record serializes"));
    bytes.extend(b",\"registry\":");
    bytes.extend(blob);
    bytes.extend(b"}\n");
    bytes
}

/// A parsed `latest.json`: its record and the blob it carries.
pub(crate) struct Latest {
    pub(crate) record: Record,
    pub(crate) blob: Vec<u8>,
}

impl Latest {
    /// Parses `latest.json`.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Document<'a> {
            publication: Record,
            #[serde(borrow)]
            registry: &'a RawValue,
        }
        let document: Document<'_> = serde_json::from_slice(bytes)?;
        let mut blob = document.registry.get().as_bytes().to_vec();
        blob.push(b'\n');
        Ok(Self {
            record: document.publication,
            blob,
        })
    }
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

    #[test]
    fn latest_carries_the_blob_byte_for_byte() {
        let blob = b"{\n  \"apiVersion\": \"registry.dev/v1\",\n  \"teams\": {}\n}\n";
        let record = Record {
            api_version: PUBLICATION_API_VERSION.to_owned(),
            sequence: 1,
            commit: "0".repeat(40),
            sha256: sha256(blob),
            blob: blob_key(&sha256(blob)),
            size: blob.len() as u64,
            schema: "registry.dev/v1".to_owned(),
            published_at: now(),
            tool: tool(),
            previous: None,
            forced: false,
            single_writer: false,
        };
        let latest = Latest::parse(&latest_bytes(&record, blob)).unwrap();
        assert_eq!(latest.blob, blob);
        assert_eq!(latest.record, record);
        assert_eq!(
            sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
