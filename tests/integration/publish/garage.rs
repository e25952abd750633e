//! A Garage node, which ignores conditional writes: publishing is refused unless only one
//! publisher can run.

use super::{Repo, revision_of};
use crate::stores::{BUCKET, Garage};

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
    assert_eq!(output.status, 0, "{}", output.report());
    assert!(
        output.stdout.contains("superseded: "),
        "still forward only: {}",
        output.report()
    );

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
