//! Sixteen publishers racing on `moto_server`, whose conditional writes are atomic.

use std::collections::BTreeMap;
use std::process::Stdio;

use super::{Repo, json, revision_of};
use crate::stores::{BUCKET, Moto};
use crate::test::registry;

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
            registry(repo.path())
                .args(["publish", "--to", &url, "--commit", commit])
                .envs(&env)
                .spawn(Stdio::piped(), Stdio::piped())
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
            // Its commit is an ancestor of one already published: nothing to do.
            Some(0) if stdout.contains("\nsuperseded: ") => {
                assert!(stdout.contains(&commit[..12]), "{stdout}");
            }
            Some(0) => {
                let sequence: u64 = stdout
                    .split("published #")
                    .nth(1)
                    .and_then(|rest| rest.split(' ').next())
                    .and_then(|number| number.parse().ok())
                    .unwrap_or_else(|| panic!("{stdout}"));
                published.insert(sequence, commit.clone());
            }
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
