//! Reading publications back: `latest.json`, a commit's publication, or the whole history,
//! each checked against its hash before it is returned.

use super::Store;
use super::layout::{LATEST, Latest, PUBLICATIONS, Record, publication_sequence};
use super::publish::{read_blob, read_record, verify};
use crate::{Error, Result};

/// The latest publication and its blob, verified.
pub(crate) async fn latest(store: &Store) -> Result<(Record, Vec<u8>)> {
    let Some((bytes, _)) = store.get(LATEST).await? else {
        return Err(Error::NothingPublished {
            url: store.url(LATEST),
        });
    };
    let corrupt = |message: String| Error::Corrupt {
        url: store.url(LATEST),
        message,
    };
    let latest = Latest::parse(&bytes).map_err(|error| corrupt(format!("not JSON: {error}")))?;
    verify(&latest.record, &latest.blob).map_err(|mismatch| {
        corrupt(format!(
            "the registry it carries does not match: {mismatch}"
        ))
    })?;
    Ok((latest.record, latest.blob))
}

/// The newest publication of the commit whose id starts with `commit`, and its blob, verified.
pub(crate) async fn at_commit(store: &Store, commit: &str) -> Result<(Record, Vec<u8>)> {
    let records = history(store).await?;
    let matching: Vec<&Record> = records
        .iter()
        .rev()
        .filter(|record| record.commit.starts_with(&commit.to_ascii_lowercase()))
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

/// Every publication record, oldest first.
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
