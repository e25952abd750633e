//! Text shown to people: short forms of hashes and commit ids, unified diffs, and values from
//! the registry made safe to print (bounded, and with control characters escaped, so that no
//! value can flood a terminal, move its cursor, or start a line of a workflow command). Pure
//! functions over strings; nothing here prints.

use std::fmt::Write as _;

/// How many hex digits of a commit id or hash are shown.
const SHORT: usize = 12;

/// The first twelve hex digits of a commit id or a hash.
pub(crate) fn short(hex: &str) -> &str {
    hex.get(..SHORT).unwrap_or(hex)
}

/// The unified diff of `old` and `new` (as text, invalid UTF-8 replaced), with three lines of
/// context and `a/path`, `b/path` headers; empty when they are equal.
pub(crate) fn unified_diff(old: &[u8], new: &[u8], path: &str) -> String {
    let old = String::from_utf8_lossy(old);
    let new = String::from_utf8_lossy(new);
    similar::TextDiff::from_lines(old.as_ref(), new.as_ref())
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

/// `value` made safe to show on one line: control characters (newlines, escapes, NUL, the
/// C1 controls, bidirectional overrides) written as `\n`, `\u{1b}` and so on, and cut after
/// `max` characters with a note of how much is left out.
pub(crate) fn shown(value: &str, max: usize) -> String {
    let mut out = String::with_capacity(value.len().min(max) + 16);
    for (count, (index, character)) in value.char_indices().enumerate() {
        if count == max {
            let _ = write!(out, "… ({} more bytes)", value.len() - index);
            return out;
        }
        match character {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            character if is_unsafe(character) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(character));
            }
            character => out.push(character),
        }
    }
    out
}

/// Whether `character` would do something other than print itself on a terminal.
fn is_unsafe(character: char) -> bool {
    character.is_control()
        || matches!(
            character,
            '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use super::{short, shown, unified_diff};

    #[test]
    fn values_are_escaped_and_bounded() {
        assert_eq!(shown("plain", 10), "plain");
        assert_eq!(shown("a\nb\x1b[2J\0", 20), "a\\nb\\u{1b}[2J\\u{0}");
        assert_eq!(shown("\u{202e}evil", 20), "\\u{202e}evil");
        assert_eq!(shown("abcdef", 3), "abc… (3 more bytes)");
        assert_eq!(shown("ééé", 1), "é… (4 more bytes)");
    }

    #[test]
    fn shortens_hex() {
        assert_eq!(short("0123456789abcdef"), "0123456789ab");
        assert_eq!(short("abc"), "abc");
    }

    #[test]
    fn diffs_with_headers() {
        assert_eq!(unified_diff(b"a\n", b"a\n", "x"), "");
        assert_eq!(
            unified_diff(b"a\nb\n", b"a\nc\n", "dir/x.json"),
            "--- a/dir/x.json\n+++ b/dir/x.json\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"
        );
    }
}
