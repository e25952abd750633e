//! Text shown to people: short forms of hashes and commit ids, unified diffs, and values from
//! the registry made safe to print (bounded, and with control characters escaped, so that no
//! value can flood a terminal, move its cursor, or start a workflow command in a CI log). Pure
//! functions over strings; nothing here prints.

use std::borrow::Cow;
use std::fmt::Write as _;

/// How many hex digits of a commit id or hash are shown.
const SHORT: usize = 12;

/// The first twelve hex digits of a commit id or a hash.
pub(crate) fn short(hex: &str) -> &str {
    hex.get(..SHORT).unwrap_or(hex)
}

/// The unified diff of `old` and `new` (as text, invalid UTF-8 replaced), with three lines of
/// context and `a/path`, `b/path` headers; empty when they are equal. The lines the two have
/// in common at the start and at the end, past a margin of sixteen lines, are left out before
/// diffing and the hunks numbered as in the whole, so a large file with a change of a few
/// lines is not tokenized whole. Where a change could be placed anywhere along a run of
/// repeated lines longer than the margin, it may be placed otherwise than in a diff of the
/// whole; it is as true a diff.
pub(crate) fn unified_diff(old: &[u8], new: &[u8], path: &str) -> String {
    // Checked whole first: much faster than the lossy reading, when there is nothing to replace.
    let text = |bytes| match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    };
    let (old, new) = (text(old), text(new));
    let (old, new) = (old.as_ref(), new.as_ref());
    let Some(cut) = Trim::of(old.as_bytes(), new.as_bytes()) else {
        return whole_diff(old, new, path);
    };
    let diff = whole_diff(
        &old[cut.start..cut.old_end],
        &new[cut.start..cut.new_end],
        path,
    );
    if cut.lines == 0 {
        return diff;
    }
    let mut shifted = String::with_capacity(diff.len() + 64);
    for line in diff.split_inclusive('\n') {
        match line
            .strip_prefix("@@ -")
            .and_then(|rest| shift(rest, cut.lines))
        {
            Some(header) => {
                shifted.push_str("@@ -");
                shifted.push_str(&header);
            }
            None => shifted.push_str(line),
        }
    }
    shifted
}

fn whole_diff(old: &str, new: &str, path: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

/// What of two texts is diffed: from `start` in both (after `lines` lines they share) to
/// `old_end` in the old and `new_end` in the new (before lines they share to the end), each
/// cut after a newline [`Trim::MARGIN`] lines away from the first and last difference.
struct Trim {
    start: usize,
    old_end: usize,
    new_end: usize,
    lines: usize,
}

impl Trim {
    /// How many shared lines are kept on each side of the differences.
    const MARGIN: usize = 16;

    /// `None` when nothing is worth leaving out, or when what would be left out at the start
    /// holds a carriage return that ends a line of its own.
    fn of(old: &[u8], new: &[u8]) -> Option<Self> {
        let shortest = old.len().min(new.len());
        let prefix = common_prefix(old, new);
        // Back to the start of the line the first difference is in, then the context before.
        let line_start = |at: usize| memchr::memrchr(b'\n', &old[..at]);
        let mut start = line_start(prefix).map_or(0, |at| at + 1);
        for _ in 0..Self::MARGIN {
            start = match start.checked_sub(1) {
                Some(before) => line_start(before).map_or(0, |at| at + 1),
                None => 0,
            };
        }
        // Within what the two share past the prefix, from the first line that starts there,
        // then the context after.
        let suffix = common_suffix(old, new, shortest - prefix);
        let shared = old.len() - suffix;
        let next_line = |at: usize| memchr::memchr(b'\n', &old[at..]).map(|found| at + found + 1);
        let mut end = next_line(shared);
        for _ in 0..Self::MARGIN {
            end = end.and_then(next_line);
        }
        let end = end.unwrap_or(old.len());
        let tail = old.len() - end;
        // A carriage return before anything but a newline ends a line of its own: the lines
        // left out at the start would not be counted by their newlines.
        let lone_return = old[..start]
            .windows(2)
            .any(|pair| pair[0] == b'\r' && pair[1] != b'\n');
        if (start == 0 && tail == 0) || lone_return {
            return None;
        }
        Some(Self {
            start,
            old_end: end,
            new_end: new.len() - tail,
            lines: memchr::memchr_iter(b'\n', &old[..start]).count(),
        })
    }
}

/// How many bytes `a` and `b` share at the start.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const CHUNK: usize = 4096;
    let shortest = a.len().min(b.len());
    let mut at = 0;
    while at + CHUNK <= shortest && a[at..at + CHUNK] == b[at..at + CHUNK] {
        at += CHUNK;
    }
    at + a[at..shortest]
        .iter()
        .zip(&b[at..shortest])
        .take_while(|(x, y)| x == y)
        .count()
}

/// How many bytes `a` and `b` share at the end, up to `max`.
fn common_suffix(a: &[u8], b: &[u8], max: usize) -> usize {
    const CHUNK: usize = 4096;
    let (mut a, mut b) = (&a[a.len() - max..], &b[b.len() - max..]);
    let mut shared = 0;
    while a.len() >= CHUNK && a[a.len() - CHUNK..] == b[b.len() - CHUNK..] {
        (a, b) = (&a[..a.len() - CHUNK], &b[..b.len() - CHUNK]);
        shared += CHUNK;
    }
    shared
        + a.iter()
            .rev()
            .zip(b.iter().rev())
            .take_while(|(x, y)| x == y)
            .count()
}

/// The rest of a hunk header, `A[,B] +C[,D] @@…`, with `lines` added to both starts.
fn shift(rest: &str, lines: usize) -> Option<String> {
    let (old, rest) = rest.split_once(" +")?;
    let (new, rest) = rest.split_once(" @@")?;
    let moved = |range: &str| -> Option<String> {
        let (start, length) = match range.split_once(',') {
            Some((start, length)) => (start, Some(length)),
            None => (range, None),
        };
        let start = start.parse::<usize>().ok()? + lines;
        Some(match length {
            Some(length) => format!("{start},{length}"),
            None => start.to_string(),
        })
    };
    Some(format!("{} +{} @@{rest}", moved(old)?, moved(new)?))
}

/// `value` made safe to show on one line: control characters (newlines, escapes, NUL, the
/// C1 controls, bidirectional overrides, line separators) written as `\n`, `\u{1b}` and so
/// on, and cut after `max` characters with a note of how much is left out.
pub(crate) fn shown(value: &str, max: usize) -> String {
    escaped(value, max, &[])
}

/// Like [`shown`], but line breaks are kept: for text of several lines (a trace, a diff).
pub(crate) fn shown_lines(value: &str, max: usize) -> String {
    escaped(value, max, &['\n'])
}

fn escaped(value: &str, max: usize, kept: &[char]) -> String {
    if value.len() <= max && value.bytes().all(|byte| matches!(byte, b' '..=b'~')) {
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len().min(max.saturating_mul(2)) + 16);
    for (count, (index, character)) in value.char_indices().enumerate() {
        if count == max {
            let _ = write!(out, "… ({} more bytes)", value.len() - index);
            return out;
        }
        escape_into(&mut out, character, kept);
    }
    out
}

/// Appends `character` to `out`, escaped unless it is safe or `kept`.
pub(crate) fn escape_into(out: &mut String, character: char, kept: &[char]) {
    match character {
        character if kept.contains(&character) => out.push(character),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        character if is_unsafe(character) => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(character));
        }
        character => out.push(character),
    }
}

/// `value` cut after `max` characters with a note of how much is left out, but not escaped:
/// for JSON, whose own escaping is enough.
pub(crate) fn bounded(value: &str, max: usize) -> Cow<'_, str> {
    if value.len() <= max {
        return Cow::Borrowed(value);
    }
    match value.char_indices().nth(max) {
        None => Cow::Borrowed(value),
        Some((index, _)) => Cow::Owned(format!(
            "{}… ({} more bytes)",
            &value[..index],
            value.len() - index
        )),
    }
}

/// Whether `character` would do something other than print itself on a terminal.
pub(crate) fn is_unsafe(character: char) -> bool {
    character.is_control()
        || matches!(
            character,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// Text about to be printed, with nothing left that a CI runner reads as a workflow command:
/// no line starts with `::` and a name (after blanks, as GitHub's runner trims them; `:::`
/// names nothing), and no `##[` appears anywhere (the older form, honoured mid-line). Both
/// are escaped visibly. For every format but GitHub's own workflow commands.
pub(crate) fn inert(text: String) -> String {
    let text = inert_inline(text, "\\u{23}[");
    if !text.contains("::") {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        let blanks = line.len() - line.trim_start().len();
        let start = &line[blanks..];
        if start.starts_with("::") && !start.starts_with(":::") {
            out.push_str(&line[..blanks]);
            out.push_str("\\u{3a}");
            out.push_str(&line[blanks + 1..]);
        } else {
            out.push_str(line);
        }
    }
    out
}

/// `text` with every `##[` written as `#` followed by `escape` and `[`.
pub(crate) fn inert_inline(text: String, escape: &str) -> String {
    if text.contains("##[") {
        text.replace("##[", &format!("#{escape}"))
    } else {
        text
    }
}

/// A JSON document made safe to print as it is: the characters that JSON leaves raw but a
/// terminal acts on (DEL, the C1 controls, bidirectional overrides, line separators) and the
/// `#` of `##[` written as `\u` escapes. Valid only for JSON text, where such characters can
/// only be inside strings; the document's meaning is unchanged.
pub(crate) fn inert_json(text: String) -> String {
    let text = inert_inline(text, "\\u0023[");
    // JSON escapes every ASCII control but DEL; the others are beyond ASCII.
    if text.is_ascii() && !text.contains('\u{7f}') {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for character in text.chars() {
        if is_unsafe(character) && !matches!(character, '\n' | '\r' | '\t' | ' ') {
            let _ = write!(out, "\\u{:04x}", u32::from(character));
        } else {
            out.push(character);
        }
    }
    out
}

/// How much of a long text (a unified diff) is shown.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cut {
    /// Lines shown at most.
    pub(crate) lines: usize,
    /// Bytes shown at most, counting the lines' text.
    pub(crate) bytes: usize,
    /// Characters of one line shown at most.
    pub(crate) line: usize,
}

impl Cut {
    /// No limit on lines or bytes; each line still bounded.
    pub(crate) const fn lines_only(line: usize) -> Self {
        Self {
            lines: usize::MAX,
            bytes: usize::MAX,
            line,
        }
    }
}

/// `text` cut to `cut`, each line escaped (as [`shown`]), with a last line saying how much is
/// left out and what shows it, `more` (e.g. "`--verbose` shows them").
pub(crate) fn cut_lines(text: &str, cut: Cut, more: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines().enumerate();
    for (index, line) in lines.by_ref() {
        let shown = shown(line, cut.line);
        if index >= cut.lines || out.len() + shown.len() + 1 > cut.bytes {
            let rest = text.lines().count() - index;
            let _ = write!(
                out,
                "… {rest} more line{} of diff ({more})",
                if rest == 1 { "" } else { "s" }
            );
            return out;
        }
        out.push_str(&shown);
        out.push('\n');
    }
    out.truncate(out.trim_end_matches('\n').len());
    out
}

/// The compact JSON text of `value` (as `serde_json::to_string` writes it), at most `max`
/// bytes of it, and whether it was cut. Costs no more than the bound, however large the value.
pub(crate) fn json_prefix(value: &serde_json::Value, max: usize) -> (String, bool) {
    let mut out = String::new();
    let complete = json_into(value, &mut out, max);
    if out.len() > max {
        let mut end = max;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
        return (out, true);
    }
    (out, !complete)
}

/// Appends the compact JSON text of `value` to `out` until `out` is longer than `max`;
/// whether it was all written.
fn json_into(value: &serde_json::Value, out: &mut String, max: usize) -> bool {
    use serde_json::Value;
    if out.len() > max {
        return false;
    }
    match value {
        Value::String(text) => {
            let room = max + 1 - out.len();
            let mut end = room.min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            let quoted = serde_json::Value::from(&text[..end]).to_string();
            if end < text.len() {
                out.push_str(&quoted[..quoted.len() - 1]);
                return false;
            }
            out.push_str(&quoted);
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                if !json_into(item, out, max) {
                    return false;
                }
            }
            out.push(']');
        }
        Value::Object(fields) => {
            out.push('{');
            for (index, (key, item)) in fields.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                if !json_into(&Value::String(key.clone()), out, max) {
                    return false;
                }
                out.push(':');
                if !json_into(item, out, max) {
                    return false;
                }
            }
            out.push('}');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
    true
}

/// A JSON value shown on one line: its compact text, escaped and cut after `max`
/// characters.
pub(crate) fn json_shown(value: &serde_json::Value, max: usize) -> String {
    let (text, cut) = json_prefix(value, max.saturating_mul(4).max(16));
    let mut characters = text.chars();
    let head: String = characters.by_ref().take(max).collect();
    let mut shown = shown(&head, usize::MAX);
    if cut || characters.next().is_some() {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::{
        Cut, Trim, bounded, cut_lines, inert, inert_json, json_shown, short, shown, shown_lines,
        unified_diff, whole_diff,
    };

    /// `old` with the unified diff `diff` applied; `None` where a context or removed line is
    /// not what `old` holds there. Lines are as `similar` takes them, for texts in which every
    /// carriage return comes before a newline.
    fn patched(old: &str, diff: &str) -> Option<String> {
        let old: Vec<&str> = old.split_inclusive('\n').collect();
        let mut lines = diff.split_inclusive('\n').skip(2).peekable();
        let (mut new, mut at) = (String::new(), 0);
        while let Some(header) = lines.next() {
            let start: usize = header
                .strip_prefix("@@ -")?
                .split([',', ' '])
                .next()?
                .parse()
                .ok()?;
            let start = start.saturating_sub(1).max(at);
            new.extend(old.get(at..start)?.iter().copied());
            at = start;
            while let Some(line) = lines.next_if(|line| !line.starts_with("@@")) {
                let (tag, text) = line.split_at(1);
                let bare = lines.next_if(|next| next.starts_with('\\'));
                let text = if bare.is_some() {
                    text.strip_suffix('\n')?
                } else {
                    text
                };
                match tag {
                    "+" => new.push_str(text),
                    " " | "-" if old.get(at) == Some(&text) => {
                        if tag == " " {
                            new.push_str(text);
                        }
                        at += 1;
                    }
                    _ => return None,
                }
            }
        }
        new.extend(old.get(at..)?.iter().copied());
        Some(new)
    }

    /// The diff with the shared lines left out is a true diff (applied to the old text, it
    /// makes the new one) and, but for a change placed otherwise along repeated lines, the diff
    /// of the whole, on thousands of pairs of texts (some lines ending in `\r\n`, some texts
    /// without a newline at the end), each changed in a few places; and on a long text with
    /// one line changed, where most of it is left out.
    #[test]
    fn leaving_out_shared_lines_keeps_the_diff_true() {
        const LINES: &[&str] = &["a\n", "b\n", "c\n", "\n", "a\r\n", "é\n", "{\n", "x"];
        // A line of its own, ended by a carriage return alone: never left out at the start.
        let lone = "a\rb\n".repeat(40) + "c\n";
        assert!(Trim::of(lone.as_bytes(), lone.replace("c\n", "d\n").as_bytes()).is_none());
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |below: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % below as u64).unwrap()
        };
        let (mut trimmed, mut same) = (0, 0);
        for _ in 0..5_000 {
            let count = next(120);
            // Only the last line may be without a newline.
            let mut old: Vec<&str> = (0..count).map(|_| LINES[next(LINES.len() - 1)]).collect();
            old.push(LINES[next(LINES.len())]);
            let mut new = old.clone();
            let around = next(new.len() + 1);
            for _ in 0..=next(3) {
                let at = (around + next(8)).min(new.len());
                match next(3) {
                    0 if at < new.len() => new[at] = LINES[next(LINES.len())],
                    1 if at < new.len() => {
                        new.remove(at);
                    }
                    _ => new.insert(at, LINES[next(LINES.len())]),
                }
            }
            if next(2) == 0 {
                std::mem::swap(&mut old, &mut new);
            }
            let (old, new) = (old.concat(), new.concat());
            let diff = unified_diff(old.as_bytes(), new.as_bytes(), "f");
            assert_eq!(
                patched(&old, &diff).as_deref(),
                Some(new.as_str()),
                "{old:?} {new:?}\n{diff}"
            );
            if Trim::of(old.as_bytes(), new.as_bytes()).is_some() {
                trimmed += 1;
                same += usize::from(diff == whole_diff(&old, &new, "f"));
            }
        }
        assert!(trimmed > 1_000, "{trimmed}");
        assert!(same * 100 > trimmed * 95, "{same} of {trimmed}");
        let old = (0..5_000).fold(String::new(), |mut old, line| {
            use std::fmt::Write as _;
            let _ = writeln!(old, "line {line}");
            old
        });
        let new = old.replacen("line 2500\n", "line 2500 changed\n", 1);
        let trim = Trim::of(old.as_bytes(), new.as_bytes()).unwrap();
        assert!(
            trim.old_end - trim.start < 500,
            "{}",
            trim.old_end - trim.start
        );
        let diff = unified_diff(old.as_bytes(), new.as_bytes(), "f");
        assert_eq!(diff, whole_diff(&old, &new, "f"));
        assert!(diff.contains("@@ -2498,7 +2498,7 @@"), "{diff}");
    }

    #[test]
    fn values_are_escaped_and_bounded() {
        assert_eq!(shown("plain", 10), "plain");
        assert_eq!(shown("a\nb\x1b[2J\0", 20), "a\\nb\\u{1b}[2J\\u{0}");
        assert_eq!(shown("\u{202e}evil", 20), "\\u{202e}evil");
        assert_eq!(shown("\u{9b}31m\u{2028}", 20), "\\u{9b}31m\\u{2028}");
        assert_eq!(shown("abcdef", 3), "abc… (3 more bytes)");
        assert_eq!(shown("ééé", 1), "é… (4 more bytes)");
        assert_eq!(shown_lines("a\nb\r\x1b", 10), "a\nb\\r\\u{1b}");
        assert_eq!(bounded("a\nb", 5), "a\nb");
        assert_eq!(bounded("abcdef", 2), "ab… (4 more bytes)");
    }

    #[test]
    fn printed_text_starts_no_workflow_command() {
        assert_eq!(inert("ok\n".to_owned()), "ok\n");
        assert_eq!(
            inert("a\n::error::x\n   ::warning::y\nz ::notice::ok\n  ::: a.jsonnet:1:2".to_owned()),
            "a\n\\u{3a}:error::x\n   \\u{3a}:warning::y\nz ::notice::ok\n  ::: a.jsonnet:1:2"
        );
        assert_eq!(
            inert("say ##[error]boom".to_owned()),
            "say #\\u{23}[error]boom"
        );
        let json = inert_json(
            serde_json::to_string(&serde_json::json!(["##[error]\u{9b}\u{202e}\u{7f}\x1b"]))
                .unwrap(),
        );
        assert_eq!(json, r##"["#\u0023[error]\u009b\u202e\u007f\u001b"]"##);
        let back: Vec<String> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, ["##[error]\u{9b}\u{202e}\u{7f}\x1b"]);
    }

    #[test]
    fn long_text_is_cut_by_lines_and_bytes() {
        let text = "a\nb\nc\nd\n";
        let cut = |lines, bytes| Cut {
            lines,
            bytes,
            line: 10,
        };
        assert_eq!(cut_lines(text, cut(10, 100), "x"), "a\nb\nc\nd");
        assert_eq!(
            cut_lines(text, cut(2, 100), "x"),
            "a\nb\n… 2 more lines of diff (x)"
        );
        assert_eq!(
            cut_lines(text, cut(10, 5), "x"),
            "a\nb\n… 2 more lines of diff (x)"
        );
        assert_eq!(
            cut_lines(&format!("{}\n\x1b", "x".repeat(50)), cut(10, 100), "x"),
            "xxxxxxxxxx… (40 more bytes)\n\\u{1b}"
        );
    }

    #[test]
    fn json_values_are_shown_bounded() {
        assert_eq!(json_shown(&serde_json::json!("a\nb"), 20), "\"a\\nb\"");
        let big = serde_json::Value::String("x".repeat(1_000_000));
        assert_eq!(json_shown(&big, 10), "\"xxxxxxxxx…");
        assert_eq!(json_shown(&serde_json::json!([1, 2]), 5), "[1,2]");
        assert_eq!(json_shown(&serde_json::json!([1, 2]), 4), "[1,2…");
    }

    #[test]
    fn json_prefixes_are_the_start_of_the_compact_text() {
        let value = serde_json::json!({ "a": [1, "x\ny", null], "b": { "c": true } });
        let whole = value.to_string();
        assert_eq!(super::json_prefix(&value, 1000), (whole.clone(), false));
        for max in 0..whole.len() {
            let (prefix, cut) = super::json_prefix(&value, max);
            assert!(cut, "{max}");
            assert!(prefix.len() <= max, "{max}: {prefix}");
            assert!(whole.starts_with(&prefix), "{max}: {prefix}");
        }
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
