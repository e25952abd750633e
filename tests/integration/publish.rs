//! `registry publish` and `registry fetch` on real git repositories and real stores: a local
//! directory, the S3 protocol served in-process by `s3s-fs` (with faults), `moto_server` for
//! concurrent publishers, and a Garage node that ignores conditional writes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::stores::{BUCKET, Garage, Moto, S3};
use crate::test::{Output, Test, command, commit, copy_dir, project_root, run_with};

/// A git repository holding the small registry, with a commit per revision.
struct Repo {
    test: Test,
}

const GATEWAY: &str = "registry/services/gateway.jsonnet";

impl Repo {
    /// The small registry, committed once: its first commit.
    fn new() -> (Self, String) {
        let test = Test::new().file(".gitignore", "/published/\n/store/\n/out/\n/generated/\n");
        copy_dir(
            &project_root().join("tests/fixtures/good/small"),
            &test.path().join("registry"),
        );
        let first = commit(test.path(), "the registry");
        (Self { test }, first)
    }

    fn path(&self) -> &Path {
        self.test.path()
    }

    /// Commits a new revision on HEAD: the gateway's description says `revision`.
    fn revise(&self, revision: &str) -> String {
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
    fn reset(&self, commit: &str) {
        let repo = git2::Repository::open(self.path()).unwrap();
        let object = repo.revparse_single(commit).unwrap();
        repo.reset(&object, git2::ResetType::Hard, None).unwrap();
    }

    fn run(&self, args: &[&str], env: &[(String, String)]) -> Output {
        let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
        run_with(self.path(), &args, env)
    }

    fn publish(&self, url: &str, commit: &str, more: &[&str], env: &[(String, String)]) -> Output {
        let mut args = vec!["publish", "--to", url, "--commit", commit];
        args.extend(more);
        self.run(&args, env)
    }
}

fn sha256(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

/// The gateway's description in a blob.
fn revision_of(blob: &[u8]) -> String {
    json(blob)["services"]["gateway"]["spec"]["description"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// What a store holds, read from the files behind it.
struct Stored<'a> {
    object: Box<dyn Fn(&str) -> PathBuf + 'a>,
}

impl Stored<'_> {
    fn read(&self, key: &str) -> Option<Vec<u8>> {
        std::fs::read((self.object)(key)).ok()
    }

    /// `latest.json`: its record, and the blob it carries (which must match the record).
    fn latest(&self) -> Option<(Value, Vec<u8>)> {
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
    fn records(&self) -> BTreeMap<u64, Value> {
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

/// The whole lifecycle against one store: first publish, republish, forward, backward and
/// diverged refused, `--force`, and reading each back.
fn lifecycle(
    url: &str,
    env: &[(String, String)],
    object: &dyn Fn(&str) -> PathBuf,
    repo: &Repo,
    first: &str,
) {
    let stored = Stored {
        object: Box::new(object),
    };

    let output = repo.publish(url, first, &[], env);
    assert_eq!(output.status, 0, "{}", output.report());
    assert!(
        output.stdout.contains("published #1 of commit"),
        "{}",
        output.report()
    );
    let (record, blob) = stored.latest().unwrap();
    assert_eq!(record["commit"], first);
    assert_eq!(record["sequence"], 1);
    assert_eq!(record["schema"], "registry.dev/v1");
    assert_eq!(record["forced"], false);
    assert!(record["tool"].as_str().unwrap().starts_with("registry "));
    assert!(record["publishedAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(stored.read(record["blob"].as_str().unwrap()).unwrap(), blob);

    // The same content again: a successful no-op.
    let output = repo.publish(url, first, &[], env);
    assert_eq!(output.status, 0, "{}", output.report());
    assert!(
        output.stdout.contains("already published: #1"),
        "{}",
        output.report()
    );
    assert_eq!(stored.records().len(), 1);

    let second = repo.revise("revision 2");
    let output = repo.publish(url, &second, &[], env);
    assert_eq!(output.status, 0, "{}", output.report());
    assert!(
        output.stdout.contains("published #2"),
        "{}",
        output.report()
    );

    // Backwards: refused, and nothing moves.
    let output = repo.publish(url, first, &[], env);
    assert_eq!(output.status, 1, "{}", output.report());
    assert!(
        output.stderr.contains("is older: it is an ancestor of"),
        "{}",
        output.report()
    );
    assert!(output.stderr.contains("--force"), "{}", output.report());
    assert_eq!(stored.latest().unwrap().0["commit"], second.as_str());

    // Diverged: refused.
    repo.reset(first);
    let diverged = repo.revise("revision 3");
    let output = repo.publish(url, &diverged, &[], env);
    assert_eq!(output.status, 1, "{}", output.report());
    assert!(
        output.stderr.contains("has diverged from"),
        "{}",
        output.report()
    );
    assert_eq!(stored.latest().unwrap().0["commit"], second.as_str());

    // Forced: published, and recorded as such.
    let output = repo.publish(url, &diverged, &["--force"], env);
    assert_eq!(output.status, 0, "{}", output.report());
    assert!(output.stdout.contains("published #3") && output.stdout.contains("(forced)"));
    let records = stored.records();
    assert_eq!(records.len(), 3);
    assert_eq!(records[&3]["forced"], true);
    assert_eq!(records[&2]["forced"], false);
    let (latest, blob) = stored.latest().unwrap();
    assert_eq!(latest, records[&3]);
    assert_eq!(revision_of(&blob), "revision 3");

    // fetch: latest, by commit, to a file, and the history.
    let output = repo.run(&["fetch", url], env);
    assert_eq!(output.status, 0, "{}", output.report());
    assert_eq!(output.stdout.as_bytes(), blob);
    let output = repo.run(&["fetch", url, "--commit", &second[..10]], env);
    assert_eq!(output.status, 0, "{}", output.report());
    assert_eq!(revision_of(output.stdout.as_bytes()), "revision 2");
    assert_eq!(
        sha256(output.stdout.as_bytes()),
        records[&2]["sha256"].as_str().unwrap()
    );
    let output = repo.run(&["fetch", url, "--output", "out/registry.json"], env);
    assert_eq!(
        output.status,
        2,
        "a missing directory is a failure: {}",
        output.report()
    );
    std::fs::create_dir(repo.path().join("out")).unwrap();
    let output = repo.run(&["fetch", url, "--output", "out/registry.json"], env);
    assert_eq!(output.status, 0, "{}", output.report());
    assert_eq!(
        std::fs::read(repo.path().join("out/registry.json")).unwrap(),
        blob
    );
    let output = repo.run(&["fetch", url, "--list"], env);
    assert_eq!(output.status, 0, "{}", output.report());
    let lines: Vec<&str> = output.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", output.stdout);
    assert!(lines[0].starts_with("#1 ") && lines[0].contains(&first[..12]));
    assert!(
        lines[2].starts_with("#3 ") && lines[2].ends_with("(forced, latest)"),
        "{}",
        lines[2]
    );

    // The published blob is what `build` writes for that commit.
    let output = repo.run(&["build"], &[]);
    assert_eq!(output.status, 0, "{}", output.report());
    assert_eq!(
        std::fs::read(repo.path().join("generated/registry.json")).unwrap(),
        blob
    );
}

/// Tampering with a blob or with `latest.json` is caught: an error, and nothing printed.
fn tampering(url: &str, env: &[(String, String)], object: &dyn Fn(&str) -> PathBuf, repo: &Repo) {
    let stored = Stored {
        object: Box::new(object),
    };
    let (record, _) = stored.latest().unwrap();
    let previous = stored.records()[&2].clone();
    let blob = object(previous["blob"].as_str().unwrap());
    let text = std::fs::read_to_string(&blob).unwrap();
    std::fs::write(&blob, text.replace("revision 2", "revision 9")).unwrap();
    let commit = previous["commit"].as_str().unwrap();
    let output = repo.run(&["fetch", url, "--commit", commit], env);
    assert_eq!(output.status, 1, "{}", output.report());
    assert!(output.stdout.is_empty(), "{}", output.report());
    assert!(
        output.stderr.contains("is corrupt: its SHA-256 is"),
        "{}",
        output.report()
    );

    let latest = object("latest.json");
    let text = std::fs::read_to_string(&latest).unwrap();
    std::fs::write(&latest, text.replace("revision 3", "revision 4")).unwrap();
    let output = repo.run(&["fetch", url], env);
    assert_eq!(output.status, 1, "{}", output.report());
    assert!(output.stdout.is_empty(), "{}", output.report());
    assert!(
        output
            .stderr
            .contains("the registry it carries does not match"),
        "{}",
        output.report()
    );
    // A publisher puts latest.json right again from the record.
    let output = repo.publish(url, record["commit"].as_str().unwrap(), &[], env);
    assert_eq!(output.status, 0, "{}", output.report());
    let output = repo.run(&["fetch", url], env);
    assert_eq!(output.status, 0, "{}", output.report());
    assert_eq!(revision_of(output.stdout.as_bytes()), "revision 3");
}

#[test]
fn a_local_directory() {
    let (repo, first) = Repo::new();
    let dir = repo.path().join("published");
    let object = |key: &str| dir.join(key);
    let output = repo.run(&["fetch", "published"], &[]);
    assert_eq!(output.status, 2, "{}", output.report());
    assert!(
        output.stderr.contains("nothing is published at"),
        "{}",
        output.report()
    );
    assert!(!dir.exists(), "fetch creates nothing");
    lifecycle("file://published", &[], &object, &repo, &first);
    tampering("published", &[], &object, &repo);
    let facts = json(&std::fs::read(dir.join("store.json")).unwrap());
    assert_eq!(facts["conditionalCreate"], true);
}

#[test]
fn the_s3_protocol() {
    let s3 = S3::start();
    let (repo, first) = Repo::new();
    let url = format!("s3://{BUCKET}/acme/registry");
    let object = |key: &str| s3.object(&format!("acme/registry/{key}"));
    lifecycle(&url, &s3.env(), &object, &repo, &first);
    tampering(&url, &s3.env(), &object, &repo);
    let facts = json(&std::fs::read(object("store.json")).unwrap());
    assert_eq!(facts["conditionalCreate"], true);
    assert_eq!(facts["conditionalUpdate"], true);
}

#[test]
fn the_default_target_comes_from_the_settings() {
    let (repo, first) = Repo::new();
    let settings = repo.path().join("registry/registry.jsonnet");
    let text = std::fs::read_to_string(&settings).unwrap();
    std::fs::write(
        &settings,
        text.replacen('{', "{\n  publish: { url: 'file://../store' },", 1),
    )
    .unwrap();
    let second = commit(repo.path(), "publish to store/");
    let output = repo.run(&["publish"], &[]);
    assert_eq!(output.status, 0, "{}", output.report());
    assert!(repo.path().join("store/latest.json").is_file());
    assert_eq!(
        json(&std::fs::read(repo.path().join("store/latest.json")).unwrap())["publication"]["commit"],
        second.as_str()
    );
    let output = repo.run(&["fetch"], &[]);
    assert_eq!(output.status, 0, "{}", output.report());
    assert_eq!(
        json(output.stdout.as_bytes())["apiVersion"],
        "registry.dev/v1"
    );

    // Without a setting: `published/` beside the registry root.
    std::fs::write(&settings, text).unwrap();
    commit(repo.path(), "no publish setting");
    let output = repo.run(&["publish"], &[]);
    assert_eq!(output.status, 0, "{}", output.report());
    assert!(repo.path().join("published/latest.json").is_file());
    let _ = first;
}

#[test]
fn a_registry_with_errors_is_not_published() {
    let (repo, _) = Repo::new();
    std::fs::write(
        repo.path().join(GATEWAY),
        "{ name: 'gateway', owner: 'nobody' }\n",
    )
    .unwrap();
    let broken = commit(repo.path(), "broken");
    let output = repo.publish("file://published", &broken, &[], &[]);
    assert_eq!(output.status, 1, "{}", output.report());
    assert!(
        output.stdout.contains("refusing to publish"),
        "{}",
        output.report()
    );
    assert!(!repo.path().join("published").exists());
}

#[test]
fn a_published_commit_missing_from_the_history_is_refused() {
    let (repo, _) = Repo::new();
    let (other, _) = Repo::new();
    let here = repo.revise("here");
    let store = repo.path().join("published");
    let url = format!("file://{}", store.display());
    let output = repo.publish(&url, &here, &[], &[]);
    assert_eq!(output.status, 0, "{}", output.report());
    let revised = other.revise("elsewhere");
    let output = other.publish(&url, &revised, &[], &[]);
    assert_eq!(output.status, 1, "{}", output.report());
    assert!(
        output.stderr.contains("is not in this repository"),
        "{}",
        output.report()
    );
    assert!(
        output.stderr.contains("fetch-depth: 0"),
        "{}",
        output.report()
    );
}

#[test]
fn store_failures_are_reported_plainly() {
    let s3 = S3::start();
    let (repo, first) = Repo::new();
    let url = format!("s3://{BUCKET}/registry");
    let output = repo.publish(&url, &first, &[], &s3.env_with_wrong_secret());
    assert_eq!(output.status, 2, "{}", output.report());
    assert!(
        output.stderr.contains("refused the credentials"),
        "{}",
        output.report()
    );

    let output = repo.run(&["fetch", &url], &s3.env());
    assert_eq!(output.status, 2, "{}", output.report());
    assert!(
        output.stderr.contains("nothing is published at"),
        "{}",
        output.report()
    );

    let output = repo.publish("ftp://example.com/registry", &first, &[], &[]);
    assert_eq!(output.status, 2, "{}", output.report());
    assert!(
        output.stderr.contains("is not a store"),
        "{}",
        output.report()
    );

    // Transient failures are retried.
    s3.unavailable_for(6);
    let output = repo.publish(&url, &first, &[], &s3.env());
    assert_eq!(output.status, 0, "{}", output.report());
    assert!(s3.seen() > 6);
}

/// One step of [`at_each_request`]: a fault at request `n` of publishing `after`, over a store
/// whose latest publication is `before`.
struct Step<'a> {
    s3: &'a S3,
    repo: &'a Repo,
    url: &'a str,
    n: usize,
    before: &'a str,
    after: &'a str,
}

impl Step<'_> {
    /// What the store holds.
    fn stored(&self) -> Stored<'_> {
        Stored {
            object: Box::new(|key: &str| self.s3.object(&format!("registry/{key}"))),
        }
    }

    /// Publishes `after`.
    fn publish(&self, more: &[&str]) -> Output {
        self.repo
            .publish(self.url, self.after, more, &self.s3.env())
    }

    /// After a publisher stopped anywhere: `latest.json` is complete and verified and names one
    /// of the two commits, every record's blob is there, and publishing again finishes the job.
    fn assert_recovers(&self) {
        let stored = self.stored();
        let (latest, _) = stored.latest().expect("latest.json is always there");
        assert!(
            latest["commit"] == self.before || latest["commit"] == self.after,
            "latest names {}",
            latest["commit"]
        );
        let records = stored.records();
        assert_eq!(records.values().last().unwrap()["sequence"], records.len());
        let output = self.publish(&[]);
        assert_eq!(output.status, 0, "{}", output.report());
        assert_eq!(stored.latest().unwrap().0["commit"], self.after);
    }
}

/// Publishes a first commit to the in-process S3 server, then, for n = 1, 2, …, a new commit
/// with `fault` at request n, until `fault` says the publication needed fewer than n requests:
/// every point of a publication is tried, not a sample.
fn at_each_request(mut fault: impl FnMut(&Step) -> bool) {
    let s3 = S3::start();
    let (repo, first) = Repo::new();
    let url = format!("s3://{BUCKET}/registry");
    let output = repo.publish(&url, &first, &[], &s3.env());
    assert_eq!(output.status, 0, "{}", output.report());
    let mut before = first;
    for n in 1.. {
        let after = repo.revise(&format!("revision {n}"));
        let step = Step {
            s3: &s3,
            repo: &repo,
            url: &url,
            n,
            before: &before,
            after: &after,
        };
        if !fault(&step) {
            assert!(n > 8, "a publication takes more than 8 requests");
            return;
        }
        before = after;
    }
}

#[test]
fn a_server_that_dies_at_any_request_loses_nothing() {
    at_each_request(|step| {
        step.s3.die_at(step.n);
        let output = step.publish(&["--retry-for", "1"]);
        if !step.s3.dead() {
            assert_eq!(output.status, 0, "{}", output.report());
            return false;
        }
        assert_eq!(output.status, 2, "request {}: {}", step.n, output.report());
        assert!(
            output.stderr.contains("error: cannot"),
            "{}",
            output.report()
        );
        step.s3.wait_dead();
        step.s3.serve();
        step.s3.reset();
        step.assert_recovers();
        true
    });
}

#[test]
fn a_response_lost_at_any_request_is_retried_safely() {
    at_each_request(|step| {
        step.s3.lose_response_at(step.n);
        let output = step.publish(&[]);
        // The write landed, its answer did not: the retry is refused as existing or stale, and
        // the publisher reads back what is there and carries on.
        assert_eq!(
            output.status,
            0,
            "response {} lost: {}",
            step.n,
            output.report()
        );
        assert!(output.stdout.contains("published #"), "{}", output.report());
        let stored = step.stored();
        assert_eq!(stored.latest().unwrap().0["commit"], step.after);
        assert_eq!(stored.records().len(), step.n + 1);
        step.s3.seen() >= step.n
    });
}

#[test]
fn a_body_cut_off_at_any_request_is_read_again() {
    at_each_request(|step| {
        step.s3.truncate_at(step.n);
        let output = step.publish(&[]);
        assert_eq!(
            output.status,
            0,
            "body {} cut off: {}",
            step.n,
            output.report()
        );
        assert_eq!(step.stored().latest().unwrap().0["commit"], step.after);
        let requests = step.s3.seen();
        step.s3.truncate_at(1);
        let output = step.repo.run(&["fetch", step.url], &step.s3.env());
        assert_eq!(output.status, 0, "{}", output.report());
        assert_eq!(
            revision_of(output.stdout.as_bytes()),
            format!("revision {}", step.n)
        );
        requests >= step.n
    });
}

#[test]
fn a_publisher_killed_at_any_point_loses_nothing() {
    at_each_request(|step| {
        let args: Vec<String> = ["publish", "--to", step.url, "--commit", step.after]
            .iter()
            .map(|arg| (*arg).to_owned())
            .collect();
        let child = command(step.repo.path(), &args, &step.s3.env())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if !step.s3.kill_after(step.n, child) {
            return false;
        }
        step.s3.reset();
        step.assert_recovers();
        true
    });
}

#[test]
fn a_missing_bucket_is_reported_plainly() {
    // moto, because s3s-fs creates a bucket on the first write to it.
    let moto = Moto::start();
    let (repo, first) = Repo::new();
    let output = repo.publish("s3://no-such-bucket/registry", &first, &[], &moto.env());
    assert_eq!(output.status, 2, "{}", output.report());
    assert!(
        output.stderr.contains("the bucket does not exist"),
        "{}",
        output.report()
    );
    let output = repo.run(&["fetch", "s3://no-such-bucket/registry"], &moto.env());
    assert_eq!(output.status, 2, "{}", output.report());
    assert!(
        output.stderr.contains("the bucket does not exist"),
        "{}",
        output.report()
    );
}

#[test]
fn sixteen_concurrent_publishers_end_with_the_newest() {
    let moto = Moto::start();
    let (repo, first) = Repo::new();
    let mut commits = vec![first];
    for n in 2..=16 {
        commits.push(repo.revise(&format!("revision {n}")));
    }
    let url = format!("s3://{BUCKET}/registry");
    let env = moto.env();
    let store = object_store_for(&env);
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let done = std::sync::Arc::clone(&done);
        std::thread::spawn(move || watch_latest(&store, &done))
    };
    let children: Vec<_> = commits
        .iter()
        .map(|commit| {
            let args: Vec<String> = ["publish", "--to", &url, "--commit", commit]
                .iter()
                .map(|arg| (*arg).to_owned())
                .collect();
            command(repo.path(), &args, &env)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|child| child.wait_with_output().unwrap())
        .collect();
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let seen = watcher.join().unwrap();

    let mut published = BTreeMap::new();
    for (commit, output) in commits.iter().zip(&outputs) {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        match output.status.code() {
            Some(0) => {
                let sequence: u64 = stdout
                    .split("published #")
                    .nth(1)
                    .and_then(|rest| rest.split(' ').next())
                    .and_then(|number| number.parse().ok())
                    .unwrap_or_else(|| panic!("{stdout}"));
                published.insert(sequence, commit.clone());
            }
            Some(1) => assert!(stderr.contains("is older"), "{stderr}"),
            other => panic!("publisher of {commit} ended with {other:?}: {stdout}{stderr}"),
        }
    }
    // The newest commit is published and is latest; every publisher that said it published
    // has its record; each record descends from the one before.
    assert_eq!(published.values().last(), commits.last());
    let history = repo.run(&["fetch", &url, "--list"], &env);
    assert_eq!(history.status, 0, "{}", history.report());
    let lines: Vec<&str> = history.stdout.lines().collect();
    assert_eq!(lines.len(), published.len(), "{}", history.stdout);
    for (line, (sequence, commit)) in lines.iter().zip(&published) {
        assert!(line.starts_with(&format!("#{sequence} ")), "{line}");
        assert!(line.contains(&commit[..12]), "{line}");
    }
    assert!(lines.last().unwrap().ends_with("(latest)"));
    let git = git2::Repository::open(repo.path()).unwrap();
    for pair in published.values().collect::<Vec<_>>().windows(2) {
        let (older, newer) = (
            git2::Oid::from_str(pair[0]).unwrap(),
            git2::Oid::from_str(pair[1]).unwrap(),
        );
        assert!(git.graph_descendant_of(newer, older).unwrap());
    }
    let latest = repo.run(&["fetch", &url], &env);
    assert_eq!(revision_of(latest.stdout.as_bytes()), "revision 16");
    // Latest never moved back while they raced.
    assert!(seen.windows(2).all(|pair| pair[0] <= pair[1]), "{seen:?}");
    assert!(!seen.is_empty());
}

/// An `object_store` client for the environment's S3 server, to watch it from outside.
fn object_store_for(env: &[(String, String)]) -> object_store::aws::AmazonS3 {
    let get = |key: &str| env.iter().find(|(name, _)| name == key).unwrap().1.clone();
    object_store::aws::AmazonS3Builder::new()
        .with_endpoint(get("AWS_ENDPOINT"))
        .with_allow_http(true)
        .with_region(get("AWS_REGION"))
        .with_access_key_id(get("AWS_ACCESS_KEY_ID"))
        .with_secret_access_key(get("AWS_SECRET_ACCESS_KEY"))
        .with_bucket_name(BUCKET)
        .build()
        .unwrap()
}

/// The sequence numbers `latest.json` shows, read again and again until `done`.
fn watch_latest(
    store: &object_store::aws::AmazonS3,
    done: &std::sync::atomic::AtomicBool,
) -> Vec<u64> {
    use object_store::ObjectStoreExt as _;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let path = object_store::path::Path::from("registry/latest.json");
    let mut seen = Vec::new();
    loop {
        let finished = done.load(std::sync::atomic::Ordering::SeqCst);
        let bytes = runtime.block_on(async {
            match store.get(&path).await {
                Ok(result) => result.bytes().await.ok(),
                Err(_) => None,
            }
        });
        if let Some(bytes) = bytes {
            seen.push(json(&bytes)["publication"]["sequence"].as_u64().unwrap());
        }
        if finished {
            return seen;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn a_store_that_ignores_conditional_writes_is_refused() {
    let garage = Garage::start();
    let (repo, first) = Repo::new();
    let url = format!("s3://{BUCKET}/registry");
    let output = repo.publish(&url, &first, &[], &garage.env());
    assert_eq!(output.status, 1, "{}", output.report());
    assert!(
        output
            .stderr
            .contains("the store does not honour conditional writes: it accepted a second create"),
        "{}",
        output.report()
    );
    assert!(
        output.stderr.contains("--single-writer"),
        "{}",
        output.report()
    );
    let output = repo.run(&["fetch", &url], &garage.env());
    assert_eq!(
        output.status,
        2,
        "nothing was published: {}",
        output.report()
    );

    // The explicit opt-out publishes, and says so in the record.
    let output = repo.publish(&url, &first, &["--single-writer"], &garage.env());
    assert_eq!(output.status, 0, "{}", output.report());
    let output = repo.run(&["fetch", &url, "--list"], &garage.env());
    assert_eq!(output.status, 0, "{}", output.report());
    assert!(
        output
            .stdout
            .trim_end()
            .ends_with("(single writer, latest)"),
        "{}",
        output.stdout
    );
    let second = repo.revise("revision 2");
    let output = repo.publish(&url, &second, &["--single-writer"], &garage.env());
    assert_eq!(output.status, 0, "{}", output.report());
    let output = repo.publish(&url, &first, &["--single-writer"], &garage.env());
    assert_eq!(output.status, 1, "still forward only: {}", output.report());

    // A key that may only read is denied, plainly; it can still fetch.
    let third = repo.revise("revision 3");
    let output = repo.publish(&url, &third, &["--single-writer"], &garage.reader_env());
    assert_eq!(output.status, 2, "{}", output.report());
    assert!(
        output.stderr.contains("permission denied"),
        "{}",
        output.report()
    );
    let output = repo.run(&["fetch", &url], &garage.reader_env());
    assert_eq!(output.status, 0, "{}", output.report());
    assert_eq!(revision_of(output.stdout.as_bytes()), "revision 2");
}
