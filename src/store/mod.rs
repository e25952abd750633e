//! Object storage for publications: `registry publish` writes there and `registry fetch`
//! reads. [`Store`] opens a target URL (`file://`, `s3://`, `gs://`, `az://`) with
//! `object_store`, configured from the environment as `object_store` reads it, and maps the
//! store's failures to plain messages; every read is bounded. [`layout`] names the keys and
//! documents, [`verify`] checks what a store holds before it is believed, [`probe`] proves a
//! store's conditional writes, [`publish`] and [`fetch`] are the two operations.

pub(crate) mod fetch;
pub(crate) mod layout;
mod probe;
pub(crate) mod publish;
mod verify;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::TryStreamExt as _;
use futures::stream::BoxStream;
use object_store::path::Path as Key;
use object_store::{
    BackoffConfig, GetResultPayload, ObjectStore, ObjectStoreExt as _, PutMode, PutOptions,
    PutPayload, RetryConfig, UpdateVersion,
};
use sha2::{Digest as _, Sha256};

use crate::workspace::StoreTarget;
use crate::{Error, Result};

/// An opened target: a store and the prefix under which everything lives.
pub(crate) struct Store {
    inner: Arc<dyn ObjectStore>,
    prefix: Key,
    /// The target as shown in messages, ending in `/`.
    url: String,
    /// The directory, for a `file://` target.
    local: Option<PathBuf>,
    /// How long transient failures are retried.
    retry_for: Duration,
}

/// An object read with a bound on its size.
pub(crate) struct Object {
    /// Its bytes; `None` when it is larger than the bound, and was not read.
    pub(crate) bytes: Option<Bytes>,
    /// Its size, or at least how much of it was seen before the bound stopped the read.
    pub(crate) size: u64,
    pub(crate) version: UpdateVersion,
}

/// Whether a command writes to the store: only then is a missing local directory created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    Read,
    Write,
}

/// How a conditional update ended.
pub(crate) enum Update {
    Done,
    /// The object changed since it was read.
    Stale,
    /// The store cannot update conditionally.
    Unsupported,
}

impl Store {
    /// Opens `target`: a URL, or a plain path meaning a local directory. A relative local path
    /// is taken from `base`. Transient failures are retried with backoff for up to
    /// `retry_for`.
    pub(crate) fn open(target: &StoreTarget, retry_for: Duration, access: Access) -> Result<Self> {
        let StoreTarget { url: target, base } = target;
        let invalid = |message: String| Error::StoreUrl {
            url: target.to_owned(),
            message,
        };
        let (scheme, rest) = target.split_once("://").unwrap_or(("file", target));
        if scheme == "file" {
            if rest.is_empty() {
                return Err(invalid("it names no directory".to_owned()));
            }
            let dir = base.join(rest);
            match access {
                Access::Write => {
                    std::fs::create_dir_all(&dir).map_err(|source| Error::WriteFile {
                        path: dir.clone(),
                        source,
                    })?;
                }
                Access::Read if !dir.is_dir() => {
                    return Err(Error::NothingPublished {
                        url: format!("file://{}", dir.display()),
                    });
                }
                Access::Read => {}
            }
            let dir = std::fs::canonicalize(&dir).map_err(|source| Error::ReadDir {
                path: dir.clone(),
                source,
            })?;
            let inner = object_store::local::LocalFileSystem::new_with_prefix(&dir)
                .map_err(|error| invalid(error.to_string()))?
                .with_fsync(true);
            return Ok(Self {
                inner: Arc::new(inner),
                prefix: Key::default(),
                url: format!("file://{}/", dir.display()),
                local: Some(dir),
                retry_for,
            });
        }
        let url = url::Url::parse(target).map_err(|error| invalid(error.to_string()))?;
        let retry = RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(5),
                base: 2.0,
            },
            max_retries: 64,
            retry_timeout: retry_for,
        };
        let built: Result<Arc<dyn ObjectStore>, object_store::Error> = match scheme {
            "s3" => object_store::aws::AmazonS3Builder::from_env()
                .with_url(target)
                .with_retry(retry)
                .build()
                .map(|store| Arc::new(store) as _),
            "gs" => object_store::gcp::GoogleCloudStorageBuilder::from_env()
                .with_url(target)
                .with_retry(retry)
                .build()
                .map(|store| Arc::new(store) as _),
            "az" => object_store::azure::MicrosoftAzureBuilder::from_env()
                .with_url(target)
                .with_retry(retry)
                .build()
                .map(|store| Arc::new(store) as _),
            _ => {
                return Err(invalid(format!(
                    "`{scheme}://` is not a store: use `file://`, `s3://`, `gs://` or `az://`"
                )));
            }
        };
        let inner = built.map_err(|error| invalid(error.to_string()))?;
        let prefix = url.path().trim_matches('/');
        Ok(Self {
            inner,
            prefix: Key::from(prefix),
            url: format!("{}/", target.trim_end_matches('/')),
            local: None,
            retry_for,
        })
    }

    /// The directory of a `file://` target.
    pub(crate) fn local_dir(&self) -> Option<&Path> {
        self.local.as_deref()
    }

    /// The URL of `key`, for messages.
    pub(crate) fn url(&self, key: &str) -> String {
        format!("{}{key}", self.url)
    }

    fn key(&self, key: &str) -> Key {
        key.split('/')
            .fold(self.prefix.clone(), |path, part| path.clone().join(part))
    }

    fn failed(&self, action: &'static str, key: &str, source: object_store::Error) -> Error {
        Error::Store {
            action,
            url: self.url(key),
            problem: Problem::of(&source),
            source: Box::new(source),
        }
    }

    /// Runs `operation` again after a transport failure that the client does not retry itself
    /// (a connection cut after a write was sent, a body cut off), with backoff, while
    /// `retry_for` lasts. Every operation here is safe to repeat: a create that did land the
    /// first time is refused as existing the second, an update as stale, and the callers
    /// read back what the store holds.
    async fn retrying<T>(
        &self,
        mut operation: impl AsyncFnMut() -> Result<T, object_store::Error>,
    ) -> Result<T, object_store::Error> {
        let started = Instant::now();
        let mut delay = Duration::from_millis(100);
        loop {
            match operation().await {
                Err(error)
                    if self.local.is_none()
                        && transport(&error)
                        && started.elapsed() + delay < self.retry_for =>
                {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
                other => return other,
            }
        }
    }

    /// Reads `key`, if it is at most `limit` bytes: its bytes and version; `None` when there
    /// is no such object. What is read is bounded whatever the store says of the size.
    pub(crate) async fn get(&self, key: &str, limit: u64) -> Result<Option<Object>> {
        self.reading(key, async |result: object_store::GetResult| {
            let version = UpdateVersion {
                e_tag: result.meta.e_tag.clone(),
                version: result.meta.version.clone(),
            };
            let size = result.meta.size;
            if size > limit {
                return Ok(Object {
                    bytes: None,
                    size,
                    version,
                });
            }
            let bytes = if matches!(result.payload, GetResultPayload::Stream(_)) {
                let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
                let read = bounded(result.into_stream(), limit, |chunk| {
                    bytes.extend_from_slice(chunk);
                })
                .await?;
                if let Err(size) = read {
                    return Ok(Object {
                        bytes: None,
                        size,
                        version,
                    });
                }
                Bytes::from(bytes)
            } else {
                // A local file: exactly the size its metadata gave is read.
                result.bytes().await?
            };
            Ok(Object {
                size: bytes.len() as u64,
                bytes: Some(bytes),
                version,
            })
        })
        .await
    }

    /// Reads `key`, which may be at most `limit` bytes: a larger object is corrupt.
    pub(crate) async fn read(&self, key: &str, limit: u64) -> Result<Option<Bytes>> {
        match self.get(key, limit).await? {
            None => Ok(None),
            Some(Object {
                bytes: Some(bytes), ..
            }) => Ok(Some(bytes)),
            Some(Object { size, .. }) => Err(self.too_large(key, size, limit)),
        }
    }

    /// The SHA-256 and size of `key`, which may be at most `limit` bytes, read as a stream and
    /// never held whole.
    pub(crate) async fn digest(&self, key: &str, limit: u64) -> Result<Option<(String, u64)>> {
        let read = self
            .reading(key, async |result: object_store::GetResult| {
                let size = result.meta.size;
                if size > limit {
                    return Ok(Err(size));
                }
                let mut hasher = Sha256::new();
                let size = match bounded(result.into_stream(), limit, |chunk| {
                    hasher.update(chunk);
                })
                .await?
                {
                    Ok(size) => size,
                    Err(size) => return Ok(Err(size)),
                };
                Ok(Ok((layout::hex(&hasher.finalize()), size)))
            })
            .await?;
        match read {
            None => Ok(None),
            Some(Ok(digest)) => Ok(Some(digest)),
            Some(Err(size)) => Err(self.too_large(key, size, limit)),
        }
    }

    fn too_large(&self, key: &str, size: u64, limit: u64) -> Error {
        Error::Corrupt {
            url: self.url(key),
            message: format!(
                "it is at least {size} bytes, more than the {} it may be",
                layout::size(limit)
            ),
        }
    }

    /// Runs `body` on the response to a read of `key`, retried as [`Self::retrying`] does;
    /// `None` when there is no such object.
    async fn reading<T>(
        &self,
        key: &str,
        body: impl AsyncFn(object_store::GetResult) -> Result<T, object_store::Error>,
    ) -> Result<Option<T>> {
        let path = self.key(key);
        let read = self
            .retrying(async || body(self.inner.get(&path).await?).await)
            .await;
        match read {
            Ok(read) => Ok(Some(read)),
            Err(error @ object_store::Error::NotFound { .. })
                if Problem::of(&error) == Some(Problem::NoBucket) =>
            {
                Err(self.failed("read", key, error))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(self.failed("read", key, error)),
        }
    }

    /// Creates `key` unless it exists; whether it was created (as far as this request can
    /// tell: a retried create that landed the first time reads as not created).
    pub(crate) async fn create(&self, key: &str, bytes: Vec<u8>) -> Result<bool> {
        let (path, payload) = (self.key(key), PutPayload::from(bytes));
        let put = self
            .retrying(async || {
                let options = PutOptions::from(PutMode::Create);
                self.inner.put_opts(&path, payload.clone(), options).await
            })
            .await;
        match put {
            Ok(_) => Ok(true),
            Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
            Err(error) => Err(self.failed("create", key, error)),
        }
    }

    /// Replaces `key` if it is still at `version`.
    pub(crate) async fn update(
        &self,
        key: &str,
        bytes: Vec<u8>,
        version: UpdateVersion,
    ) -> Result<Update> {
        let (path, payload) = (self.key(key), PutPayload::from(bytes));
        let put = self
            .retrying(async || {
                let options = PutOptions::from(PutMode::Update(version.clone()));
                self.inner.put_opts(&path, payload.clone(), options).await
            })
            .await;
        match put {
            Ok(_) => Ok(Update::Done),
            Err(object_store::Error::Precondition { .. }) => Ok(Update::Stale),
            Err(object_store::Error::NotImplemented { .. }) => Ok(Update::Unsupported),
            Err(error) => Err(self.failed("update", key, error)),
        }
    }

    /// Writes `key` whatever is there.
    pub(crate) async fn overwrite(&self, key: &str, bytes: Vec<u8>) -> Result<()> {
        let (path, payload) = (self.key(key), PutPayload::from(bytes));
        self.retrying(async || self.inner.put(&path, payload.clone()).await)
            .await
            .map(|_| ())
            .map_err(|error| self.failed("write", key, error))
    }

    pub(crate) async fn delete(&self, key: &str) -> Result<()> {
        let path = self.key(key);
        match self.retrying(async || self.inner.delete(&path).await).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(self.failed("delete", key, error)),
        }
    }

    /// The keys under directory `dir` that sort after `after`, relative to the target.
    pub(crate) async fn list(&self, dir: &str, after: Option<&str>) -> Result<Vec<String>> {
        let prefix = self.key(dir);
        let metas: Vec<_> = self
            .retrying(async || {
                let stream = match after {
                    Some(after) => self.inner.list_with_offset(Some(&prefix), &self.key(after)),
                    None => self.inner.list(Some(&prefix)),
                };
                stream.try_collect().await
            })
            .await
            .map_err(|error| self.failed("list", dir, error))?;
        let mut keys: Vec<String> = metas
            .into_iter()
            .filter_map(|meta| {
                let location = meta.location.as_ref();
                let relative = if self.prefix.as_ref().is_empty() {
                    Some(location)
                } else {
                    location
                        .strip_prefix(self.prefix.as_ref())
                        .and_then(|rest| rest.strip_prefix('/'))
                };
                relative.map(str::to_owned)
            })
            .collect();
        keys.sort();
        Ok(keys)
    }
}

/// Hands each chunk of `stream` to `take`, until it ends (then how many bytes came) or more
/// than `limit` bytes have come (then how many, as an error): a store that sends more than it
/// announced is still read no further.
async fn bounded(
    mut stream: BoxStream<'static, Result<Bytes, object_store::Error>>,
    limit: u64,
    mut take: impl FnMut(&[u8]),
) -> Result<Result<u64, u64>, object_store::Error> {
    let mut size = 0_u64;
    while let Some(chunk) = stream.try_next().await? {
        size += chunk.len() as u64;
        if size > limit {
            return Ok(Err(size));
        }
        take(&chunk);
    }
    Ok(Ok(size))
}

/// Whether `error` is a transport failure: the connection, not the store, said no.
fn transport(error: &object_store::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if cause.is::<object_store::client::HttpError>() {
            return true;
        }
        source = cause.source();
    }
    false
}

/// What a store failure most likely means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Problem {
    #[error("the bucket does not exist")]
    NoBucket,
    #[error(
        "the store refused the credentials: check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY \
         (or the GOOGLE_ or AZURE_ variables)"
    )]
    Credentials,
    #[error("permission denied: the credentials are not allowed to do this")]
    Permission,
    #[error("not found: does the bucket exist?")]
    NotFound,
    #[error(
        "no usable credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the \
         GOOGLE_ or AZURE_ variables)"
    )]
    NoCredentials,
}

impl Problem {
    /// What `error` most likely means, when that can be told.
    fn of(error: &object_store::Error) -> Option<Self> {
        let mut text = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        match error {
            object_store::Error::PermissionDenied { .. } => Some(
                if text.contains("SignatureDoesNotMatch") || text.contains("InvalidAccessKeyId") {
                    Self::Credentials
                } else {
                    Self::Permission
                },
            ),
            object_store::Error::Unauthenticated { .. } => Some(Self::Credentials),
            _ if text.contains("NoSuchBucket")
                || text.contains("ContainerNotFound")
                || text.contains("bucket does not exist") =>
            {
                Some(Self::NoBucket)
            }
            object_store::Error::NotFound { .. } => Some(Self::NotFound),
            _ if text.contains("Credential") || text.contains("credential") => {
                Some(Self::NoCredentials)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{Access, Problem, Store, transport};
    use crate::Error;
    use crate::store::layout::sha256;
    use crate::workspace::StoreTarget;

    fn error(kind: &str, text: &str) -> object_store::Error {
        let (path, source) = ("k".to_owned(), text.to_owned().into());
        match kind {
            "denied" => object_store::Error::PermissionDenied { path, source },
            "unauthenticated" => object_store::Error::Unauthenticated { path, source },
            "missing" => object_store::Error::NotFound { path, source },
            _ => object_store::Error::Generic {
                store: "S3",
                source,
            },
        }
    }

    #[test]
    fn a_stream_is_read_no_further_than_its_bound() {
        use bytes::Bytes;
        use futures::StreamExt as _;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let read = |limit: u64, cut: bool| {
            let mut chunks = vec![
                Ok(Bytes::from_static(b"abc")),
                Ok(Bytes::from_static(b"de")),
            ];
            if cut {
                chunks.insert(1, Err(error("other", "cut off")));
            }
            let mut taken = Vec::new();
            let result = runtime.block_on(super::bounded(
                futures::stream::iter(chunks).boxed(),
                limit,
                |chunk| taken.extend_from_slice(chunk),
            ));
            (result.map_err(|error| error.to_string()), taken)
        };
        assert_eq!(read(5, false), (Ok(Ok(5)), b"abcde".to_vec()));
        assert_eq!(read(4, false), (Ok(Err(5)), b"abc".to_vec()));
        assert_eq!(read(2, false), (Ok(Err(3)), Vec::new()));
        let (result, taken) = read(5, true);
        assert!(result.unwrap_err().contains("cut off"));
        assert_eq!(taken, b"abc");
    }

    #[test]
    fn store_failures_are_told_apart() {
        let of = |kind: &str, text: &str| Problem::of(&error(kind, text));
        assert_eq!(
            of("denied", "SignatureDoesNotMatch"),
            Some(Problem::Credentials)
        );
        assert_eq!(
            of("denied", "<Code>InvalidAccessKeyId</Code>"),
            Some(Problem::Credentials)
        );
        assert_eq!(of("denied", "AccessDenied"), Some(Problem::Permission));
        assert_eq!(of("unauthenticated", ""), Some(Problem::Credentials));
        for text in [
            "NoSuchBucket",
            "ContainerNotFound",
            "the bucket does not exist",
        ] {
            assert_eq!(of("missing", text), Some(Problem::NoBucket), "{text}");
            assert_eq!(of("other", text), Some(Problem::NoBucket), "{text}");
        }
        assert_eq!(of("missing", "NoSuchKey"), Some(Problem::NotFound));
        assert_eq!(
            of("other", "no Credential found"),
            Some(Problem::NoCredentials)
        );
        assert_eq!(
            of("other", "missing credential"),
            Some(Problem::NoCredentials)
        );
        assert_eq!(of("other", "connection reset"), None);
        // The causes count too.
        let nested = object_store::Error::Generic {
            store: "S3",
            source: Box::new(error("other", "NoSuchBucket")),
        };
        assert_eq!(Problem::of(&nested), Some(Problem::NoBucket));
    }

    #[test]
    fn only_transport_failures_are_retried() {
        use object_store::client::{HttpError, HttpErrorKind};
        let cut = object_store::Error::Generic {
            store: "S3",
            source: Box::new(HttpError::new(
                HttpErrorKind::Interrupted,
                std::io::Error::other("reset"),
            )),
        };
        assert!(transport(&cut));
        let deeper = object_store::Error::Generic {
            store: "S3",
            source: Box::new(std::io::Error::other(cut)),
        };
        assert!(transport(&deeper));
        assert!(!transport(&error("denied", "AccessDenied")));
    }

    #[test]
    fn each_kind_of_url_opens_its_store() {
        let base = std::path::PathBuf::from("/nonexistent");
        let open = |url: &str| {
            Store::open(
                &StoreTarget {
                    url: url.to_owned(),
                    base: base.clone(),
                },
                Duration::from_secs(1),
                Access::Read,
            )
        };
        for url in ["s3://bucket/a/b", "gs://bucket/a/b"] {
            let store = open(url).unwrap_or_else(|error| panic!("{url}: {error}"));
            assert_eq!(store.url("latest.json"), format!("{url}/latest.json"));
            assert_eq!(store.key("x/y").as_ref(), "a/b/x/y");
            assert!(store.local_dir().is_none());
        }
        // Azure's client wants an account before anything else: asked for, so it was built.
        let Err(Error::StoreUrl { message, .. }) = open("az://container/a/b") else {
            panic!("no Azure account is configured");
        };
        assert!(message.contains("MicrosoftAzure"), "{message}");
        let Err(Error::StoreUrl { message, .. }) = open("ftp://host/x") else {
            panic!("ftp is not a store");
        };
        assert!(message.contains("is not a store"), "{message}");
        assert!(matches!(open("file://"), Err(Error::StoreUrl { .. })));
        assert!(matches!(
            open("file://missing"),
            Err(Error::NothingPublished { .. })
        ));
    }

    #[test]
    fn every_read_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let target = StoreTarget {
            url: "file://store".to_owned(),
            base: dir.path().to_owned(),
        };
        let store = Store::open(&target, Duration::from_secs(1), Access::Write).unwrap();
        std::fs::write(dir.path().join("store/ten"), b"0123456789").unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let whole = store.get("ten", 10).await.unwrap().unwrap();
            assert_eq!(whole.bytes.as_deref(), Some(b"0123456789".as_slice()));
            assert_eq!(whole.size, 10);
            let cut = store.get("ten", 9).await.unwrap().unwrap();
            assert_eq!((cut.bytes, cut.size), (None, 10));
            assert!(store.get("missing", 9).await.unwrap().is_none());
            assert!(store.read("missing", 9).await.unwrap().is_none());
            assert_eq!(
                store.read("ten", 10).await.unwrap().as_deref(),
                Some(b"0123456789".as_slice())
            );
            let Err(Error::Corrupt { url, message }) = store.read("ten", 9).await else {
                panic!("a read past the bound is corrupt");
            };
            assert!(url.ends_with("/store/ten"), "{url}");
            assert_eq!(
                message,
                "it is at least 10 bytes, more than the 9 bytes it may be"
            );
            assert_eq!(
                store.digest("ten", 10).await.unwrap(),
                Some((sha256(b"0123456789"), 10))
            );
            assert!(store.digest("missing", 10).await.unwrap().is_none());
            assert!(matches!(
                store.digest("ten", 9).await,
                Err(Error::Corrupt { .. })
            ));
        });
    }
}
