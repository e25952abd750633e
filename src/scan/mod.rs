//! The `credential` policy: finds committed secrets in every byte under the registry root and
//! in what the Jsonnet computes from them. A finding says where the secret is and what kind it
//! is, and never shows the secret itself.
//!
//! - Every file is scanned as bytes (Jsonnet or data, imported or not, in the library, in a
//!   dotted directory, text or binary), so an invalid byte cannot hide a key, and so are file
//!   names and the targets of symbolic links.
//! - Every pattern is ASCII, and UTF-16 and UTF-32 write an ASCII character as its byte beside
//!   zero bytes, so a file that holds NUL bytes is scanned again with them removed: a key in
//!   UTF-16 (either byte order, with or without a byte order mark) or UTF-32 is found too.
//! - Every valid entity's evaluated value is scanned, so a key that no file holds as it is
//!   (strings joined, escapes, `std.base64Decode`) is found where it would be published.
//!
//! One pass over the bytes with a [`RegexSet`] finds which patterns occur; only those are run
//! again to locate each occurrence.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::LazyLock;

use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde_json::Value;

use crate::diagnostic::{Code, Diagnostic, Location, Severity, Sink};
use crate::model::{EntityId, Registry};
use crate::source::{Content, Sources, Unread};
use crate::text::shown;

/// A kind of credential and how to recognise it.
struct Pattern {
    name: &'static str,
    regex: &'static str,
}

const PATTERNS: &[Pattern] = &[
    Pattern {
        name: "private key",
        regex: r"-----BEGIN (?:RSA |DSA |EC |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----",
    },
    Pattern {
        name: "AWS access key",
        regex: r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b",
    },
    Pattern {
        name: "Google Cloud API key",
        regex: r"\bAIza[0-9A-Za-z_-]{35}\b",
    },
    Pattern {
        name: "Azure storage account key",
        regex: r"AccountKey=[A-Za-z0-9+/]{86}==",
    },
    Pattern {
        name: "GitHub token",
        regex: r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})\b",
    },
    Pattern {
        name: "GitLab token",
        regex: r"\bgl(?:pat|dt|rt|ptt|cbt)-[A-Za-z0-9_-]{20,}",
    },
    Pattern {
        name: "Slack token",
        regex: r"\bxox[abposr]-[0-9A-Za-z]{8,}-[0-9A-Za-z-]{8,}",
    },
    Pattern {
        name: "Slack webhook URL",
        regex: r"https://hooks\.slack\.com/(?:services|workflows)/T[A-Z0-9]{6,}/[A-Z0-9]{6,}/[A-Za-z0-9]{16,}",
    },
    Pattern {
        name: "Discord webhook URL",
        regex: r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/[0-9]{15,}/[A-Za-z0-9_-]{30,}",
    },
];

/// How much of a path a message shows.
const MAX_PATH: usize = 256;

/// Byte patterns with ASCII word boundaries: a byte that is not ASCII is not a letter.
fn set<'a>(patterns: impl IntoIterator<Item = &'a str>) -> RegexSet {
    RegexSetBuilder::new(patterns)
        .unicode(false)
        .build()
        .expect("patterns compile")
}

static SET: LazyLock<RegexSet> =
    LazyLock::new(|| set(PATTERNS.iter().map(|pattern| pattern.regex)));

/// The patterns less their leading word boundary, to pick out the entity values worth walking:
/// in compact JSON an escaped control character (a newline as `\n`) puts a letter before
/// what follows it.
static LOOSE: LazyLock<RegexSet> = LazyLock::new(|| {
    set(PATTERNS
        .iter()
        .map(|pattern| pattern.regex.strip_prefix(r"\b").unwrap_or(pattern.regex)))
});

static REGEXES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    PATTERNS
        .iter()
        .map(|pattern| {
            RegexBuilder::new(pattern.regex)
                .unicode(false)
                .build()
                .expect("patterns compile")
        })
        .collect()
});

/// How a secret is written in a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    /// As ASCII bytes: UTF-8, Latin-1, or text with stray bytes.
    Bytes,
    /// With NUL bytes between its characters: UTF-16 or UTF-32.
    Wide,
}

/// One secret found in a file's bytes.
#[derive(Debug, PartialEq, Eq)]
struct Found {
    /// An index into [`PATTERNS`].
    pattern: usize,
    /// Where it is in the file, as bytes.
    range: Range<usize>,
    encoding: Encoding,
    /// The secret, as ASCII: kept to recognise it in entity values, never shown.
    secret: Vec<u8>,
}

/// Each occurrence of each pattern in `haystack`: the pattern's index and the range.
fn matches(haystack: &[u8]) -> Vec<(usize, Range<usize>)> {
    let mut found = Vec::new();
    for index in &SET.matches(haystack) {
        found.extend(
            REGEXES[index]
                .find_iter(haystack)
                .map(|found| (index, found.range())),
        );
    }
    found
}

/// Every secret in `bytes`, in order: as the bytes are, and, when they hold NUL bytes, with
/// those removed (each found that way located in `bytes`, from its first byte to its last,
/// unless it starts where one was found as the bytes are).
fn find(bytes: &[u8]) -> Vec<Found> {
    let mut found: Vec<Found> = matches(bytes)
        .into_iter()
        .map(|(pattern, range)| Found {
            pattern,
            secret: bytes[range.clone()].to_vec(),
            range,
            encoding: Encoding::Bytes,
        })
        .collect();
    if bytes.contains(&0) {
        let narrow: Vec<u8> = bytes.iter().copied().filter(|byte| *byte != 0).collect();
        let wide = matches(&narrow);
        let ends = wide
            .iter()
            .flat_map(|(_, range)| [range.start, range.end - 1])
            .collect();
        let original = originals(bytes, ends);
        let plain: HashSet<(usize, usize)> = found
            .iter()
            .map(|found| (found.pattern, found.range.start))
            .collect();
        for (pattern, range) in wide {
            let start = original[&range.start];
            let end = original[&(range.end - 1)] + 1;
            // Found as the bytes are already, perhaps shorter, where a NUL byte ended it.
            if plain.contains(&(pattern, start)) {
                continue;
            }
            found.push(Found {
                pattern,
                range: start..end,
                encoding: Encoding::Wide,
                secret: narrow[range].to_vec(),
            });
        }
    }
    found.sort_by_key(|found| (found.range.start, found.pattern));
    found
}

/// Where each of `narrow` (offsets into `bytes` with its NUL bytes removed) is in `bytes`.
fn originals(bytes: &[u8], mut narrow: Vec<usize>) -> HashMap<usize, usize> {
    narrow.sort_unstable();
    narrow.dedup();
    let mut wanted = narrow.into_iter().peekable();
    let mut original = HashMap::new();
    let mut count = 0;
    for (index, byte) in bytes.iter().enumerate() {
        if *byte == 0 {
            continue;
        }
        if wanted.peek() == Some(&count) {
            original.insert(count, index);
            wanted.next();
            if wanted.peek().is_none() {
                break;
            }
        }
        count += 1;
    }
    original
}

const HELP: &str = "revoke it now, remove it from the registry and its history, and keep secrets \
                    in a secret manager";

/// Reports every credential in `sources`, and in the evaluated entities of `registry`, at
/// `severity`.
pub(crate) fn credentials(
    sources: &Sources,
    registry: Option<&Registry>,
    severity: Severity,
    sink: &mut Sink,
) {
    let mut seen = HashSet::new();
    let diagnostic =
        |message: String| Diagnostic::new(Code::Credential, severity, message).help(HELP);
    for (file, source) in sources.iter() {
        let path = shown(&source.path, MAX_PATH);
        let named = find(source.path.as_bytes());
        if !named.is_empty() {
            sink.push(diagnostic(format!(
                "{} committed in a file name: `{}`",
                names(&named),
                shown(&redact(&source.path, &named), MAX_PATH)
            )));
        }
        let (bytes, binary) = match &source.content {
            Content::Text(text) => (text.as_bytes(), false),
            Content::Binary(bytes) => (&**bytes, true),
            // A file never read (a FIFO, a device, one too large) is an `unreadable-file`
            // error already; a link's target is all there is of it to scan.
            Content::Unread(Unread::Special { .. } | Unread::TooLarge { .. }) => continue,
            Content::Escape { target }
            | Content::Unread(Unread::Loop { target } | Unread::Dangling { target }) => {
                let found = find(target.as_bytes());
                if !found.is_empty() {
                    sink.push(
                        diagnostic(format!(
                            "{} committed in the target of the symbolic link `{path}`",
                            names(&found)
                        ))
                        .primary(Location::File { file }, "its target (not shown)"),
                    );
                }
                continue;
            }
        };
        for found in find(bytes) {
            let name = PATTERNS[found.pattern].name;
            let label = format!("{name} (not shown)");
            let start = found.range.start;
            sink.push(match (found.encoding, binary) {
                (Encoding::Bytes, false) => diagnostic(format!("{name} committed in `{path}`"))
                    .primary(
                        Location::Redacted {
                            file,
                            range: found.range.clone(),
                        },
                        label,
                    ),
                (Encoding::Bytes, true) => diagnostic(format!(
                    "{name} committed in `{path}` at byte {start} (the file is not UTF-8 text)"
                ))
                .primary(Location::File { file }, label),
                (Encoding::Wide, _) => diagnostic(format!(
                    "{name} committed in `{path}` at byte {start}, written in UTF-16 or UTF-32"
                ))
                .primary(Location::File { file }, label),
            });
            seen.insert(found.secret);
        }
    }
    if let Some(registry) = registry {
        values(registry, &mut seen, severity, sink);
    }
}

/// Reports the credentials in entity values that no file holds as they are: the Jsonnet built
/// them. Each such secret is reported once, at the first entity (in id order) that holds it.
fn values(registry: &Registry, seen: &mut HashSet<Vec<u8>>, severity: Severity, sink: &mut Sink) {
    for (id, record) in &registry.entities {
        for (pattern, pointer, secret) in in_value(&record.json) {
            if !seen.insert(secret) {
                continue;
            }
            let name = PATTERNS[pattern].name;
            sink.push(
                Diagnostic::new(
                    Code::Credential,
                    severity,
                    value_message(name, id, &pointer),
                )
                .primary(
                    Location::Entity {
                        file: record.file,
                        entity: id.clone(),
                        pointer,
                    },
                    format!("{name} (not shown)"),
                )
                .note(
                    "no file holds it as it is: the Jsonnet builds it (strings joined, \
                         escapes, decoding), and it would be published",
                )
                .help(HELP),
            );
        }
    }
}

/// The secrets in an entity's value, as compact JSON: each with its pattern, the JSON pointer
/// of the string or key that holds it, and the secret.
fn in_value(json: &str) -> Vec<(usize, String, Vec<u8>)> {
    let bytes = json.as_bytes();
    if !LOOSE.is_match(bytes) {
        return Vec::new();
    }
    let mut found = Vec::new();
    match serde_json::from_str::<Value>(json) {
        Ok(value) => strings(&value, |pointer, text| {
            for (pattern, range) in matches(text.as_bytes()) {
                found.push((pattern, pointer.to_owned(), text.as_bytes()[range].to_vec()));
            }
        }),
        // Deeper than the parser goes: the whole value is named instead.
        Err(_) => found.extend(
            matches(bytes)
                .into_iter()
                .map(|(pattern, range)| (pattern, String::new(), bytes[range].to_vec())),
        ),
    }
    found
}

/// What a finding in entity `id`'s value at `pointer` says.
fn value_message(name: &str, id: &EntityId, pointer: &str) -> String {
    let at = if pointer.is_empty() {
        String::new()
    } else {
        format!(" at `{}`", shown(pointer, MAX_PATH))
    };
    format!(
        "{name} in the value of {} `{}`{at}",
        id.kind,
        shown(&id.name, MAX_PATH)
    )
}

/// Calls `visit` with the JSON pointer and text of every string and object key in `value`.
fn strings(value: &Value, mut visit: impl FnMut(&str, &str)) {
    let mut stack = vec![(value, String::new())];
    while let Some((value, pointer)) = stack.pop() {
        match value {
            Value::String(text) => visit(&pointer, text),
            Value::Array(items) => stack.extend(
                items
                    .iter()
                    .enumerate()
                    .map(|(index, item)| (item, format!("{pointer}/{index}"))),
            ),
            Value::Object(members) => {
                for (key, member) in members {
                    let pointer = crate::pointer::join(&pointer, key);
                    visit(&pointer, key);
                    stack.push((member, pointer));
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

/// The kinds of `found`, as a list: `AWS access key`, `AWS access key and GitHub token`.
fn names(found: &[Found]) -> String {
    let mut names: Vec<&str> = found
        .iter()
        .map(|found| PATTERNS[found.pattern].name)
        .collect();
    names.dedup();
    match names.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// `text` with each secret in `found` replaced by its kind in angle brackets.
fn redact(text: &str, found: &[Found]) -> String {
    let bytes = text.as_bytes();
    let mut redacted = Vec::with_capacity(bytes.len());
    let mut at = 0;
    for found in found {
        if found.range.start < at {
            at = at.max(found.range.end);
            continue;
        }
        redacted.extend_from_slice(&bytes[at..found.range.start]);
        redacted.extend_from_slice(format!("<{}>", PATTERNS[found.pattern].name).as_bytes());
        at = found.range.end;
    }
    redacted.extend_from_slice(&bytes[at..]);
    String::from_utf8_lossy(&redacted).into_owned()
}

#[cfg(test)]
mod tests {
    use super::{
        Encoding, Found, PATTERNS, REGEXES, find, in_value, names, redact, strings, value_message,
    };
    use crate::model::{EntityId, Kind};

    fn kind(text: &str) -> Vec<&'static str> {
        PATTERNS
            .iter()
            .zip(REGEXES.iter())
            .filter(|(_, regex)| regex.is_match(text.as_bytes()))
            .map(|(pattern, _)| pattern.name)
            .collect()
    }

    const AWS: &str = "AKIAIOSFODNN7EXAMPLE";

    fn utf16le(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    fn utf16be(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_be_bytes).collect()
    }

    /// Where each secret in `bytes` is, and how it is written.
    fn found(bytes: &[u8]) -> Vec<(&'static str, std::ops::Range<usize>, Encoding)> {
        find(bytes)
            .into_iter()
            .map(|found| (PATTERNS[found.pattern].name, found.range, found.encoding))
            .collect()
    }

    #[test]
    fn recognises_each_kind() {
        assert_eq!(kind("-----BEGIN OPENSSH PRIVATE KEY-----"), ["private key"]);
        assert_eq!(kind("key: 'AKIAIOSFODNN7EXAMPLE'"), ["AWS access key"]);
        assert_eq!(kind(&format!("ghp_{}", "a".repeat(36))), ["GitHub token"]);
        assert_eq!(kind("glpat-abcdefghij0123456789"), ["GitLab token"]);
        assert_eq!(kind("xoxb-123456789012-abcdefghijkl"), ["Slack token"]);
        assert!(kind("a public key: -----BEGIN PUBLIC KEY-----").is_empty());
        assert!(kind("AKIA-is-not-a-key").is_empty());
        assert!(kind("XAKIAIOSFODNN7EXAMPLE").is_empty());
    }

    #[test]
    fn finds_keys_in_bytes_that_are_not_utf8() {
        let bytes = [b"\xff\xfe garbage ".as_slice(), AWS.as_bytes(), b"\x80\n"].concat();
        assert_eq!(found(&bytes), [("AWS access key", 11..31, Encoding::Bytes)]);
        // A letter that is not ASCII is not a word character: the key still ends there.
        let bytes = [AWS.as_bytes(), "é".as_bytes()].concat();
        assert_eq!(found(&bytes), [("AWS access key", 0..20, Encoding::Bytes)]);
    }

    #[test]
    fn finds_keys_in_utf16_and_utf32() {
        let text = format!("key:\n'{AWS}'\n");
        let le = utf16le(&text);
        assert_eq!(found(&le), [("AWS access key", 12..51, Encoding::Wide)]);
        let with_bom = [b"\xff\xfe".as_slice(), &le].concat();
        assert_eq!(
            found(&with_bom),
            [("AWS access key", 14..53, Encoding::Wide)]
        );
        let be = [b"\xfe\xff".as_slice(), &utf16be(&text)].concat();
        assert_eq!(found(&be), [("AWS access key", 15..54, Encoding::Wide)]);
        let utf32: Vec<u8> = text
            .chars()
            .flat_map(|character| u32::from(character).to_le_bytes())
            .collect();
        assert_eq!(found(&utf32), [("AWS access key", 24..101, Encoding::Wide)]);
        // Each found once, in order, whatever else the file holds.
        let mixed = [AWS.as_bytes(), b" \0 ", &utf16le(&format!(" {AWS}"))].concat();
        assert_eq!(
            found(&mixed),
            [
                ("AWS access key", 0..20, Encoding::Bytes),
                ("AWS access key", 25..64, Encoding::Wide),
            ]
        );
        assert_eq!(find(&mixed)[1].secret, AWS.as_bytes());
        // A NUL byte ends a token as the bytes are; without it, the token goes on. One secret,
        // found once.
        let cut = b"xoxb-123456789012-abcdefgh\0ijkl ";
        assert_eq!(found(cut), [("Slack token", 0..26, Encoding::Bytes)]);
    }

    #[test]
    fn the_whole_file_is_scanned() {
        let mut bytes = vec![0x89_u8; 1 << 20];
        bytes.extend_from_slice(&utf16le(&format!("{AWS} ")));
        bytes.extend([0_u8; 7]);
        bytes.extend_from_slice(AWS.as_bytes());
        assert_eq!(
            found(&bytes),
            [
                ("AWS access key", (1 << 20)..(1 << 20) + 39, Encoding::Wide),
                (
                    "AWS access key",
                    (1 << 20) + 49..(1 << 20) + 69,
                    Encoding::Bytes
                ),
            ]
        );
    }

    #[test]
    fn file_names_are_redacted() {
        let path = format!("data/{AWS}.json");
        let found: Vec<Found> = find(path.as_bytes());
        assert_eq!(redact(&path, &found), "data/<AWS access key>.json");
    }

    #[test]
    fn every_string_and_key_of_a_value_is_visited() {
        let value = serde_json::json!({"a": ["x", {"b/c": "y"}], "d": 1});
        let mut visited = Vec::new();
        strings(&value, |pointer, text| {
            visited.push(format!("{pointer}={text}"));
        });
        visited.sort();
        assert_eq!(
            visited,
            ["/a/0=x", "/a/1/b~1c=b/c", "/a/1/b~1c=y", "/a=a", "/d=d"]
        );
    }

    #[test]
    fn values_are_walked_to_the_string_that_holds_a_key() {
        let found = |json: &str| {
            in_value(json)
                .into_iter()
                .map(|(pattern, pointer, secret)| {
                    (
                        PATTERNS[pattern].name,
                        pointer,
                        String::from_utf8(secret).unwrap(),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert!(found(r#"{"a":"nothing"}"#).is_empty());
        // After an escaped newline, which compact JSON writes as a letter.
        assert_eq!(
            found(&format!(r#"{{"a":["x","line\n{AWS}"]}}"#)),
            [("AWS access key", "/a/1".to_owned(), AWS.to_owned())]
        );
        assert_eq!(
            found(&format!(r#"{{"{AWS}":1}}"#)),
            [("AWS access key", format!("/{AWS}"), AWS.to_owned())]
        );
        // A letter before it, even with the loose patterns: not a key.
        assert!(found(&format!(r#"{{"a":"X{AWS}"}}"#)).is_empty());
        // Deeper than the parser goes: found, at the whole value.
        let deep = format!("{}\"{AWS}\"{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(
            found(&deep),
            [("AWS access key", String::new(), AWS.to_owned())]
        );
        let id = EntityId::new(Kind::Team, "platform");
        assert_eq!(
            value_message("AWS access key", &id, "/a/1"),
            "AWS access key in the value of team `platform` at `/a/1`"
        );
        assert_eq!(
            value_message("AWS access key", &id, ""),
            "AWS access key in the value of team `platform`"
        );
    }

    #[test]
    fn kinds_are_listed_and_overlaps_redacted_once() {
        let path = format!("{AWS}-ghp_{}", "b".repeat(36));
        let found = find(path.as_bytes());
        assert_eq!(names(&found), "AWS access key and GitHub token");
        assert_eq!(names(&found[..1]), "AWS access key");
        let same = find(format!("{AWS}/{AWS}/{AWS}").as_bytes());
        assert_eq!(names(&same), "AWS access key");
        let three =
            find(format!("{AWS} ghp_{} glpat-{}", "b".repeat(36), "c".repeat(20)).as_bytes());
        assert_eq!(
            names(&three),
            "AWS access key, GitHub token and GitLab token"
        );
        let overlapping = [
            Found {
                pattern: 1,
                range: 0..10,
                encoding: Encoding::Bytes,
                secret: Vec::new(),
            },
            Found {
                pattern: 4,
                range: 5..15,
                encoding: Encoding::Bytes,
                secret: Vec::new(),
            },
        ];
        assert_eq!(
            redact("0123456789abcdefg", &overlapping),
            "<AWS access key>fg"
        );
    }
}
