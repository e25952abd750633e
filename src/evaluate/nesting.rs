//! A pre-scan of Jsonnet source for bracket nesting. The parser recurses once per level
//! without growing its stack, so a file nested thousands deep would abort the process; this
//! scan refuses such a file before it reaches the parser.

/// The deepest bracket nesting a registry file may have.
pub(super) const MAX_SOURCE_NESTING: usize = 256;

/// The offset of the first bracket nested deeper than `limit`, outside strings and comments.
pub(super) fn too_deep(text: &str, limit: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Some(index);
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'#' => index = line_end(bytes, index),
            b'/' if bytes.get(index + 1) == Some(&b'/') => index = line_end(bytes, index),
            b'/' if bytes.get(index + 1) == Some(&b'*') => {
                index = find(bytes, index + 2, b"*/").map_or(bytes.len(), |end| end + 1);
            }
            b'|' if bytes[index..].starts_with(b"|||") => {
                index = find(bytes, index + 3, b"|||").map_or(bytes.len(), |end| end + 2);
            }
            quote @ (b'"' | b'\'') => {
                let verbatim = index > 0 && bytes[index - 1] == b'@';
                index += 1;
                while index < bytes.len() && bytes[index] != quote {
                    if bytes[index] == b'\\' && !verbatim {
                        index += 1;
                    }
                    index += 1;
                }
            }
            _ => {}
        }
        index += 1;
    }
    None
}

fn line_end(bytes: &[u8], from: usize) -> usize {
    find(bytes, from, b"\n").unwrap_or(bytes.len())
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|position| from + position)
}

#[cfg(test)]
mod tests {
    use super::too_deep;

    #[test]
    fn counts_brackets_outside_strings_and_comments() {
        assert_eq!(too_deep("[[[1]]]", 3), None);
        assert_eq!(too_deep("[[[[1]]]]", 3), Some(3));
        assert_eq!(too_deep("{a: '[[[[', b: \"{{{{\"}", 1), None);
        assert_eq!(too_deep("// [[[[\n# {{{{\n/* (((( */ 1", 1), None);
        assert_eq!(too_deep("|||\n  [[[[\n|||", 1), None);
        assert_eq!(too_deep("'it\\'s [[' + [[1]]", 1), Some(14));
        assert_eq!(too_deep(&"[".repeat(100_000), 256), Some(256));
    }
}
