//! Hostile input to the two guards that decide what is trusted: the credential scan, which
//! must see every byte under the registry root whatever its encoding, and `fetch`, which must
//! print nothing it has not checked against the store's immutable records.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use serde_json::Value;

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
    let mut bytes: Vec<u8> = (0..32_u32 << 20)
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
            .contains("AWS access key committed in `assets/blob.bin` at byte 33554434"),
        "{}",
        output.report()
    );
}
