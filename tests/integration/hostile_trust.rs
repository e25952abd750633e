//! Hostile input to the two guards that decide what is trusted: the credential scan, which
//! must see every byte under the registry root whatever its encoding, and `fetch`, which must
//! print nothing it has not checked against the store's immutable records.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use crate::publish::{Repo, Stored, json, revision_of, sha256};
use crate::stores::{BUCKET, S3};
use crate::test::{Output, Test, commit, registry};

/// One credential of each kind the scan knows (the `PATTERNS` table in `src/scan`), all of
/// them different for each `variant` (an uppercase letter).
fn keys(variant: char) -> Vec<(&'static str, String)> {
    let run = |count: usize| variant.to_string().repeat(count);
    let algorithm = match variant {
        'A' => "RSA ",
        'B' => "EC ",
        'C' => "OPENSSH ",
        _ => "",
    };
    vec![
        (
            "private key",
            format!("-----BEGIN {algorithm}PRIVATE KEY-----"),
        ),
        ("AWS access key", format!("AKIA{}", run(16))),
        ("Google Cloud API key", format!("AIza{}", run(35))),
        (
            "Azure storage account key",
            format!("AccountKey={}==", run(86)),
        ),
        ("GitHub token", format!("ghp_{}", run(36))),
        ("GitLab token", format!("glpat-{}", run(20))),
        ("Slack token", format!("xoxb-{}-{}", run(12), run(12))),
        (
            "Slack webhook URL",
            format!(
                "https://hooks.slack.com/services/T{}/B{}/{}",
                run(8),
                run(8),
                run(24)
            ),
        ),
        (
            "Discord webhook URL",
            format!(
                "https://discord.com/api/webhooks/{}/{}",
                "1".repeat(18),
                run(40)
            ),
        ),
    ]
}

/// The keys, one a line, each after `prefix`.
fn lines(prefix: &str, variant: char) -> String {
    keys(variant)
        .iter()
        .fold(String::new(), |mut text, (_, key)| {
            let _ = writeln!(text, "{prefix}{key}");
            text
        })
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut bytes = Vec::new();
    for unit in std::iter::once(0xfeff)
        .filter(|_| bom)
        .chain(text.encode_utf16())
    {
        bytes.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    bytes
}

/// Every diagnostic of a `check --format json` run.
fn diagnostics(output: &Output) -> Vec<Value> {
    let report: Value = serde_json::from_str(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}\n{}", output.report()));
    report["diagnostics"].as_array().unwrap().clone()
}

/// Each kind of file a registry root can hold, with every kind of key in it: the places a
/// scan could forget. Each maps a path under `registry/` to how its message starts.
fn planted() -> (Test, BTreeMap<String, usize>) {
    let team = format!(
        "{}local imported = import '../data/imported.json';\n\
         local helpers = import '../lib/helpers.libsonnet';\n\
         {{\n  name: 'platform',\n  description: imported.description,\n  \
         slack: '#team-platform',\n  members: [],\n  annotations: helpers.annotations,\n}}\n",
        lines("// ", 'A')
    );
    // The same keys in every file: each file's findings are its own.
    let data = |prefix: &str| lines(prefix, 'A');
    let json_list = keys('A')
        .iter()
        .map(|(_, key)| format!("\"{key}\""))
        .collect::<Vec<_>>()
        .join(", ");
    // The Jsonnet builds other keys from pieces no file holds whole.
    let computed =
        keys('B')
            .iter()
            .enumerate()
            .fold(String::new(), |mut text, (index, (_, key))| {
                let (head, tail) = key.split_at(4);
                let _ = writeln!(text, "    k{index}: std.join('', ['{head}', '{tail}']),");
                text
            });
    let latin1 = [b"caf\xe9 \xff\n".as_slice(), data("").as_bytes()].concat();
    let png = [
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".as_slice(),
        &[0_u8, 0xff, 0x10, 0x80].repeat(1000),
        data("\0").as_bytes(),
        &[0xfe_u8; 64],
    ]
    .concat();
    let utf32: Vec<u8> = data(" ")
        .chars()
        .flat_map(|character| u32::from(character).to_be_bytes())
        .collect();
    let test = Test::registry()
        .file(
            "registry/registry.jsonnet",
            format!(
                "{}\n{}",
                crate::test::SETTINGS.trim_end(),
                lines("// ", 'A')
            ),
        )
        .file("registry/teams/platform.jsonnet", team)
        .file(
            "registry/lib/helpers.libsonnet",
            format!(
                "{}{{\n  annotations: {{\n{computed}    literal: '{}',\n  }},\n}}\n",
                data("// "),
                keys('A')[1].1
            ),
        )
        .file(
            "registry/lib/unused.libsonnet",
            format!("{}{{}}\n", data("// ")),
        )
        .file(
            "registry/data/imported.json",
            format!("{{\"description\": \"The platform team.\", \"notes\": [{json_list}]}}\n"),
        )
        .file(
            "registry/data/unimported.json",
            format!("{{\"notes\": [{json_list}]}}\n"),
        )
        .file("registry/data/latin1.txt", latin1)
        .file(
            "registry/data/utf16le-bom.txt",
            utf16(&data("key: "), false, true),
        )
        .file(
            "registry/data/utf16le.txt",
            utf16(&data("key: "), false, false),
        )
        .file(
            "registry/data/utf16be-bom.txt",
            utf16(&data("key: "), true, true),
        )
        .file(
            "registry/data/utf16be.txt",
            utf16(&data("key: "), true, false),
        )
        .file("registry/data/utf32be.txt", utf32)
        .file("registry/assets/logo.png", png)
        .file("registry/.hidden/notes.md", data("- "))
        .file("registry/.hidden/.deeper/notes", data(""));
    std::os::unix::fs::symlink(
        "data/unimported.json",
        test.path().join("registry/link.json"),
    )
    .unwrap();
    let each = keys('A').len();
    let expected = [
        "registry.jsonnet",
        "teams/platform.jsonnet",
        "lib/helpers.libsonnet",
        "lib/unused.libsonnet",
        "data/imported.json",
        "data/unimported.json",
        "data/latin1.txt",
        "data/utf16le-bom.txt",
        "data/utf16le.txt",
        "data/utf16be-bom.txt",
        "data/utf16be.txt",
        "data/utf32be.txt",
        "assets/logo.png",
        ".hidden/notes.md",
        ".hidden/.deeper/notes",
        "link.json",
    ]
    .into_iter()
    .map(|path| (path.to_owned(), each))
    .collect::<BTreeMap<_, _>>();
    // And one more in the library: a literal key that is also in the team's value, reported
    // once, where it is written.
    let mut expected = expected;
    *expected.get_mut("lib/helpers.libsonnet").unwrap() += 1;
    (test, expected)
}

/// Every kind of key, in every kind of file under the root and in what the Jsonnet computes,
/// is reported once, where it is, in every format, and never shown.
#[test]
fn every_key_in_every_file_is_found_and_never_shown() {
    let (test, expected) = planted();
    let output = test.run(["--root", "registry", "check", "--format", "json"]);
    assert_eq!(output.status, 1, "{}", output.report());
    let found = diagnostics(&output);
    let mut by_file: BTreeMap<String, usize> = BTreeMap::new();
    let mut computed = Vec::new();
    for diagnostic in &found {
        assert_eq!(diagnostic["code"], "credential", "{diagnostic}");
        let message = diagnostic["message"].as_str().unwrap();
        let path = diagnostic["location"]["path"]
            .as_str()
            .unwrap()
            .strip_prefix("registry/")
            .unwrap()
            .to_owned();
        if message.contains(" in the value of ") {
            computed.push((message.to_owned(), diagnostic["location"].clone()));
            continue;
        }
        assert!(
            keys('A')
                .iter()
                .any(|(name, _)| message.starts_with(&format!("{name} committed in `{path}`"))),
            "unexpected: {diagnostic}"
        );
        *by_file.entry(path).or_default() += 1;
    }
    assert_eq!(by_file, expected, "{}", output.report());

    // The keys the Jsonnet builds are found in the value, each at its field.
    let mut expected_computed: Vec<String> = keys('B')
        .iter()
        .enumerate()
        .map(|(index, (name, _))| {
            format!("{name} in the value of team `platform` at `/annotations/k{index}`")
        })
        .collect();
    expected_computed.sort();
    let mut messages: Vec<String> = computed
        .iter()
        .map(|(message, _)| message.clone())
        .collect();
    messages.sort();
    assert_eq!(messages, expected_computed);
    for (_, location) in &computed {
        assert_eq!(location["entity"], "team/platform");
        assert_eq!(location["path"], "registry/teams/platform.jsonnet");
    }

    // Positions are honest: a line and column in UTF-8 text, a byte offset elsewhere.
    let position = |path: &str| {
        found
            .iter()
            .find(|diagnostic| {
                diagnostic["location"]["path"] == format!("registry/{path}")
                    && diagnostic["message"]
                        .as_str()
                        .unwrap()
                        .starts_with("private key")
            })
            .unwrap()
    };
    let in_text = position("lib/unused.libsonnet");
    assert_eq!(in_text["location"]["line"], 1);
    assert_eq!(in_text["location"]["column"], 4);
    for path in ["data/utf16le-bom.txt", "data/latin1.txt", "assets/logo.png"] {
        let diagnostic = position(path);
        assert!(diagnostic["location"].get("line").is_none(), "{diagnostic}");
        assert!(
            diagnostic["message"]
                .as_str()
                .unwrap()
                .contains(" at byte "),
            "{diagnostic}"
        );
    }
    let wide = position("data/utf16le-bom.txt");
    assert_eq!(
        wide["message"],
        "private key committed in `data/utf16le-bom.txt` at byte 12, written in UTF-16 or UTF-32"
    );
    let binary = position("data/latin1.txt");
    assert_eq!(
        binary["message"],
        "private key committed in `data/latin1.txt` at byte 7 (the file is not UTF-8 text)"
    );

    // No format shows a secret.
    for format in ["human", "concise", "json", "github"] {
        let output = test.run(["--root", "registry", "check", "--format", format]);
        assert_eq!(output.status, 1, "{}", output.report());
        for variant in ['A', 'B'] {
            for (name, key) in keys(variant) {
                assert!(
                    !output.stdout.contains(&key) && !output.stderr.contains(&key),
                    "{format} shows a {name}:\n{}",
                    output.report()
                );
            }
        }
    }
}

/// A key in a file name is reported with the name redacted.
#[test]
fn a_key_in_a_file_name_is_found_and_redacted() {
    let key = format!("AKIA{}", "Q".repeat(16));
    let test = Test::registry().file(&format!("registry/data/{key}.txt"), "nothing\n");
    let output = test.run(["--root", "registry", "check", "--format", "concise"]);
    assert_eq!(output.status, 1, "{}", output.report());
    assert!(!output.stdout.contains(&key), "{}", output.report());
    insta::assert_snapshot!(output.report(), @r"
    status: 1
    ----- stdout -----
    error[credential]: AWS access key committed in a file name: `data/<AWS access key>.txt`
    checked 0 teams, 0 projects, 0 clusters, 0 services: 1 error
    ----- stderr -----
    ");
}

/// `publish` reads the registry from git, and the same scan sees every byte there: a key in a
/// UTF-16 file stops it.
#[test]
fn publish_refuses_a_key_in_a_utf16_file_at_the_commit() {
    let test = Test::registry().file(
        "registry/data/notes.txt",
        utf16(&format!("key: AKIA{}\n", "P".repeat(16)), false, true),
    );
    let head = commit(test.path(), "a key in UTF-16");
    let output = registry(test.path())
        .args([
            "--root", "registry", "publish", "--to", "store", "--commit", &head, "--format",
            "concise",
        ])
        .output();
    assert_eq!(output.status, 1, "{}", output.report());
    assert!(
        output.stdout.contains(
            "error[credential]: AWS access key committed in `data/notes.txt` at byte 12, \
             written in UTF-16 or UTF-32"
        ),
        "{}",
        output.report()
    );
    assert!(!test.path().join("store").exists());
}

/// One pass over the bytes: a large binary file is scanned in about the time it takes to read.
#[test]
fn a_large_binary_file_is_scanned_quickly() {
    let mut bytes: Vec<u8> = (0..8_u32 << 20)
        .map(|index| (index.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    bytes.extend(utf16(&format!(" AKIA{} ", "L".repeat(16)), false, false));
    let test = Test::registry().file("registry/assets/blob.bin", bytes);
    let measured = registry(test.path())
        .args(["--root", "registry", "check", "--format", "concise"])
        .measured(Duration::from_mins(1));
    measured.assert_within(20.0, 600);
    let output = &measured.output;
    assert_eq!(output.status, 1, "{}", output.report());
    assert!(
        output
            .stdout
            .contains("AWS access key committed in `assets/blob.bin` at byte 8388610"),
        "{}",
        output.report()
    );
}

/// A store under test: its URL, the environment that reaches it, and the file behind a key.
struct Target<'a> {
    url: String,
    env: Vec<(String, String)>,
    object: Box<dyn Fn(&str) -> PathBuf + 'a>,
}

impl Target<'_> {
    fn read(&self, key: &str) -> Vec<u8> {
        std::fs::read((self.object)(key)).unwrap()
    }

    fn write(&self, key: &str, bytes: impl AsRef<[u8]>) {
        let path = (self.object)(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    /// Makes `key` a file of `size` bytes that takes no room on disk.
    fn sparse(&self, key: &str, size: u64) {
        let file = std::fs::File::create((self.object)(key)).unwrap();
        file.set_len(size).unwrap();
    }

    fn stored(&self) -> Stored<'_> {
        Stored {
            object: Box::new(|key: &str| (self.object)(key)),
        }
    }
}

/// The local directory `published/` in `repo`.
fn local(repo: &Repo) -> Target<'_> {
    let dir = repo.path().join("published");
    Target {
        url: "published".to_owned(),
        env: Vec::new(),
        object: Box::new(move |key: &str| dir.join(key)),
    }
}

/// The prefix `trust/` of the in-process S3 server's bucket.
fn s3(server: &S3) -> Target<'_> {
    Target {
        url: format!("s3://{BUCKET}/trust"),
        env: server.env(),
        object: Box::new(|key: &str| server.object(&format!("trust/{key}"))),
    }
}

/// Exit 1, nothing on standard output, and `message` on standard error.
fn refused(output: &Output, message: &str) {
    assert_eq!(output.status, 1, "{}", output.report());
    assert!(output.stdout.is_empty(), "{}", output.report());
    assert!(output.stderr.contains(message), "{}", output.report());
}

/// `latest.json` with another registry inside and a record that agrees with it: consistent,
/// and not what the store's record says. The forged blob is put at its own address too.
fn forge(target: &Target, genuine: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(genuine.to_vec()).unwrap();
    let start = text.find(",\"registry\":").unwrap() + ",\"registry\":".len();
    let registry = &text[start..text.len() - 2];
    let forged_registry = registry.replace("revision 2", "forged!!!!");
    assert_ne!(registry, forged_registry);
    let blob = format!("{registry}\n");
    let forged_blob = format!("{forged_registry}\n");
    let (old, new) = (sha256(blob.as_bytes()), sha256(forged_blob.as_bytes()));
    let forged = text[..start].replace(&old, &new) + &forged_registry + "}\n";
    assert_eq!(blob.len(), forged_blob.len(), "the size stays the same");
    target.write(&format!("blobs/sha256/{new}.json"), &forged_blob);
    forged.into_bytes()
}

/// Forged, stale and missing `latest.json`: `fetch` prints only what the stored records and
/// blobs prove, and `publish` puts `latest.json` right.
fn latest_is_checked_against_the_store(repo: &Repo, first: &str, target: &Target) {
    let url = target.url.as_str();
    let output = repo.publish(url, first, &[], &target.env);
    assert_eq!(output.status, 0, "{}", output.report());
    let oldest = target.read("latest.json");
    let second = repo.revise("revision 2");
    let output = repo.publish(url, &second, &[], &target.env);
    assert_eq!(output.status, 0, "{}", output.report());
    let genuine = target.read("latest.json");
    let fetch = |more: &[&str]| {
        let mut args = vec!["fetch", url];
        args.extend(more);
        repo.run(&args, &target.env)
    };

    // Consistent inside, but not the stored record: refused, and nothing printed or written.
    let forged = forge(target, &genuine);
    target.write("latest.json", &forged);
    refused(
        &fetch(&[]),
        "latest.json` is corrupt: it does not match publication #2",
    );
    refused(&fetch(&["--output", "fetched.json"]), "does not match");
    assert!(!repo.path().join("fetched.json").exists());
    let list = fetch(&["--list"]);
    assert_eq!(list.status, 0, "{}", list.report());
    assert!(!list.stdout.contains("latest"), "{}", list.report());
    // The publisher of the same commit repairs it from the record.
    let output = repo.publish(url, &second, &[], &target.env);
    assert_eq!(output.status, 0, "{}", output.report());
    assert!(
        output.stdout.contains("already published: #2"),
        "{}",
        output.report()
    );
    assert_eq!(target.read("latest.json"), genuine);
    let output = fetch(&[]);
    assert_eq!(output.status, 0, "{}", output.report());
    assert_eq!(revision_of(output.stdout.as_bytes()), "revision 2");

    // A record number that does not exist: refused, and repaired.
    let text = String::from_utf8(genuine.clone()).unwrap();
    let unnumbered = text.replacen("\"sequence\":2", "\"sequence\":7", 1);
    target.write("latest.json", &unnumbered);
    refused(
        &fetch(&[]),
        "it names publication #7, and there is no such record",
    );
    let output = repo.publish(url, &second, &[], &target.env);
    assert_eq!(output.status, 0, "{}", output.report());
    assert_eq!(target.read("latest.json"), genuine);

    // The stored record, laid out another way.
    target.write("latest.json", text.replacen(':', ": ", 1));
    refused(
        &fetch(&[]),
        "latest.json` is corrupt: it is not exactly what a publisher writes for publication #2",
    );
    target.write("latest.json", text.replacen('{', "{ ", 1));
    refused(
        &fetch(&[]),
        "latest.json` is corrupt: it is not a publication document",
    );
    let output = repo.publish(url, &second, &[], &target.env);
    assert_eq!(output.status, 0, "{}", output.report());
    assert_eq!(target.read("latest.json"), genuine);

    // The record's own blob, gone: refused.
    let record = json(&target.read("publications/00000000000000000002.json"));
    let blob_key = record["blob"].as_str().unwrap().to_owned();
    let blob = target.read(&blob_key);
    std::fs::remove_file((target.object)(&blob_key)).unwrap();
    refused(
        &fetch(&[]),
        "publication #2 names this blob, and it is missing",
    );
    target.write(&blob_key, &blob);

    // Behind (a publisher stopped before moving it), or missing: the newest record is the
    // latest publication, and the next publisher moves it.
    target.write("latest.json", &oldest);
    let output = fetch(&[]);
    assert_eq!(output.status, 0, "{}", output.report());
    assert_eq!(revision_of(output.stdout.as_bytes()), "revision 2");
    std::fs::remove_file((target.object)("latest.json")).unwrap();
    let output = fetch(&[]);
    assert_eq!(output.status, 0, "{}", output.report());
    assert_eq!(revision_of(output.stdout.as_bytes()), "revision 2");
    let output = repo.publish(url, &second, &[], &target.env);
    assert_eq!(output.status, 0, "{}", output.report());
    assert_eq!(target.read("latest.json"), genuine);
    assert_eq!(target.stored().latest().unwrap().0, record);
}

#[test]
fn a_forged_latest_is_refused_and_repaired_in_a_local_directory() {
    let (repo, first) = Repo::new();
    latest_is_checked_against_the_store(&repo, &first, &local(&repo));
}

#[test]
fn a_forged_latest_is_refused_and_repaired_on_the_s3_protocol() {
    let server = S3::start();
    let (repo, first) = Repo::new();
    latest_is_checked_against_the_store(&repo, &first, &s3(&server));
}

/// A record planted at the last sequence number: the next publication is refused, it does not
/// wrap around to #0.
fn the_sequence_never_wraps(repo: &Repo, first: &str, target: &Target) {
    let url = target.url.as_str();
    let output = repo.publish(url, first, &[], &target.env);
    assert_eq!(output.status, 0, "{}", output.report());
    let mut record = json(&target.read("publications/00000000000000000001.json"));
    record["sequence"] = u64::MAX.into();
    record["previous"] = serde_json::json!({ "sequence": u64::MAX - 1, "commit": first });
    let planted = format!("publications/{}.json", u64::MAX);
    target.write(&planted, serde_json::to_vec_pretty(&record).unwrap());
    let second = repo.revise("revision 2");
    let output = repo.publish(url, &second, &[], &target.env);
    assert_eq!(output.status, 1, "{}", output.report());
    assert!(
        output.stderr.contains(&format!(
            "publications/{}.json` is publication #{}, the last sequence number there is, so \
             none can follow it",
            u64::MAX,
            u64::MAX
        )),
        "{}",
        output.report()
    );
    assert!(output.stderr.contains("remove it from the store"));
    assert!(
        !output.stdout.contains("published #"),
        "{}",
        output.report()
    );
    let records: Vec<String> = std::fs::read_dir((target.object)("publications"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| !name.starts_with('.'))
        .collect();
    assert_eq!(records.len(), 2, "{records:?}");
    // Removed, the store goes on from the genuine records.
    std::fs::remove_file((target.object)(&planted)).unwrap();
    let output = repo.publish(url, &second, &[], &target.env);
    assert_eq!(output.status, 0, "{}", output.report());
    assert!(
        output.stdout.contains("published #2"),
        "{}",
        output.report()
    );
}

#[test]
fn the_sequence_never_wraps_in_a_local_directory() {
    let (repo, first) = Repo::new();
    the_sequence_never_wraps(&repo, &first, &local(&repo));
}

#[test]
fn the_sequence_never_wraps_on_the_s3_protocol() {
    let server = S3::start();
    let (repo, first) = Repo::new();
    the_sequence_never_wraps(&repo, &first, &s3(&server));
}

/// Objects of 10 GiB where a record, `latest.json` or a blob should be: refused at once,
/// without reading them, and `latest.json` repaired.
fn oversized_objects_are_never_read(repo: &Repo, first: &str, target: &Target) {
    const HUGE: u64 = 10 << 30;
    let url = target.url.as_str();
    let output = repo.publish(url, first, &[], &target.env);
    assert_eq!(output.status, 0, "{}", output.report());
    let genuine = target.read("latest.json");
    let run = |args: &[&str]| {
        let measured = registry(repo.path())
            .args(args)
            .envs(&target.env)
            .measured(Duration::from_mins(1));
        measured.assert_within(20.0, 200);
        measured.output
    };
    let huge = format!("is at least {HUGE} bytes");
    target.sparse("latest.json", HUGE);
    let output = run(&["fetch", url]);
    refused(&output, &huge);
    assert!(
        output
            .stderr
            .contains("more than the 1 GiB 64 KiB it may be")
    );
    // The records are still listed, each checked; none is marked latest.
    let output = run(&["fetch", url, "--list"]);
    assert_eq!(output.status, 0, "{}", output.report());
    assert!(output.stdout.starts_with("#1 "), "{}", output.report());
    assert!(!output.stdout.contains("latest"), "{}", output.report());
    let output = run(&["publish", "--to", url, "--commit", first]);
    assert_eq!(output.status, 0, "{}", output.report());
    assert_eq!(target.read("latest.json"), genuine);

    let record = "publications/00000000000000000001.json";
    let kept = target.read(record);
    // A record of exactly the bound is read; a byte more is refused.
    let mut padded = kept.clone();
    padded.resize(64 << 10, b' ');
    target.write(record, &padded);
    let output = run(&["fetch", url, "--list"]);
    assert_eq!(output.status, 0, "{}", output.report());
    padded.push(b' ');
    target.write(record, &padded);
    refused(&run(&["fetch", url, "--list"]), "is at least 65537 bytes");
    target.sparse(record, HUGE);
    let output = run(&["fetch", url]);
    refused(&output, &huge);
    assert!(output.stderr.contains("more than the 64 KiB it may be"));
    refused(&run(&["fetch", url, "--list"]), &huge);
    target.write(record, kept);

    let blob = json(&genuine)["publication"]["blob"]
        .as_str()
        .unwrap()
        .to_owned();
    target.sparse(&blob, HUGE);
    let output = run(&["fetch", url]);
    refused(&output, &huge);
    assert!(output.stderr.contains(&blob), "{}", output.report());
    refused(&run(&["fetch", url, "--commit", &first[..8]]), &huge);
}

#[test]
fn oversized_objects_are_never_read_in_a_local_directory() {
    let (repo, first) = Repo::new();
    oversized_objects_are_never_read(&repo, &first, &local(&repo));
}

#[test]
fn oversized_objects_are_never_read_on_the_s3_protocol() {
    let server = S3::start();
    let (repo, first) = Repo::new();
    oversized_objects_are_never_read(&repo, &first, &s3(&server));
}

/// A planted record is checked before it is believed: one that names a blob outside
/// `blobs/sha256/` is corrupt.
#[test]
fn a_record_that_points_elsewhere_is_corrupt() {
    let (repo, first) = Repo::new();
    let target = local(&repo);
    let output = repo.publish(&target.url, &first, &[], &[]);
    assert_eq!(output.status, 0, "{}", output.report());
    let key = "publications/00000000000000000001.json";
    let mut record = json(&target.read(key));
    record["blob"] = "latest.json".into();
    target.write(key, serde_json::to_vec_pretty(&record).unwrap());
    let output = repo.run(&["fetch", &target.url, "--commit", &first[..7]], &[]);
    refused(
        &output,
        "is corrupt: not a publication record: its blob is not named by a lowercase SHA-256",
    );
    refused(
        &repo.run(&["fetch", &target.url], &[]),
        "not a publication record",
    );
}

/// `--commit` takes hex digits: an empty or non-hex value is a usage error, not a search.
#[test]
fn a_commit_prefix_must_be_hex() {
    let (repo, first) = Repo::new();
    let output = repo.publish("published", &first, &[], &[]);
    assert_eq!(output.status, 0, "{}", output.report());
    for (value, message) in [
        ("", "an empty commit id would match every publication"),
        ("main", "a commit id is 1 to 64 hex digits"),
        ("../x", "a commit id is 1 to 64 hex digits"),
    ] {
        let output = repo.run(&["fetch", "published", "--commit", value], &[]);
        assert_eq!(output.status, 2, "{}", output.report());
        assert!(output.stdout.is_empty());
        assert!(output.stderr.contains(message), "{}", output.report());
    }
    let output = repo.run(
        &["fetch", "published", "--commit", &first[..7].to_uppercase()],
        &[],
    );
    assert_eq!(output.status, 0, "{}", output.report());
}

/// A symbolic link that leads out of the root is never followed, and its target is scanned as
/// text: a key there is reported, not shown.
#[test]
fn a_key_in_a_link_target_is_found() {
    let key = format!("ghp_{}", "T".repeat(36));
    let test = Test::registry();
    std::fs::create_dir_all(test.path().join("registry/data")).unwrap();
    std::os::unix::fs::symlink(
        format!("/nonexistent/{key}"),
        test.path().join("registry/data/token"),
    )
    .unwrap();
    let output = test.run(["--root", "registry", "check", "--format", "concise"]);
    assert_eq!(output.status, 1, "{}", output.report());
    assert!(!output.stdout.contains(&key), "{}", output.report());
    insta::assert_snapshot!(output.report(), @"
    status: 1
    ----- stdout -----
    registry/data/token: error[credential]: GitHub token committed in the target of the symbolic link `data/token`
    checked 0 teams, 0 projects, 0 clusters, 0 services: 1 error
    ----- stderr -----
    ");
}

/// A wrong blob planted at the address of the next publication's: blobs are never rewritten,
/// so `publish` stops, and nothing is recorded.
#[test]
fn a_wrong_blob_at_its_address_stops_publish() {
    let (repo, first) = Repo::new();
    let target = local(&repo);
    let output = repo.publish(&target.url, &first, &[], &[]);
    assert_eq!(output.status, 0, "{}", output.report());
    let second = repo.revise("revision 2");
    let output = repo.run(&["build"], &[]);
    assert_eq!(output.status, 0, "{}", output.report());
    let blob = std::fs::read(repo.path().join("generated/registry.json")).unwrap();
    let address = format!("blobs/sha256/{}.json", sha256(&blob));
    target.write(&address, b"{}\n");
    let output = repo.publish(&target.url, &second, &[], &[]);
    assert_eq!(output.status, 1, "{}", output.report());
    assert!(!output.stdout.contains("published"), "{}", output.report());
    assert!(
        output.stderr.contains(&format!(
            "is corrupt: its SHA-256 is {}, not the {} its name promises; blobs are never \
             rewritten, so remove it by hand and publish again",
            sha256(b"{}\n"),
            sha256(&blob)
        )),
        "{}",
        output.report()
    );
    assert_eq!(target.stored().records().len(), 1);
    std::fs::remove_file((target.object)(&address)).unwrap();
    let output = repo.publish(&target.url, &second, &[], &[]);
    assert_eq!(output.status, 0, "{}", output.report());
}
