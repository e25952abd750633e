//! Byte offsets to lines and columns, for rendering diagnostics. Built once per file (see
//! [`super::Sources::line_index`]); every lookup after that costs a binary search and at most
//! a few kilobytes of counting, however long the file or its lines.

use std::ops::Range;

/// Bytes between two counts of characters kept for columns.
const CHECKPOINT: usize = 1024;

/// The start offset of every line of one text, and how many characters precede every
/// [`CHECKPOINT`]th byte.
#[derive(Debug)]
pub(crate) struct LineIndex {
    starts: Vec<usize>,
    /// `chars[i]`: the characters that start before byte `i * CHECKPOINT`; empty when the
    /// text is ASCII, each byte a character.
    chars: Vec<usize>,
}

/// Whether `byte` starts a character (is not a UTF-8 continuation byte).
fn starts_char(byte: u8) -> bool {
    byte & 0xC0 != 0x80
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(index, _)| index + 1))
            .collect();
        let mut chars = Vec::new();
        if !text.is_ascii() {
            chars.reserve(text.len() / CHECKPOINT + 1);
            let mut count = 0;
            chars.push(0);
            for chunk in text.as_bytes().chunks(CHECKPOINT) {
                count += chunk.iter().filter(|byte| starts_char(**byte)).count();
                chars.push(count);
            }
        }
        Self { starts, chars }
    }

    /// The characters of `text` that start before byte `offset`.
    fn chars_before(&self, text: &str, offset: usize) -> usize {
        let offset = offset.min(text.len());
        if self.chars.is_empty() {
            return offset;
        }
        let checkpoint = offset / CHECKPOINT;
        let from = checkpoint * CHECKPOINT;
        self.chars[checkpoint]
            + text.as_bytes()[from..offset]
                .iter()
                .filter(|byte| starts_char(**byte))
                .count()
    }

    /// The 0-based line that holds `offset`.
    pub(crate) fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset) - 1
    }

    /// How many lines the text has (a final line without a newline counts).
    pub(crate) fn lines(&self) -> usize {
        self.starts.len()
    }

    /// The bytes of 0-based `line`, without its line break.
    pub(crate) fn line_range(&self, text: &str, line: usize) -> Range<usize> {
        let start = self.starts[line.min(self.starts.len() - 1)].min(text.len());
        let end = self
            .starts
            .get(line + 1)
            .map_or(text.len(), |next| next - 1)
            .max(start);
        let end = if text.as_bytes().get(end.wrapping_sub(1)) == Some(&b'\r') && end > start {
            end - 1
        } else {
            end
        };
        start..end
    }

    /// The 1-based line and 1-based column (in characters) of `offset`.
    pub(crate) fn position(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.line(offset);
        let start = self.starts[line];
        let column = self.chars_before(text, offset) - self.chars_before(text, start) + 1;
        (line + 1, column)
    }
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    #[test]
    fn positions() {
        let text = "ab\nçd\n\nx";
        let index = LineIndex::new(text);
        assert_eq!(index.position(text, 0), (1, 1));
        assert_eq!(index.position(text, 1), (1, 2));
        assert_eq!(index.position(text, 3), (2, 1));
        assert_eq!(index.position(text, 5), (2, 2));
        assert_eq!(index.position(text, 7), (3, 1));
        assert_eq!(index.position(text, 8), (4, 1));
        assert_eq!(index.position(text, 99), (4, 2));
        assert_eq!(index.lines(), 4);
        assert_eq!(index.line_range(text, 1), 3..6);
        assert_eq!(index.line_range(text, 2), 7..7);
        assert_eq!(index.line_range(text, 3), 8..9);
    }

    #[test]
    fn ascii_columns_are_byte_offsets() {
        let text = format!("{}\nab", "x".repeat(5000));
        let index = LineIndex::new(&text);
        assert_eq!(index.position(&text, 4000), (1, 4001));
        assert_eq!(index.position(&text, 5002), (2, 2));
    }

    #[test]
    fn columns_on_long_lines_count_characters() {
        let text = format!("{}\r\n{}z", "é".repeat(10_000), "ü".repeat(5_000));
        let index = LineIndex::new(&text);
        let z = text.len() - 1;
        assert_eq!(index.position(&text, z), (2, 5_001));
        assert_eq!(index.position(&text, 20_000), (1, 10_001));
        assert_eq!(index.line_range(&text, 0), 0..20_000);
    }
}
