//! A publication's whole lifecycle on a local directory and on the S3 protocol, and the
//! failures a store reports plainly.

use std::path::PathBuf;

use super::{GATEWAY, Repo, Stored, json, revision_of, sha256};
use crate::stores::{BUCKET, Moto, S3};
use crate::test::commit;

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

    // Backwards (an out-of-order merge job): superseded, a success, and nothing moves.
    let output = repo.publish(url, first, &[], env);
    assert_eq!(output.status, 0, "{}", output.report());
    assert_eq!(
        output.stdout.lines().last().unwrap(),
        format!(
            "superseded: commit `{}` is an ancestor of commit `{}`, already published as #2 at \
             `{}`; nothing to do",
            &first[..12],
            &second[..12],
            store_url(url, repo),
        ),
        "{}",
        output.report()
    );
    assert!(output.stderr.is_empty(), "{}", output.report());
    assert_eq!(stored.latest().unwrap().0["commit"], second.as_str());
    assert_eq!(stored.records().len(), 2);

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

/// The store's URL as messages show it.
fn store_url(url: &str, repo: &Repo) -> String {
    match url.strip_prefix("file://") {
        Some(dir) => format!(
            "file://{}/",
            std::fs::canonicalize(repo.path().join(dir))
                .unwrap()
                .display()
        ),
        None => format!("{url}/"),
    }
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
    assert_eq!(facts["conditionalUpdate"], false, "not needed: a lock file");
    assert_no_probe_left(&dir);
}

/// The probe of conditional writes cleans up after itself.
fn assert_no_probe_left(dir: &std::path::Path) {
    let left: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".probe"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
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
    assert_no_probe_left(&object(""));
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
