//! `registry publish` and `registry fetch` on real git repositories and real stores: a local
//! directory and the S3 protocol served in-process by `s3s-fs` through a publication's whole
//! lifecycle ([`lifecycle`]), faults injected at each request ([`faults`]), `moto_server` for
//! concurrent publishers ([`concurrency`]), and a Garage node that ignores conditional writes
//! ([`garage`]).

mod concurrency;
mod faults;
mod garage;
mod lifecycle;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::test::{Output, Test, commit, copy_dir, project_root, registry};

/// A git repository holding the small registry, with a commit per revision.
pub(crate) struct Repo {
    test: Test,
}

const GATEWAY: &str = "registry/services/gateway.jsonnet";

impl Repo {
    /// The small registry, committed once: its first commit.
    pub(crate) fn new() -> (Self, String) {
        let test = Test::new().file(".gitignore", "/published/\n/store/\n/out/\n/generated/\n");
        copy_dir(
            &project_root().join("tests/fixtures/good/small"),
            &test.path().join("registry"),
        );
        let first = commit(test.path(), "the registry");
        (Self { test }, first)
    }

    pub(crate) fn path(&self) -> &Path {
        self.test.path()
    }

    /// Commits a new revision on HEAD: the gateway's description says `revision`.
    pub(crate) fn revise(&self, revision: &str) -> String {
        let original = std::fs::read_to_string(
            project_root().join("tests/fixtures/good/small/services/gateway.jsonnet"),
        )
        .unwrap();
        std::fs::write(
            self.path().join(GATEWAY),
            format!("{original}+ {{ description: '{revision}' }}\n"),
        )
        .unwrap();
        commit(self.path(), revision)
    }

    /// Moves HEAD (and the working tree) back to `commit`, to branch off it.
    pub(crate) fn reset(&self, commit: &str) {
        let repo = git2::Repository::open(self.path()).unwrap();
        let object = repo.revparse_single(commit).unwrap();
        repo.reset(&object, git2::ResetType::Hard, None).unwrap();
    }

    pub(crate) fn run(&self, args: &[&str], env: &[(String, String)]) -> Output {
        registry(self.path()).args(args).envs(env).output()
    }

    pub(crate) fn publish(
        &self,
        url: &str,
        commit: &str,
        more: &[&str],
        env: &[(String, String)],
    ) -> Output {
        let mut args = vec!["publish", "--to", url, "--commit", commit];
        args.extend(more);
        self.run(&args, env)
    }
}

pub(crate) fn sha256(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

pub(crate) fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

/// The gateway's description in a blob.
pub(crate) fn revision_of(blob: &[u8]) -> String {
    json(blob)["services"]["gateway"]["spec"]["description"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// What a store holds, read from the files behind it.
pub(crate) struct Stored<'a> {
    pub(crate) object: Box<dyn Fn(&str) -> PathBuf + 'a>,
}

impl Stored<'_> {
    pub(crate) fn read(&self, key: &str) -> Option<Vec<u8>> {
        std::fs::read((self.object)(key)).ok()
    }

    /// `latest.json`: its record, and the blob it carries (which must match the record).
    pub(crate) fn latest(&self) -> Option<(Value, Vec<u8>)> {
        let bytes = self.read("latest.json")?;
        let text = String::from_utf8(bytes).unwrap();
        let document = json(text.as_bytes());
        let record = document["publication"].clone();
        let start = text.find(",\"registry\":").unwrap() + ",\"registry\":".len();
        let blob = format!(
            "{}\n",
            text[start..]
                .trim_end()
                .strip_suffix('}')
                .unwrap()
                .trim_end()
        );
        assert_eq!(
            sha256(blob.as_bytes()),
            record["sha256"].as_str().unwrap(),
            "latest.json carries a blob that is not the one its record names"
        );
        Some((record, blob.into_bytes()))
    }

    /// Every publication record by sequence number, each checked: its blob is there and has
    /// its hash, and it follows the one before it.
    pub(crate) fn records(&self) -> BTreeMap<u64, Value> {
        let dir = (self.object)("publications");
        let mut records = BTreeMap::new();
        for entry in std::fs::read_dir(&dir).into_iter().flatten() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            let Some(digits) = name.strip_suffix(".json") else {
                continue;
            };
            let Ok(sequence) = digits.parse::<u64>() else {
                continue;
            };
            let record = json(&self.read(&format!("publications/{name}")).unwrap());
            assert_eq!(record["sequence"], sequence);
            let blob = self.read(record["blob"].as_str().unwrap()).unwrap();
            assert_eq!(sha256(&blob), record["sha256"].as_str().unwrap());
            records.insert(sequence, record);
        }
        for (sequence, record) in &records {
            if *sequence > 1 {
                assert_eq!(record["previous"]["sequence"], sequence - 1, "{record}");
                assert_eq!(
                    record["previous"]["commit"],
                    records[&(sequence - 1)]["commit"]
                );
            } else {
                assert!(record["previous"].is_null());
            }
        }
        records
    }
}
