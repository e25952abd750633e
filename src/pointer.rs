//! JSON pointers (RFC 6901), the way every stage names a place inside an entity's value.

/// Appends `/key` to `pointer`, escaping `~` and `/` in `key`.
pub(crate) fn push(pointer: &mut String, key: &str) {
    pointer.push('/');
    for character in key.chars() {
        match character {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            other => pointer.push(other),
        }
    }
}

/// `pointer` followed by `/key`, escaped.
pub(crate) fn join(pointer: &str, key: &str) -> String {
    let mut joined = pointer.to_owned();
    push(&mut joined, key);
    joined
}

/// The unescaped keys of `pointer`; empty for the whole value (`""`).
pub(crate) fn segments(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer
        .split('/')
        .skip(1)
        .map(|segment| segment.replace("~1", "/").replace("~0", "~"))
}

#[cfg(test)]
mod tests {
    use super::{join, segments};

    #[test]
    fn escapes_and_splits() {
        assert_eq!(join("/a", "b/c~d"), "/a/b~1c~0d");
        assert_eq!(
            segments("/a/b~1c~0d/0").collect::<Vec<_>>(),
            ["a", "b/c~d", "0"]
        );
        assert_eq!(segments("").count(), 0);
    }
}
