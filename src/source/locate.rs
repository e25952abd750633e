//! Finds where, in an entity's file, a value came from. Evaluation keeps no positions, so this
//! searches the file's text: for a JSON pointer, each object key in turn (as a field or a named
//! argument of a golden-path helper); for a string value, its literal. A miss is honest: the
//! diagnostic then names the entity and pointer instead.

use std::ops::Range;

/// The span of the last key of `pointer` in `text`, searching keys in order.
pub(crate) fn key(text: &str, pointer: &str) -> Option<Range<usize>> {
    let segments: Vec<String> = crate::pointer::segments(pointer)
        .filter(|segment| segment.parse::<usize>().is_err())
        .collect();
    let (last, parents) = segments.split_last()?;
    let mut from = 0;
    for parent in parents {
        if let Some(found) = find_key(text, parent, from) {
            from = found.end;
        }
    }
    find_key(text, last, from).or_else(|| find_key(text, last, 0))
}

/// The span of the value at `pointer`: its string `literal` when it is written after the key
/// (or anywhere, when the key is not found), else the key.
pub(crate) fn value(text: &str, pointer: &str, literal: Option<&str>) -> Option<Range<usize>> {
    let key = key(text, pointer);
    let Some(literal) = literal else {
        return key;
    };
    match key {
        Some(key) => string(&text[key.end..], literal)
            .filter(|found| found.start < 200)
            .map(|found| key.end + found.start..key.end + found.end)
            .or(Some(key)),
        None => string(text, literal),
    }
}

/// The span of a string literal equal to `value` in `text`.
pub(crate) fn string(text: &str, value: &str) -> Option<Range<usize>> {
    ['\'', '"'].iter().find_map(|quote| {
        let literal = format!("{quote}{value}{quote}");
        text.find(&literal)
            .map(|start| start..start + literal.len())
    })
}

/// A key named `name` at or after `from`: `name:`, `name::`, `name+:`, `name=`, or quoted.
fn find_key(text: &str, name: &str, from: usize) -> Option<Range<usize>> {
    let bytes = text.as_bytes();
    let mut start = from;
    while let Some(found) = text.get(start..)?.find(name) {
        let begin = start + found;
        let end = begin + name.len();
        start = end;
        let quoted = begin > 0
            && matches!(bytes[begin - 1], b'\'' | b'"')
            && bytes.get(end) == Some(&bytes[begin - 1]);
        let (begin, end) = if quoted {
            (begin - 1, end + 1)
        } else {
            (begin, end)
        };
        let boundary_before = begin == 0 || !is_identifier(bytes[begin - 1]);
        let boundary_after = bytes.get(end).is_none_or(|byte| !is_identifier(*byte));
        if !(boundary_before && boundary_after) {
            continue;
        }
        let rest = text[end..].trim_start();
        if rest.starts_with(':')
            || rest.starts_with("+:")
            || (rest.starts_with('=') && !rest.starts_with("=="))
        {
            return Some(begin..end);
        }
    }
    None
}

fn is_identifier(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

#[cfg(test)]
mod tests {
    use super::{key, string, value};

    #[test]
    fn finds_fields_and_named_arguments() {
        let text = "svc.new('checkout', owner='payments', tier=1)\n+ { deployments: [{ cluster: 'x', replicas: 1 }] }";
        assert_eq!(&text[key(text, "/owner").unwrap()], "owner");
        assert_eq!(
            &text[key(text, "/deployments/0/replicas").unwrap()],
            "replicas"
        );
        assert_eq!(key(text, "/missing"), None);
        assert_eq!(&text[string(text, "payments").unwrap()], "'payments'");
        let text = "{ name: 'x', slack: 'x' }";
        assert_eq!(value(text, "/slack", Some("x")).unwrap(), 20..23);
        assert_eq!(value(text, "/missing", Some("x")).unwrap(), 8..11);
    }

    #[test]
    fn ignores_comparisons_and_longer_names() {
        let text = "local tiers = 1; if tier == 1 then { 'tier': 2 }";
        assert_eq!(&text[key(text, "/tier").unwrap()], "'tier'");
    }
}
