//! What earlier builds recorded in the output directory, read as the untrusted input it is:
//! `manifest.json` (every file the last complete build wrote, with its SHA-256 and size) and
//! the journal (every file a build was about to write, appended and flushed before the write,
//! so that a killed build's files are still known to be its own). Both are bounded in size and
//! every path in them must be a plain relative path, or it is refused.

use std::collections::BTreeMap;

use serde_json::Value;

/// The name of the journal, at the top of the output directory. It is named as a temporary
/// file, so `check` never reports it and a complete build removes it.
pub(super) const JOURNAL: &str = ".registry-journal.tmp";

/// The largest manifest or journal read: 64 MiB, more than a registry of 50,000 services
/// needs.
pub(super) const MAX_SIZE: u64 = 64 << 20;

/// What an earlier build recorded about one file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Record {
    /// Lowercase hex, 64 digits.
    pub(super) sha256: Option<String>,
    pub(super) size: Option<u64>,
}

/// A manifest or journal, read.
#[derive(Debug, Default)]
pub(super) struct Recorded {
    pub(super) files: BTreeMap<String, Vec<Record>>,
    /// Paths refused: absolute, climbing, or not plain names.
    pub(super) refused: Vec<String>,
    /// Why the whole document was not used.
    pub(super) problem: Option<String>,
}

impl Recorded {
    fn add(&mut self, path: &str, record: Record) {
        if is_relative(path) {
            self.files.entry(path.to_owned()).or_default().push(record);
        } else {
            self.refused.push(path.to_owned());
        }
    }

    /// Reads `manifest.json`'s bytes.
    pub(super) fn manifest(&mut self, bytes: &[u8]) {
        let Ok(value) = serde_json::from_slice::<Value>(bytes) else {
            self.problem = Some("is not valid JSON".to_owned());
            return;
        };
        let Some(files) = value.get("files").and_then(Value::as_object) else {
            self.problem = Some("has no `files` object".to_owned());
            return;
        };
        for (path, entry) in files {
            let record = Record {
                sha256: entry
                    .get("sha256")
                    .and_then(Value::as_str)
                    .filter(|hex| is_sha256(hex))
                    .map(str::to_owned),
                size: entry.get("size").and_then(Value::as_u64),
            };
            self.add(path, record);
        }
    }

    /// Reads the journal's bytes: one `<sha256> <size> <path>` line per file. A last line cut
    /// short by a crash (no newline), or any malformed line, is skipped.
    pub(super) fn journal(&mut self, bytes: &[u8]) {
        let mut lines: Vec<&[u8]> = bytes.split(|byte| *byte == b'\n').collect();
        lines.pop();
        for line in lines {
            let Ok(line) = std::str::from_utf8(line) else {
                continue;
            };
            let Some((sha256, rest)) = line.split_once(' ') else {
                continue;
            };
            let Some((size, path)) = rest.split_once(' ') else {
                continue;
            };
            let (true, Ok(size)) = (is_sha256(sha256), size.parse::<u64>()) else {
                continue;
            };
            self.add(
                path,
                Record {
                    sha256: Some(sha256.to_owned()),
                    size: Some(size),
                },
            );
        }
    }
}

/// One journal line.
pub(super) fn journal_line(path: &str, sha256: &str, size: usize) -> String {
    format!("{sha256} {size} {path}\n")
}

fn is_sha256(hex: &str) -> bool {
    hex.len() == 64
        && hex
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
}

/// Whether `path` is a plain relative path: `/`-separated names, none empty, `.` or `..`, no
/// control character, within the file system's limits.
pub(super) fn is_relative(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= 4096
        && path.split('/').all(|name| {
            !matches!(name, "" | "." | "..")
                && name.len() <= 255
                && !name.chars().any(char::is_control)
        })
}

#[cfg(test)]
mod tests {
    use super::{Record, Recorded, is_relative, journal_line};

    #[test]
    fn only_plain_relative_paths() {
        for good in ["registry.json", "argocd/roots/x.yaml", ".hidden", "a..b"] {
            assert!(is_relative(good), "{good}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../.git/HEAD",
            "a/../../b",
            "./x",
            "a//b",
            "a/",
            "a/.",
            "a\nb",
            "a\0b",
            &"x".repeat(256),
            &"x/".repeat(2049),
        ] {
            assert!(!is_relative(bad), "{bad:?}");
        }
    }

    #[test]
    fn manifests_are_checked_entry_by_entry() {
        let hash = "a".repeat(64);
        let mut recorded = Recorded::default();
        recorded.manifest(
            format!(
                r#"{{"apiVersion": "registry.dev/v1", "files": {{
                    "registry.json": {{"entities": [], "sha256": "{hash}", "size": 3}},
                    "../.git/HEAD": {{"sha256": "{hash}", "size": 3}},
                    "/etc/passwd": {{"sha256": "{hash}", "size": 3}},
                    "old.json": ["team/x"],
                    "bad-hash.json": {{"sha256": "ABC", "size": -1}},
                    "upper.json": {{"sha256": "{upper}", "size": 3}},
                    "short.json": {{"sha256": "{short}", "size": 3}}
                }}}}"#,
                upper = hash.to_uppercase(),
                short = &hash[1..],
            )
            .as_bytes(),
        );
        assert_eq!(recorded.problem, None);
        assert_eq!(recorded.refused, ["../.git/HEAD", "/etc/passwd"]);
        assert_eq!(
            recorded.files["registry.json"],
            [Record {
                sha256: Some(hash.clone()),
                size: Some(3)
            }]
        );
        assert_eq!(recorded.files["old.json"], [Record::default()]);
        assert_eq!(recorded.files["bad-hash.json"], [Record::default()]);
        // A hash of the right length but not lowercase hex, or of hex one digit short: none.
        for path in ["upper.json", "short.json"] {
            let no_hash = Record {
                sha256: None,
                size: Some(3),
            };
            assert_eq!(recorded.files[path], [no_hash], "{path}");
        }
    }

    #[test]
    fn broken_manifests_are_not_used() {
        for (bytes, problem) in [
            (&b"not json"[..], "is not valid JSON"),
            (&b"{\"files\": []}"[..], "has no `files` object"),
            (&b"[]"[..], "has no `files` object"),
            (&"[".repeat(100_000).into_bytes()[..], "is not valid JSON"),
        ] {
            let mut recorded = Recorded::default();
            recorded.manifest(bytes);
            assert_eq!(recorded.problem.as_deref(), Some(problem));
            assert!(recorded.files.is_empty());
        }
    }

    #[test]
    fn journals_survive_a_torn_last_line() {
        let hash = "0".repeat(64);
        let mut text = journal_line("a/b.yaml", &hash, 12);
        text.push_str(&journal_line("../escape", &hash, 1));
        text.push_str(&journal_line("a/b.yaml", &"1".repeat(64), 13));
        text.push_str("garbage\n\u{ff}\n");
        text.push_str(&hash);
        text.push_str(" 9 torn/na");
        let mut recorded = Recorded::default();
        recorded.journal(text.as_bytes());
        assert_eq!(recorded.refused, ["../escape"]);
        assert_eq!(recorded.files["a/b.yaml"].len(), 2);
        assert_eq!(recorded.files.len(), 1);
    }
}
