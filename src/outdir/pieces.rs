//! Pieces of emission rendered before, kept in the [`crate::cache`]: for each piece, the key
//! it was rendered with and what it rendered, each file's path, hash, size and entities, never
//! its bytes. One cache file per piece, so the cache keeps one rendering of each, the last.
//! `check` takes a piece from here only when its key is the same and the output directory's
//! index vouches, by stat, for every one of its files holding that hash; otherwise the piece is
//! rendered and compared as ever.

use std::collections::BTreeSet;
use std::io;

use strum::IntoEnumIterator as _;

use super::Comparison;
use crate::cache::Cache;
use crate::codec::{Decoder, Encoder, malformed};
use crate::emit::Known;
use crate::model::{EntityId, Kind};

/// The pieces rendered before, for one run.
pub(crate) struct Recall<'a> {
    cache: &'static Cache,
    /// The comparison that pieces are taken into; `None` for a run that only records them.
    comparison: Option<&'a Comparison<'a>>,
}

impl<'a> Recall<'a> {
    /// Pieces taken into `comparison` when its files are as they were rendered; `None`
    /// without a cache.
    pub(crate) fn comparing(comparison: &'a Comparison<'a>) -> Option<Self> {
        Some(Self {
            cache: crate::cache::get()?,
            comparison: Some(comparison),
        })
    }

    /// Pieces only recorded, for the next run; `None` without a cache.
    pub(crate) fn recording() -> Option<Self> {
        Some(Self {
            cache: crate::cache::get()?,
            comparison: None,
        })
    }
}

impl crate::emit::Pieces for Recall<'_> {
    fn take(&self, name: &str, key: &[u8; 32]) -> Option<Vec<Known>> {
        let comparison = self.comparison?;
        let payload = self.cache.read(&cache_name(name))?;
        let known = decode(&payload, key).ok().flatten()?;
        comparison.known(&known).then_some(known)
    }

    fn remember(&self, name: &str, key: &[u8; 32], files: &[Known]) {
        self.cache.write(&cache_name(name), &encode(key, files));
    }
}

/// The cache file of the piece named `name`.
fn cache_name(name: &str) -> String {
    format!(
        "piece-{}",
        crate::text::short(&crate::emit::sha256(name.as_bytes()))
    )
}

fn encode(key: &[u8; 32], files: &[Known]) -> Vec<u8> {
    let mut out = Encoder::default();
    out.bytes(key).len(files.len());
    for file in files {
        out.str(&file.path)
            .bytes(&file.digest)
            .u64(file.size as u64)
            .len(file.entities.len());
        for entity in &file.entities {
            let kind = Kind::iter().position(|kind| kind == entity.kind);
            out.u8(u8::try_from(kind.unwrap_or(0)).unwrap_or(0))
                .str(&entity.name);
        }
    }
    out.bytes
}

/// The files of a piece rendered with key `key`; `None` when it was rendered with another.
fn decode(payload: &[u8], key: &[u8; 32]) -> io::Result<Option<Vec<Known>>> {
    let mut input = Decoder::new(payload);
    if input.bytes()? != key {
        return Ok(None);
    }
    // A path, a digest, a size and a count take at least 8 + 8 + 32 + 8 + 8 bytes.
    let count = input.count(64)?;
    let mut files = Vec::with_capacity(count);
    for _ in 0..count {
        let path = input.str()?.to_owned();
        let digest: [u8; 32] = input.bytes()?.try_into().map_err(|_| malformed())?;
        let size = usize::try_from(input.u64()?).map_err(|_| malformed())?;
        let mut entities = BTreeSet::new();
        for _ in 0..input.count(9)? {
            let kind = Kind::iter()
                .nth(usize::from(input.u8()?))
                .ok_or_else(malformed)?;
            entities.insert(EntityId::new(kind, input.str()?));
        }
        files.push(Known {
            path,
            digest,
            size,
            entities,
        });
    }
    input.end()?;
    Ok(Some(files))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::{decode, encode};
    use crate::emit::Known;
    use crate::model::{EntityId, Kind};

    /// A record reads back as written, only under its own key, and a damaged one is refused.
    #[test]
    fn a_piece_reads_back_only_under_its_key() {
        let files = vec![
            Known {
                path: "argocd/hub/clusters/a/apps/x.yaml".to_owned(),
                digest: [7; 32],
                size: 120,
                entities: BTreeSet::from([
                    EntityId::new(Kind::Cluster, "a"),
                    EntityId::new(Kind::Service, "x"),
                ]),
            },
            Known {
                path: "terraform/teams.auto.tfvars.json".to_owned(),
                digest: [9; 32],
                size: 0,
                entities: BTreeSet::new(),
            },
        ];
        let payload = encode(&[1; 32], &files);
        assert_eq!(decode(&payload, &[1; 32]).unwrap(), Some(files));
        assert_eq!(decode(&payload, &[2; 32]).unwrap(), None);
        for cut in 33..payload.len() {
            assert!(decode(&payload[..cut], &[1; 32]).is_err(), "{cut}");
        }
        let mut longer = payload.clone();
        longer.push(0);
        assert!(decode(&longer, &[1; 32]).is_err());
    }
}
