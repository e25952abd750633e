//! Reading publications back: the latest, a commit's publication, or the whole history, each
//! checked (see [`super::verify`]) before it is returned.

use super::Store;
use super::layout::{LATEST, MAX_LATEST, PUBLICATIONS, Record, publication_sequence};
use super::verify::{self, check_latest, newest, read_blob, read_record};
use crate::{Error, Result};

/// The latest publication and its blob, verified: `latest.json`, checked against the stored
/// record it names and that record's blob; or a newer record, when a publisher stopped before
/// it moved `latest.json` (or before it wrote the first).
pub(crate) async fn latest(store: &Store) -> Result<(Record, Vec<u8>)> {
    let current = verify::latest(store).await?;
    let newer = newest(store, current.as_ref().map(|(record, _)| record.sequence)).await?;
    match (current, newer) {
        (_, Some(newer)) => {
            let blob = read_blob(store, &newer).await?;
            Ok((newer, blob))
        }
        (Some(current), None) => Ok(current),
        (None, None) => Err(Error::NothingPublished {
            url: store.url(LATEST),
        }),
    }
}

/// The record `latest.json` names, when it is genuine (not too large, and exactly what a
/// publisher writes for a stored record); its record's blob is not read.
pub(crate) async fn latest_record(store: &Store) -> Result<Option<Record>> {
    let Some(bytes) = store
        .get(LATEST, MAX_LATEST)
        .await?
        .and_then(|object| object.bytes)
    else {
        return Ok(None);
    };
    Ok(check_latest(store, &bytes)
        .await?
        .ok()
        .map(|(record, _)| record))
}

/// The newest publication of the commit whose id starts with `commit` (lowercase hex), and its
/// blob, verified.
pub(crate) async fn at_commit(store: &Store, commit: &str) -> Result<(Record, Vec<u8>)> {
    let records = history(store).await?;
    let matching: Vec<&Record> = records
        .iter()
        .rev()
        .filter(|record| record.commit.starts_with(commit))
        .collect();
    let Some(record) = matching.first() else {
        return Err(Error::NothingPublished {
            url: format!("{} for commit `{commit}`", store.url(PUBLICATIONS)),
        });
    };
    if matching.iter().any(|other| other.commit != record.commit) {
        return Err(Error::AmbiguousCommit {
            prefix: commit.to_owned(),
        });
    }
    let blob = read_blob(store, record).await?;
    Ok(((*record).clone(), blob))
}

/// Every publication record, oldest first, each checked.
pub(crate) async fn history(store: &Store) -> Result<Vec<Record>> {
    let mut sequences: Vec<u64> = store
        .list(PUBLICATIONS, None)
        .await?
        .iter()
        .filter_map(|key| publication_sequence(key))
        .collect();
    sequences.sort_unstable();
    let mut records = Vec::with_capacity(sequences.len());
    for sequence in sequences {
        records.push(read_record(store, sequence).await?);
    }
    Ok(records)
}
