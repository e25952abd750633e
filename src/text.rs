//! Text shown to people: short forms of hashes and commit ids, and unified diffs. Pure
//! functions over strings; nothing here prints.

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

#[cfg(test)]
mod tests {
    use super::{short, unified_diff};

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
