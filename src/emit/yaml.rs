//! A direct YAML writer for the documents this crate emits: a [`serde::Serializer`] that
//! renders a value into a `String` exactly as `serde_yaml_ng::to_string` does (block style,
//! indent 2, no line folding, no `---`), without libyaml's event queue. It answers only where
//! it is certain to match that output byte for byte, and gives up (`None`) on anything else: a
//! float, a string that is not printable ASCII, a key libyaml would make complex, an enum
//! variant that carries data. The caller then renders the whole document with `serde_yaml_ng`.

use std::fmt::{self, Display, Write as _};

use serde::Serialize;
use serde::ser::{self, Impossible};

/// The longest key, in bytes, that libyaml writes as a simple `key: value`; a longer one
/// becomes a complex `? key`.
const MAX_SIMPLE_KEY: usize = 128;

/// `value` as `serde_yaml_ng::to_string` renders it, or `None` where this writer is not
/// certain to match it.
pub(super) fn to_string<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    let mut out = String::with_capacity(1024);
    value
        .serialize(Node {
            out: &mut out,
            place: Place::Root,
        })
        .ok()?;
    out.push('\n');
    Some(out)
}

/// Where a node goes, which decides what precedes it and how its entries are indented.
#[derive(Clone, Copy)]
enum Place {
    /// The whole document.
    Root,
    /// A mapping's key, after the indentation its mapping wrote: a scalar only.
    Key,
    /// A mapping's value, after `key:`; the number is the indentation of the mapping's keys.
    Value(usize),
    /// A sequence's item, after `-`; the number is the column of the `-`.
    Item(usize),
}

impl Place {
    /// What separates a scalar or an empty collection here from what precedes it: a space
    /// after `key:` and `-`, nothing at the start of the document or of a key.
    fn lead(self) -> &'static str {
        match self {
            Self::Root | Self::Key => "",
            Self::Value(_) | Self::Item(_) => " ",
        }
    }
}

/// Why the writer gave up on a document: it holds something this writer is not certain to
/// render as `serde_yaml_ng` does, or its `Serialize` failed (which `serde_yaml_ng` then
/// reports).
#[derive(Debug)]
struct Unsupported;

impl Display for Unsupported {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("not certain to render as serde_yaml_ng does")
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: Display>(_message: T) -> Self {
        Self
    }
}

/// The result of writing one node.
type Result<T = (), E = Unsupported> = std::result::Result<T, E>;

/// The serializer of one node at one place in the output.
struct Node<'a> {
    out: &'a mut String,
    place: Place,
}

impl<'a> Node<'a> {
    /// Writes a scalar, plain or single-quoted, after what separates it from what precedes it.
    fn scalar(self, value: &str, quoted: bool) -> Result {
        if matches!(self.place, Place::Key) && value.len() > MAX_SIMPLE_KEY {
            return Err(Unsupported);
        }
        self.out.push_str(self.place.lead());
        if quoted {
            self.out.push('\'');
            for (index, piece) in value.split('\'').enumerate() {
                if index > 0 {
                    self.out.push_str("''");
                }
                self.out.push_str(piece);
            }
            self.out.push('\'');
        } else {
            self.out.push_str(value);
        }
        Ok(())
    }

    /// Writes an integer, in decimal as `itoa` does, a plain scalar (at most 40 bytes, so
    /// always a simple key).
    fn integer(self, value: impl Display) -> Result {
        self.out.push_str(self.place.lead());
        write!(self.out, "{value}").map_err(|_| Unsupported)
    }

    /// Starts a block mapping or sequence here; a key cannot be one.
    fn block(self, mapping: bool) -> Result<Block<'a>> {
        let indent = match (self.place, mapping) {
            (Place::Key, _) => return Err(Unsupported),
            (Place::Root, _) => 0,
            // A sequence under a key is not indented: `key:\n- item`.
            (Place::Value(indent), false) => indent,
            (Place::Value(indent) | Place::Item(indent), _) => indent + 2,
        };
        Ok(Block {
            out: self.out,
            place: self.place,
            indent,
            mapping,
            entries: 0,
        })
    }
}

/// A block mapping or sequence being written.
struct Block<'a> {
    out: &'a mut String,
    /// Where the collection itself goes.
    place: Place,
    /// The indentation of its keys, or the column of its items' `-`.
    indent: usize,
    mapping: bool,
    entries: usize,
}

impl Block<'_> {
    /// Writes what precedes an entry: the first one starts the document, or continues the
    /// line of the `-` it is under; every other one, and the first under a key, starts a new
    /// line at the collection's indentation.
    fn entry(&mut self) {
        match (self.entries, self.place) {
            (0, Place::Root) => {}
            (0, Place::Item(_)) => self.out.push(' '),
            _ => {
                self.out.push('\n');
                self.out.extend(std::iter::repeat_n(' ', self.indent));
            }
        }
        self.entries += 1;
    }

    /// Writes an item of a sequence.
    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.entry();
        self.out.push('-');
        value.serialize(Node {
            out: self.out,
            place: Place::Item(self.indent),
        })
    }

    /// Writes a key of a mapping and its `:`.
    fn key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result {
        self.entry();
        key.serialize(Node {
            out: self.out,
            place: Place::Key,
        })?;
        self.out.push(':');
        Ok(())
    }

    /// Writes the value of the key just written.
    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        value.serialize(Node {
            out: self.out,
            place: Place::Value(self.indent),
        })
    }

    /// Ends the collection: one without entries is written in flow style, `{}` or `[]`.
    fn finish(self) {
        if self.entries == 0 {
            self.out.push_str(self.place.lead());
            self.out.push_str(if self.mapping { "{}" } else { "[]" });
        }
    }
}

/// Whether `serde_yaml_ng` asks for a quoted `value`: whether its YAML 1.2 reading of the
/// plain scalar is something other than a string (null, a bool, an integer, a finite float),
/// or a string only because of leading zeros. This repeats its `visit_untagged_scalar` and
/// `digits_but_not_number` with the same standard-library parsers; `u128` and `i128` stand for
/// `u64` and `i64` too, since a narrower parse never succeeds where a wider one fails.
fn reads_as_other(value: &str) -> bool {
    // A number starts with one of these, and so does every other scalar `serde_yaml_ng`
    // reads as one (Rust parses `inf` and `nan`, but never to a finite `f64`).
    if !value
        .bytes()
        .next()
        .is_none_or(|first| matches!(first, b'0'..=b'9' | b'+' | b'-' | b'.'))
    {
        return matches!(
            value,
            "~" | "null" | "Null" | "NULL" | "true" | "True" | "TRUE" | "false" | "False" | "FALSE"
        );
    }
    matches!(
        value,
        "" | "~"
            | "null"
            | "Null"
            | "NULL"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
    ) || unsigned_int(value)
        || negative_int(value)
        || float(value)
        || digits_but_not_number(value)
}

/// `serde_yaml_ng`'s `parse_unsigned_int`: decimal, or `0x`, `0o`, `0b`, after an optional `+`.
fn unsigned_int(scalar: &str) -> bool {
    let unpositive = scalar.strip_prefix('+').unwrap_or(scalar);
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = unpositive.strip_prefix(prefix) {
            if rest.starts_with(['+', '-']) {
                return false;
            }
            if u128::from_str_radix(rest, radix).is_ok() {
                return true;
            }
        }
    }
    !unpositive.starts_with(['+', '-'])
        && !digits_but_not_number(scalar)
        && unpositive.parse::<u128>().is_ok()
}

/// `serde_yaml_ng`'s `parse_negative_int`: `-0x`, `-0o`, `-0b`, or signed decimal.
fn negative_int(scalar: &str) -> bool {
    for (prefix, radix) in [("-0x", 16), ("-0o", 8), ("-0b", 2)] {
        if let Some(rest) = scalar.strip_prefix(prefix)
            && i128::from_str_radix(&format!("-{rest}"), radix).is_ok()
        {
            return true;
        }
    }
    !digits_but_not_number(scalar) && scalar.parse::<i128>().is_ok()
}

/// `serde_yaml_ng`'s `parse_f64`: `.inf` and `.nan` spelled as YAML does, or what Rust parses
/// to a finite `f64`.
fn float(scalar: &str) -> bool {
    let unpositive = match scalar.strip_prefix('+') {
        Some(unpositive) if unpositive.starts_with(['+', '-']) => return false,
        Some(unpositive) => unpositive,
        None => scalar,
    };
    matches!(unpositive, ".inf" | ".Inf" | ".INF")
        || matches!(
            scalar,
            "-.inf" | "-.Inf" | "-.INF" | ".nan" | ".NaN" | ".NAN"
        )
        || unpositive.parse::<f64>().is_ok_and(f64::is_finite)
}

/// `serde_yaml_ng`'s `digits_but_not_number`: a leading zero followed by digits, after an
/// optional sign, which YAML 1.2 reads as a string but `serde_yaml_ng` quotes anyway.
fn digits_but_not_number(scalar: &str) -> bool {
    let scalar = scalar.strip_prefix(['-', '+']).unwrap_or(scalar);
    scalar.len() > 1 && scalar.starts_with('0') && scalar[1..].bytes().all(|b| b.is_ascii_digit())
}

/// Whether libyaml's `yaml_emitter_analyze_scalar` allows the non-empty, printable ASCII
/// `value` as a plain scalar in block context: no indicator at its start (`---` or `...`, one
/// of ``#,[]{}&*!|>'"%@` ``, or `-`, `?`, `:` before a space or the end), no `:` before a
/// space or the end, no `#` after a space, and no space at either end.
fn plain_allowed(value: &str) -> bool {
    let bytes = value.as_bytes();
    let spaced = |index: usize| bytes.get(index).is_none_or(|&byte| byte == b' ');
    if bytes.starts_with(b"---") || bytes.starts_with(b"...") || spaced(0) || value.ends_with(' ') {
        return false;
    }
    let start = match bytes[0] {
        b'#' | b',' | b'[' | b']' | b'{' | b'}' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
        | b'"' | b'%' | b'@' | b'`' => false,
        b'-' | b'?' | b':' => !spaced(1),
        _ => true,
    };
    start
        && (1..bytes.len()).all(|index| match bytes[index] {
            b':' => !spaced(index + 1),
            b'#' => bytes[index - 1] != b' ',
            _ => true,
        })
}

/// The scalar style libyaml writes a string in: `Some(true)` single-quoted, `Some(false)`
/// plain, `None` when the string is not printable ASCII (a line break asks for a literal
/// block, and libyaml escapes or breaks on other characters).
fn quoted(value: &str) -> Option<bool> {
    value
        .bytes()
        .all(|byte| matches!(byte, b' '..=b'~'))
        .then(|| reads_as_other(value) || !plain_allowed(value))
}

impl<'a> ser::Serializer for Node<'a> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Block<'a>;
    type SerializeTuple = Block<'a>;
    type SerializeTupleStruct = Block<'a>;
    type SerializeTupleVariant = Impossible<(), Unsupported>;
    type SerializeMap = Block<'a>;
    type SerializeStruct = Block<'a>;
    type SerializeStructVariant = Impossible<(), Unsupported>;

    fn serialize_bool(self, value: bool) -> Result {
        self.scalar(if value { "true" } else { "false" }, false)
    }

    fn serialize_i8(self, value: i8) -> Result {
        self.serialize_i128(value.into())
    }

    fn serialize_i16(self, value: i16) -> Result {
        self.serialize_i128(value.into())
    }

    fn serialize_i32(self, value: i32) -> Result {
        self.serialize_i128(value.into())
    }

    fn serialize_i64(self, value: i64) -> Result {
        self.serialize_i128(value.into())
    }

    fn serialize_i128(self, value: i128) -> Result {
        self.integer(value)
    }

    fn serialize_u8(self, value: u8) -> Result {
        self.serialize_u128(value.into())
    }

    fn serialize_u16(self, value: u16) -> Result {
        self.serialize_u128(value.into())
    }

    fn serialize_u32(self, value: u32) -> Result {
        self.serialize_u128(value.into())
    }

    fn serialize_u64(self, value: u64) -> Result {
        self.serialize_u128(value.into())
    }

    fn serialize_u128(self, value: u128) -> Result {
        self.integer(value)
    }

    /// `serde_yaml_ng` formats floats with ryu; this writer does not try to match it.
    fn serialize_f32(self, _value: f32) -> Result {
        Err(Unsupported)
    }

    /// `serde_yaml_ng` formats floats with ryu; this writer does not try to match it.
    fn serialize_f64(self, _value: f64) -> Result {
        Err(Unsupported)
    }

    /// `serde_yaml_ng` asks for a single-quoted char, which libyaml keeps for printable ASCII.
    fn serialize_char(self, value: char) -> Result {
        if !matches!(value, ' '..='~') {
            return Err(Unsupported);
        }
        self.scalar(value.encode_utf8(&mut [0; 4]), true)
    }

    fn serialize_str(self, value: &str) -> Result {
        let quoted = quoted(value).ok_or(Unsupported)?;
        self.scalar(value, quoted)
    }

    /// `serde_yaml_ng` refuses bytes.
    fn serialize_bytes(self, _value: &[u8]) -> Result {
        Err(Unsupported)
    }

    fn serialize_none(self) -> Result {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result {
        self.scalar("null", false)
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result {
        value.serialize(self)
    }

    /// `serde_yaml_ng` writes the variant as a tag.
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result {
        Err(Unsupported)
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Block<'a>> {
        self.block(false)
    }

    fn serialize_tuple(self, _len: usize) -> Result<Block<'a>> {
        self.block(false)
    }

    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Block<'a>> {
        self.block(false)
    }

    /// `serde_yaml_ng` writes the variant as a tag.
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(Unsupported)
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Block<'a>> {
        self.block(true)
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Block<'a>> {
        self.block(true)
    }

    /// `serde_yaml_ng` writes the variant as a tag.
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(Unsupported)
    }

    /// The first key of a one-entry map that displays as `!` and then more is a tag to
    /// `serde_yaml_ng` (its `check_for_tag`); any text that starts with `!` is left to it.
    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result {
        let text = value.to_string();
        if text.starts_with('!') {
            return Err(Unsupported);
        }
        self.serialize_str(&text)
    }
}

impl ser::SerializeSeq for Block<'_> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.item(value)
    }

    fn end(self) -> Result {
        self.finish();
        Ok(())
    }
}

impl ser::SerializeTuple for Block<'_> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.item(value)
    }

    fn end(self) -> Result {
        self.finish();
        Ok(())
    }
}

impl ser::SerializeTupleStruct for Block<'_> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.item(value)
    }

    fn end(self) -> Result {
        self.finish();
        Ok(())
    }
}

impl ser::SerializeMap for Block<'_> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result {
        self.key(key)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.value(value)
    }

    fn end(self) -> Result {
        self.finish();
        Ok(())
    }
}

impl ser::SerializeStruct for Block<'_> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        self.key(key)?;
        self.value(value)
    }

    fn end(self) -> Result {
        self.finish();
        Ok(())
    }
}

#[cfg(test)]
thread_local! {
    /// Of the documents [`super::yaml`] rendered on this thread: how many, and how many of
    /// them the direct writer answered.
    static TALLY: std::cell::Cell<(usize, usize)> = const { std::cell::Cell::new((0, 0)) };
}

/// In tests, checks that the direct writer's answer for `value`, when it gave one, is
/// `serde_yaml_ng`'s to the byte, and counts the document in this thread's [`TALLY`].
#[cfg(test)]
pub(super) fn witness<T: Serialize + ?Sized>(value: &T, fast: Option<&str>) {
    if let Some(fast) = fast {
        let slow = serde_yaml_ng::to_string(value).expect("outputs serialize");
        assert_eq!(fast, slow, "the direct writer differs from serde_yaml_ng");
    }
    TALLY.with(|tally| {
        let (documents, answered) = tally.get();
        tally.set((documents + 1, answered + usize::from(fast.is_some())));
    });
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::fmt;
    use std::path::Path;
    use std::sync::Arc;

    use serde::Serialize;
    use serde::ser::{SerializeMap as _, SerializeSeq as _};
    use strum::IntoEnumIterator as _;

    use super::{TALLY, to_string};
    use crate::emit::{OutputSet, alertmanager, argocd, backstage, prometheus};
    use crate::model::Kind;

    /// The direct writer's answer for `value`, after checking it against `serde_yaml_ng`'s.
    fn checked<T: Serialize + ?Sized>(value: &T) -> Option<String> {
        let fast = to_string(value);
        if let Some(fast) = &fast {
            assert_eq!(*fast, serde_yaml_ng::to_string(value).unwrap());
        }
        fast
    }

    /// Every YAML document the example registry emits: the direct writer answers for at least
    /// 95% of them, each time exactly as `serde_yaml_ng` (checked by [`super::witness`]). The
    /// emitters run here on this thread, so that its tally counts them; a YAML file that
    /// [`crate::emit::emit`] writes and they do not fails the test.
    #[test]
    fn every_document_of_the_example_registry() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("registry");
        let sources = Arc::new(crate::source::read_dir(&root).unwrap());
        let compilation = crate::compilation::Compilation::new(sources).unwrap();
        let graph = compilation
            .graph()
            .unwrap_or_else(|| panic!("{:?}", compilation.diagnostics()));
        TALLY.with(|tally| tally.set((0, 0)));
        let mut outputs = OutputSet::default();
        alertmanager::emit(graph, &mut outputs);
        for kind in Kind::iter() {
            backstage::entities(graph, kind, &mut outputs);
        }
        backstage::members(graph, &mut outputs);
        backstage::location(graph, &mut outputs);
        for (id, _) in graph.registry.clusters() {
            argocd::emit(graph, id, &mut outputs);
            prometheus::emit(graph, id, &mut outputs);
        }
        let (documents, answered) = TALLY.with(std::cell::Cell::get);
        for (path, file) in crate::emit::emit(graph).files {
            if Path::new(&path)
                .extension()
                .is_some_and(|extension| extension == "yaml")
            {
                let here = outputs.files.get(&path).map(|file| &file.bytes);
                assert_eq!(here, Some(&file.bytes), "`{path}`");
            }
        }
        assert!(documents >= outputs.files.len(), "{documents}");
        assert!(
            answered * 100 >= documents * 95,
            "the direct writer answered {answered} of {documents} documents"
        );
    }

    /// The layout and quoting rules, spelled out; each answer is also `serde_yaml_ng`'s.
    #[test]
    fn layout_and_quoting() {
        #[derive(Serialize)]
        enum Wrapped {
            Newtype(u8),
        }
        let nested = serde_json::json!({
            "a": ["x", { "b": 1, "c": [] }, [["y"]]],
            "d": { "e": {} },
            "f": ["- x", "x: y", "a #b", "a#b", "007", "0x1f", "1e3", "1_000", "yes", "~", "it's", "'x"],
        });
        let expected = "a:\n- x\n- b: 1\n  c: []\n- - - y\nd:\n  e: {}\nf:\n- '- x'\n- 'x: y'\n\
                        - 'a #b'\n- a#b\n- '007'\n- '0x1f'\n- '1e3'\n- 1_000\n- yes\n- '~'\n\
                        - it's\n- '''x'\n";
        assert_eq!(checked(&nested).as_deref(), Some(expected));
        assert_eq!(checked(&BTreeMap::<u8, u8>::new()).as_deref(), Some("{}\n"));
        assert_eq!(checked(&Vec::<u8>::new()).as_deref(), Some("[]\n"));
        assert_eq!(checked("").as_deref(), Some("''\n"));
        assert_eq!(checked(&'\'').as_deref(), Some("''''\n"));
        assert_eq!(checked(&Some(-3)).as_deref(), Some("-3\n"));
        assert_eq!(checked(&None::<u8>).as_deref(), Some("null\n"));
        assert_eq!(checked("a\nb"), None);
        assert_eq!(checked("tab\t"), None);
        assert_eq!(checked("café"), None);
        assert_eq!(checked(&0.5), None);
        assert_eq!(checked(&Wrapped::Newtype(1)), None);
        assert_eq!(checked(&BTreeMap::from([("k".repeat(129), 1)])), None);
        assert!(checked(&BTreeMap::from([("k".repeat(128), 1)])).is_some());
    }

    /// A generated value, serialized as the emitters' values are.
    enum Tree {
        Str(String),
        /// A string through `collect_str`, written as `Display` pieces: `!` alone first when it
        /// starts with one, as a tag is.
        Shown(String),
        Char(char),
        Bool(bool),
        Int(i64),
        Unsigned(u64),
        Float(f64),
        Null,
        Shade(Shade),
        Seq(Vec<Tree>),
        Map(Vec<(Tree, Tree)>),
        Record(Box<Record>),
    }

    impl Serialize for Tree {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            match self {
                Self::Str(text) => serializer.serialize_str(text),
                Self::Shown(text) => serializer.collect_str(&Shown(text)),
                Self::Char(char) => serializer.serialize_char(*char),
                Self::Bool(bool) => serializer.serialize_bool(*bool),
                Self::Int(int) => serializer.serialize_i64(*int),
                Self::Unsigned(int) => serializer.serialize_u64(*int),
                Self::Float(float) => serializer.serialize_f64(*float),
                Self::Null => serializer.serialize_none(),
                Self::Shade(shade) => shade.serialize(serializer),
                Self::Seq(items) => {
                    let mut seq = serializer.serialize_seq(Some(items.len()))?;
                    for item in items {
                        seq.serialize_element(item)?;
                    }
                    seq.end()
                }
                Self::Map(entries) => {
                    let mut map = serializer.serialize_map(Some(entries.len()))?;
                    for (key, value) in entries {
                        map.serialize_entry(key, value)?;
                    }
                    map.end()
                }
                Self::Record(record) => record.serialize(serializer),
            }
        }
    }

    /// Text displayed in pieces, the way `serde_yaml_ng`'s `check_for_tag` sees a tag.
    struct Shown<'a>(&'a str);

    impl fmt::Display for Shown<'_> {
        fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self.0.strip_prefix('!') {
                Some(rest) => {
                    formatter.write_str("!")?;
                    formatter.write_str(rest)
                }
                None => formatter.write_str(self.0),
            }
        }
    }

    /// A derived struct, as the emitters' documents are.
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Record {
        name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        labels: BTreeMap<String, Vec<String>>,
        items: Vec<BTreeMap<String, String>>,
        enabled: bool,
        replica_count: i32,
        shade: Shade,
        rest: Option<Tree>,
    }

    /// A unit-variant enum, written as its renamed variant.
    #[derive(Clone, Copy, Serialize)]
    #[serde(rename_all = "kebab-case")]
    enum Shade {
        Light,
        DarkGrey,
    }

    /// Single characters that strings are made of, rich in what YAML treats specially.
    const ALPHABET: &[u8] = b":#-?,[]{}'\"&*!|>%@` .+_~0123456789exobEXOBnulltrufaslyINFA";

    /// Words and fragments that YAML or the number parsers give a meaning to.
    const TOKENS: &[&str] = &[
        "null",
        "Null",
        "NULL",
        "~",
        "true",
        "True",
        "FALSE",
        "false",
        "yes",
        "no",
        "on",
        "off",
        "0x",
        "0o",
        "0b",
        "0x1F",
        "-0x1f",
        "+0o17",
        "0b101",
        "1e5",
        "1E-3",
        "1_000",
        ".5",
        "5.",
        "007",
        "-007",
        "+12",
        "-12",
        ".inf",
        "-.Inf",
        "+.INF",
        ".nan",
        ".NaN",
        "inf",
        "nan",
        "infinity",
        "---",
        "...",
        ": ",
        " #",
        "- ",
        "? ",
        "''",
        "1e400",
        "-0",
        "+-1",
        "-+1",
        "340282366920938463463374607431768211456",
        "18446744073709551616",
    ];

    /// A seeded splitmix generator: the same cases on every run, without a dependency.
    struct Random(u64);

    impl Random {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// A number below `bound`.
        fn below(&mut self, bound: usize) -> usize {
            usize::try_from(self.next() % u64::try_from(bound).unwrap()).unwrap()
        }

        fn pick<T: Copy>(&mut self, items: &[T]) -> T {
            items[self.below(items.len())]
        }

        /// A string of up to 12 characters and fragments; now and then a bare token, one with a
        /// character the writer leaves to `serde_yaml_ng`, or one too long for a simple key.
        fn string(&mut self) -> String {
            match self.below(100) {
                0..=9 => return self.pick(TOKENS).to_owned(),
                10 => return "k".repeat(120 + self.below(20)),
                _ => {}
            }
            let length = self.below(13);
            let mut text = String::new();
            while text.len() < length {
                if self.below(5) == 0 {
                    text.push_str(self.pick(TOKENS));
                } else {
                    text.push(char::from(self.pick(ALPHABET)));
                }
            }
            if self.below(50) == 0 {
                let at = self.below(text.len() + 1);
                text.insert(at, self.pick(&['\n', '\t', 'é', '\u{85}', '\u{7f}']));
            }
            text
        }

        /// A scalar, mostly a string.
        fn scalar(&mut self) -> Tree {
            match self.below(20) {
                0 => Tree::Bool(self.below(2) == 0),
                1 => Tree::Int(i64::from_ne_bytes(self.next().to_ne_bytes()) >> self.below(64)),
                2 => Tree::Unsigned(self.next() >> self.below(64)),
                3 => Tree::Null,
                4 => Tree::Char(char::from(self.pick(ALPHABET))),
                5 => Tree::Shade(self.pick(&[Shade::Light, Shade::DarkGrey])),
                6 => Tree::Shown(self.string()),
                7 if self.below(20) == 0 => Tree::Float(0.5),
                _ => Tree::Str(self.string()),
            }
        }

        /// A value nested at most `depth` collections deep.
        fn tree(&mut self, depth: usize) -> Tree {
            if depth == 0 || self.below(3) == 0 {
                return self.scalar();
            }
            let length = self.below(5);
            match self.below(7) {
                0 | 1 => Tree::Seq((0..length).map(|_| self.tree(depth - 1)).collect()),
                2 => Tree::Record(Box::new(self.record(depth - 1))),
                _ => Tree::Map(
                    (0..length)
                        .map(|_| {
                            let key = if self.below(100) == 0 {
                                self.tree(1)
                            } else {
                                self.scalar()
                            };
                            (key, self.tree(depth - 1))
                        })
                        .collect(),
                ),
            }
        }

        fn record(&mut self, depth: usize) -> Record {
            Record {
                name: self.string(),
                note: (self.below(2) == 0).then(|| self.string()),
                labels: (0..self.below(4))
                    .map(|_| {
                        (
                            self.string(),
                            (0..self.below(3)).map(|_| self.string()).collect(),
                        )
                    })
                    .collect(),
                items: (0..self.below(3))
                    .map(|_| {
                        (0..self.below(3))
                            .map(|_| (self.string(), self.string()))
                            .collect()
                    })
                    .collect(),
                enabled: self.below(2) == 0,
                replica_count: i32::try_from(self.below(2000)).unwrap() - 1000,
                shade: self.pick(&[Shade::Light, Shade::DarkGrey]),
                rest: (depth > 0 && self.below(2) == 0).then(|| self.tree(depth)),
            }
        }
    }

    /// Generated strings, as keys and values in nested maps, sequences and structs: wherever the
    /// direct writer answers, it matches `serde_yaml_ng` to the byte; and it answers for most.
    #[test]
    fn generated_documents_match_serde_yaml_ng() {
        let mut random = Random(0x5EED_0F7A_3100_0001);
        let (mut documents, mut answered) = (0, 0);
        while documents < 200_000 {
            let tree = if documents % 2 == 0 {
                let text = random.string();
                Tree::Map(vec![(
                    Tree::Str(text.clone()),
                    Tree::Seq(vec![Tree::Str(text)]),
                )])
            } else {
                random.tree(4)
            };
            documents += 1;
            answered += usize::from(checked(&tree).is_some());
        }
        assert!(
            answered * 100 >= documents * 75,
            "the direct writer answered {answered} of {documents} documents"
        );
    }
}
