//! Faults injected at each request of a publication in turn: the server dies, a response is
//! lost, a body is cut off, the publisher is killed. Nothing is ever lost.

use std::process::Stdio;

use super::{Repo, Stored, revision_of};
use crate::stores::{BUCKET, S3};
use crate::test::{Output, registry};

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
        let child = registry(step.repo.path())
            .args(["publish", "--to", step.url, "--commit", step.after])
            .envs(&step.s3.env())
            .spawn(Stdio::null(), Stdio::null());
        if !step.s3.kill_after(step.n, child) {
            return false;
        }
        step.s3.reset();
        step.assert_recovers();
        true
    });
}

/// A store that handles every write and never answers: the client does not repeat a write
/// whose answer is lost, so the publisher does, waiting twice as long each time, until
/// `--retry-for` is spent; then the failure is reported.
#[test]
fn lost_writes_are_retried_with_backoff_until_the_time_is_spent() {
    let s3 = S3::start();
    let (repo, first) = Repo::new();
    let url = format!("s3://{BUCKET}/registry");
    let output = repo.publish(&url, &first, &[], &s3.env());
    assert_eq!(output.status, 0, "{}", output.report());
    let second = repo.revise("revision 2");
    s3.lose_puts();
    let started = std::time::Instant::now();
    let output = repo.publish(&url, &second, &["--retry-for", "2"], &s3.env());
    let elapsed = started.elapsed();
    let puts = s3.puts();
    s3.reset();
    assert_eq!(output.status, 2, "{}", output.report());
    assert!(
        output.stderr.contains("error: cannot create"),
        "{}",
        output.report()
    );
    // Waits of 0.1, 0.2, 0.4 and 0.8 s fit in 2 s (the last only if the requests are quick);
    // 1.6 s more would not.
    assert!((4..=5).contains(&puts), "{puts} writes in {elapsed:?}");
    assert!(
        elapsed >= std::time::Duration::from_millis(1500)
            && elapsed < std::time::Duration::from_secs(5),
        "{elapsed:?}"
    );
}
