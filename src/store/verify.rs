//! What a store holds is believed only once it is checked: a record against its key and the
//! shape a publisher writes, a blob against its record's SHA-256 and size, and `latest.json`
//! against the stored, immutable record it names (it must be exactly what a publisher writes
//! for that record) and so against that record's content-addressed blob.

use super::Store;
use super::layout::{
    LATEST, MAX_BLOB, MAX_RECORD, Mismatch, PUBLICATIONS, Record, carried, claimed, parse_record,
    publication_key, publication_sequence, verify, verify_digest,
};
use crate::{Error, Result};

/// Publication `sequence`, checked; `None` when there is no such record.
pub(super) async fn find_record(store: &Store, sequence: u64) -> Result<Option<Record>> {
    let key = publication_key(sequence);
    let corrupt = |message: String| Error::Corrupt {
        url: store.url(&key),
        message,
    };
    let Some(bytes) = store.read(&key, MAX_RECORD).await? else {
        return Ok(None);
    };
    let record = parse_record(&bytes, sequence)
        .map_err(|why| corrupt(format!("not a publication record: {why}")))?;
    Ok(Some(record))
}

/// Publication `sequence`, checked; it must exist.
pub(super) async fn read_record(store: &Store, sequence: u64) -> Result<Record> {
    find_record(store, sequence)
        .await?
        .ok_or_else(|| Error::Corrupt {
            url: store.url(&publication_key(sequence)),
            message: "the record is missing".to_owned(),
        })
}

/// The newest record after publication `after` (after none: of all), checked.
pub(super) async fn newest(store: &Store, after: Option<u64>) -> Result<Option<Record>> {
    let after = after.map(publication_key);
    let newest = store
        .list(PUBLICATIONS, after.as_deref())
        .await?
        .iter()
        .filter_map(|key| publication_sequence(key))
        .max();
    match newest {
        Some(sequence) => read_record(store, sequence).await.map(Some),
        None => Ok(None),
    }
}

/// A record's blob, read whole and checked against the record.
pub(super) async fn read_blob(store: &Store, record: &Record) -> Result<Vec<u8>> {
    let corrupt = |message: String| Error::Corrupt {
        url: store.url(&record.blob),
        message,
    };
    let Some(bytes) = store.read(&record.blob, MAX_BLOB).await? else {
        return Err(missing(store, record));
    };
    verify(record, &bytes).map_err(|mismatch| corrupt(mismatch.to_string()))?;
    Ok(bytes.to_vec())
}

/// Whether a record's blob is in the store with the content the record names, read as a
/// stream.
pub(super) async fn check_blob(store: &Store, record: &Record) -> Result<()> {
    let Some((sha256, size)) = store.digest(&record.blob, MAX_BLOB).await? else {
        return Err(missing(store, record));
    };
    verify_digest(record, &sha256, size).map_err(|mismatch| Error::Corrupt {
        url: store.url(&record.blob),
        message: mismatch.to_string(),
    })
}

fn missing(store: &Store, record: &Record) -> Error {
    Error::Corrupt {
        url: store.url(&record.blob),
        message: format!(
            "publication #{} names this blob, and it is missing",
            record.sequence
        ),
    }
}

/// `latest.json` as `bytes`, checked against the stored record it names: that record and the
/// blob it carries (less its final newline) when the file is exactly what a publisher writes
/// for it; otherwise why not.
pub(super) async fn check_latest<'a>(
    store: &Store,
    bytes: &'a [u8],
) -> Result<Result<(Record, &'a [u8]), String>> {
    let Some(claim) = claimed(bytes) else {
        return Ok(Err("it is not a publication document".to_owned()));
    };
    let Some(record) = find_record(store, claim.sequence).await? else {
        return Ok(Err(format!(
            "it names publication #{}, and there is no such record",
            claim.sequence
        )));
    };
    if claim != record {
        return Ok(Err(format!(
            "it does not match publication #{} (`{}`)",
            record.sequence,
            store.url(&publication_key(record.sequence))
        )));
    }
    Ok(match carried(bytes, &record) {
        Ok(registry) => Ok((record, registry)),
        Err(mismatch @ Mismatch::Record { .. }) => Err(mismatch.to_string()),
        Err(mismatch) => Err(format!(
            "the registry it carries does not match: {mismatch}"
        )),
    })
}

/// `latest.json` checked in full: against its record, and that record's blob must be in the
/// store with the content the record names. `None` when there is no `latest.json`.
pub(super) async fn latest(store: &Store) -> Result<Option<(Record, Vec<u8>)>> {
    let Some(bytes) = store.read(LATEST, super::layout::MAX_LATEST).await? else {
        return Ok(None);
    };
    let (record, registry) =
        check_latest(store, &bytes)
            .await?
            .map_err(|message| Error::Corrupt {
                url: store.url(LATEST),
                message,
            })?;
    check_blob(store, &record).await?;
    let mut blob = Vec::with_capacity(registry.len() + 1);
    blob.extend_from_slice(registry);
    blob.push(b'\n');
    Ok(Some((record, blob)))
}
