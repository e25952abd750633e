//! The framing between the process that compiles and its evaluation workers: each frame is a
//! tag byte, a little-endian `u64` length and that many bytes, over the worker's standard
//! input and output. Payloads are written with [`Encoder`] and read with [`Decoder`], which
//! refuses anything truncated or malformed rather than guessing.

use std::borrow::Cow;
use std::io::{self, Read, Write};
use std::sync::Arc;

pub(super) use crate::codec::{Decoder, Encoder, malformed};

use super::Resolution;
use super::syntax::{Import, ImportLiteral, Verdict, Walk};
use crate::source::{Content, FileId, SourceFile, Sources, Unread};

/// Frames the compiling process sends.
pub(super) mod to_worker {
    /// The source set, once, first.
    pub(in crate::evaluate) const SETUP: u8 = b'S';
    /// The library paths of the jobs that follow; a fresh state.
    pub(in crate::evaluate) const PATHS: u8 = b'P';
    /// Evaluate a file.
    pub(in crate::evaluate) const EVALUATE: u8 = b'E';
    /// Read a file's syntax tree.
    pub(in crate::evaluate) const WALK: u8 = b'W';
}

/// Frames a worker sends, for each job: [`BEGUN`](to_parent::BEGUN), any number of
/// [`WALKED`](to_parent::WALKED), then for an evaluation
/// [`RESOLUTIONS`](to_parent::RESOLUTIONS) and one of [`VALUE`](to_parent::VALUE) and
/// [`DIAGNOSTIC`](to_parent::DIAGNOSTIC); for a walk, [`DIAGNOSTIC`](to_parent::DIAGNOSTIC) or
/// [`FINE`](to_parent::FINE).
pub(super) mod to_parent {
    pub(in crate::evaluate) const BEGUN: u8 = b'B';
    pub(in crate::evaluate) const WALKED: u8 = b'I';
    pub(in crate::evaluate) const RESOLUTIONS: u8 = b'R';
    pub(in crate::evaluate) const VALUE: u8 = b'V';
    pub(in crate::evaluate) const DIAGNOSTIC: u8 = b'D';
    pub(in crate::evaluate) const FINE: u8 = b'K';
}

/// Writes one frame.
pub(super) fn write_frame(out: &mut impl Write, tag: u8, payload: &[u8]) -> io::Result<()> {
    out.write_all(&[tag])?;
    out.write_all(&(payload.len() as u64).to_le_bytes())?;
    out.write_all(payload)
}

/// Reads one frame into `payload`; `None` at the end of the stream, between frames.
pub(super) fn read_frame(input: &mut impl Read, payload: &mut Vec<u8>) -> io::Result<Option<u8>> {
    let mut tag = [0u8; 1];
    loop {
        match input.read(&mut tag) {
            Ok(0) => return Ok(None),
            Ok(_) => break,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    let mut length = [0u8; 8];
    input.read_exact(&mut length)?;
    let length = usize::try_from(u64::from_le_bytes(length)).map_err(|_| malformed())?;
    payload.clear();
    input.take(length as u64).read_to_end(payload)?;
    if payload.len() != length {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(Some(tag[0]))
}

/// Writes the source set, every file's path and bytes in id order, as one frame of `tag`,
/// without copying it first.
pub(super) fn write_sources(out: &mut impl Write, tag: u8, sources: &Sources) -> io::Result<()> {
    let mut length = 8;
    for (_, file) in sources.iter() {
        length += 1 + 8 + file.path.len() + 8 + content(&file.content).len();
    }
    out.write_all(&[tag])?;
    out.write_all(&(length as u64).to_le_bytes())?;
    out.write_all(&(sources.iter().count() as u64).to_le_bytes())?;
    for (_, file) in sources.iter() {
        let kind: u8 = match &file.content {
            Content::Text(_) => 0,
            Content::Binary(_) => 1,
            Content::Escape { .. } => 2,
            Content::Unread(Unread::Special { .. }) => 3,
            Content::Unread(Unread::TooLarge { .. }) => 4,
            Content::Unread(Unread::Loop { .. }) => 5,
            Content::Unread(Unread::Dangling { .. }) => 6,
        };
        let bytes = content(&file.content);
        let bytes: &[u8] = &bytes;
        out.write_all(&[kind])?;
        out.write_all(&(file.path.len() as u64).to_le_bytes())?;
        out.write_all(file.path.as_bytes())?;
        out.write_all(&(bytes.len() as u64).to_le_bytes())?;
        out.write_all(bytes)?;
    }
    Ok(())
}

/// The kinds of file that are never read, as [`Unread::Special`] names them.
const SPECIAL: &[&str] = &[
    "a FIFO",
    "a socket",
    "a device",
    "not a regular file",
    "an oversized symbolic link",
];

/// The bytes a file's content is sent as: a too-large file's size as 8 bytes, and an unread
/// file's kind or link target.
fn content(content: &Content) -> Cow<'_, [u8]> {
    match content {
        Content::Text(text) => Cow::Borrowed(text.as_bytes()),
        Content::Binary(bytes) => Cow::Borrowed(bytes),
        Content::Escape { target }
        | Content::Unread(Unread::Loop { target } | Unread::Dangling { target }) => {
            Cow::Borrowed(target.as_bytes())
        }
        Content::Unread(Unread::Special { kind }) => Cow::Borrowed(kind.as_bytes()),
        Content::Unread(Unread::TooLarge { size }) => Cow::Owned(size.to_le_bytes().to_vec()),
    }
}

pub(super) fn decode_sources(payload: &[u8]) -> io::Result<Sources> {
    let mut input = Decoder::new(payload);
    let count = input.count(17)?;
    let mut files = Vec::with_capacity(count);
    for _ in 0..count {
        let kind = input.u8()?;
        let path = input.str()?.to_owned();
        let content = match kind {
            0 => Content::Text(Arc::from(input.str()?)),
            1 => Content::Binary(Arc::from(input.bytes()?)),
            2 => Content::Escape {
                target: input.str()?.to_owned(),
            },
            3 => {
                let kind = input.str()?;
                let kind = SPECIAL
                    .iter()
                    .find(|known| **known == kind)
                    .ok_or_else(malformed)?;
                Content::Unread(Unread::Special { kind })
            }
            4 => {
                let size = input.bytes()?.try_into().map_err(|_| malformed())?;
                Content::Unread(Unread::TooLarge {
                    size: u64::from_le_bytes(size),
                })
            }
            5 => Content::Unread(Unread::Loop {
                target: input.str()?.to_owned(),
            }),
            6 => Content::Unread(Unread::Dangling {
                target: input.str()?.to_owned(),
            }),
            _ => return Err(malformed()),
        };
        files.push(SourceFile { path, content });
    }
    input.end()?;
    Ok(Sources::new(String::new(), files))
}

pub(super) fn encode_paths(paths: &[String]) -> Vec<u8> {
    let mut out = Encoder::default();
    out.len(paths.len());
    for path in paths {
        out.str(path);
    }
    out.bytes
}

pub(super) fn decode_paths(payload: &[u8]) -> io::Result<Vec<String>> {
    let mut input = Decoder::new(payload);
    let count = input.count(8)?;
    let paths = (0..count)
        .map(|_| input.str().map(str::to_owned))
        .collect::<io::Result<_>>()?;
    input.end()?;
    Ok(paths)
}

pub(super) fn encode_file(file: FileId) -> Vec<u8> {
    file.index().to_le_bytes().to_vec()
}

pub(super) fn decode_file(payload: &[u8], sources: &Sources) -> io::Result<FileId> {
    let mut input = Decoder::new(payload);
    let file = file(&mut input, sources)?;
    input.end()?;
    Ok(file)
}

fn file(input: &mut Decoder<'_>, sources: &Sources) -> io::Result<FileId> {
    sources.id(input.u32()?).ok_or_else(malformed)
}

pub(super) fn encode_walk(file: FileId, walk: &Walk) -> Vec<u8> {
    let mut out = Encoder::default();
    out.u32(file.index());
    match &walk.verdict {
        Verdict::Fine => out.u8(0),
        Verdict::TooDeep { range: None } => out.u8(1),
        Verdict::TooDeep { range: Some(range) } => out.u8(2).len(range.start).len(range.end),
        Verdict::ByteOrderMark => out.u8(3),
        Verdict::Unparsed => out.u8(4),
    };
    encode_imports(&mut out, &walk.imports);
    out.bytes
}

/// Writes the import literals of a syntax tree.
pub(super) fn encode_imports(out: &mut Encoder, imports: &[ImportLiteral]) {
    out.len(imports.len());
    for import in imports {
        out.u8(match import.kind {
            Import::Code => 0,
            Import::Str => 1,
            Import::Bin => 2,
        })
        .str(&import.path)
        .len(import.range.start)
        .len(import.range.end);
    }
}

/// Reads the import literals [`encode_imports`] wrote, each within the first `length` bytes
/// of its file.
pub(super) fn decode_imports(
    input: &mut Decoder<'_>,
    length: usize,
) -> io::Result<Vec<ImportLiteral>> {
    let count = input.count(25)?;
    let mut imports = Vec::with_capacity(count);
    for _ in 0..count {
        let kind = match input.u8()? {
            0 => Import::Code,
            1 => Import::Str,
            2 => Import::Bin,
            _ => return Err(malformed()),
        };
        let path = input.str()?.to_owned();
        let start = input.len()?;
        let end = input.len()?;
        if start > end || end > length {
            return Err(malformed());
        }
        imports.push(ImportLiteral {
            kind,
            path,
            range: start..end,
        });
    }
    Ok(imports)
}

pub(super) fn decode_walk(payload: &[u8], sources: &Sources) -> io::Result<(FileId, Walk)> {
    let mut input = Decoder::new(payload);
    let file = file(&mut input, sources)?;
    let length = sources.text(file).map_or(0, |text| text.len());
    let range = |input: &mut Decoder<'_>| {
        let start = input.len()?;
        let end = input.len()?;
        if start <= end && end <= length {
            Ok(start..end)
        } else {
            Err(malformed())
        }
    };
    let verdict = match input.u8()? {
        0 => Verdict::Fine,
        1 => Verdict::TooDeep { range: None },
        2 => Verdict::TooDeep {
            range: Some(range(&mut input)?),
        },
        3 => Verdict::ByteOrderMark,
        4 => Verdict::Unparsed,
        _ => return Err(malformed()),
    };
    let imports = decode_imports(&mut input, length)?;
    input.end()?;
    Ok((file, Walk { verdict, imports }))
}

pub(super) fn encode_resolutions(resolutions: &[Resolution]) -> Vec<u8> {
    let mut out = Encoder::default();
    out.len(resolutions.len());
    for resolution in resolutions {
        out.u32(resolution.from.index()).str(&resolution.path);
        match resolution.resolved {
            Some(file) => out.u8(1).u32(file.index()),
            None => out.u8(0),
        };
    }
    out.bytes
}

pub(super) fn decode_resolutions(payload: &[u8], sources: &Sources) -> io::Result<Vec<Resolution>> {
    let mut input = Decoder::new(payload);
    let count = input.count(13)?;
    let mut resolutions = Vec::with_capacity(count);
    for _ in 0..count {
        let from = file(&mut input, sources)?;
        let path = input.str()?.to_owned();
        let resolved = match input.u8()? {
            0 => None,
            1 => Some(file(&mut input, sources)?),
            _ => return Err(malformed()),
        };
        resolutions.push(Resolution {
            from,
            path,
            resolved,
        });
    }
    input.end()?;
    Ok(resolutions)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{
        Decoder, Encoder, decode_resolutions, decode_sources, decode_walk, encode_resolutions,
        encode_walk, read_frame, write_frame, write_sources,
    };
    use crate::evaluate::Resolution;
    use crate::evaluate::syntax::walk;
    use crate::source::{Content, SourceFile, Sources, Unread};

    #[test]
    fn what_crosses_to_a_worker_and_back_is_unchanged() {
        let sources = Sources::new(
            String::new(),
            vec![
                SourceFile {
                    path: "b.jsonnet".to_owned(),
                    content: Content::Text(Arc::from("(import 'a.bin') + (importstr @'/x')")),
                },
                SourceFile {
                    path: "a.bin".to_owned(),
                    content: Content::Binary(Arc::from(&b"\xff\x00"[..])),
                },
                SourceFile {
                    path: "c".to_owned(),
                    content: Content::Escape {
                        target: "/etc".to_owned(),
                    },
                },
                SourceFile {
                    path: "d".to_owned(),
                    content: Content::Unread(Unread::Special { kind: "a FIFO" }),
                },
                SourceFile {
                    path: "e".to_owned(),
                    content: Content::Unread(Unread::TooLarge { size: 1 << 40 }),
                },
                SourceFile {
                    path: "f".to_owned(),
                    content: Content::Unread(Unread::Loop {
                        target: "f".to_owned(),
                    }),
                },
                SourceFile {
                    path: "g".to_owned(),
                    content: Content::Unread(Unread::Dangling {
                        target: "nowhere".to_owned(),
                    }),
                },
            ],
        );
        let mut stream = Vec::new();
        write_sources(&mut stream, b'S', &sources).unwrap();
        let mut payload = Vec::new();
        assert_eq!(
            read_frame(&mut stream.as_slice(), &mut payload).unwrap(),
            Some(b'S')
        );
        let copy = decode_sources(&payload).unwrap();
        let listing = |sources: &Sources| {
            sources
                .iter()
                .map(|(file, source)| (file, source.path.clone(), format!("{:?}", source.content)))
                .collect::<Vec<_>>()
        };
        assert_eq!(listing(&copy), listing(&sources));
        let b = sources.get("b.jsonnet").unwrap();
        let tree = walk(sources.text(b).unwrap());
        assert_eq!(tree.imports.len(), 2);
        assert_eq!(
            decode_walk(&encode_walk(b, &tree), &sources).unwrap(),
            (b, tree)
        );
        let resolutions = vec![
            Resolution {
                from: b,
                path: "a.bin".to_owned(),
                resolved: sources.get("a.bin"),
            },
            Resolution {
                from: b,
                path: "/x".to_owned(),
                resolved: None,
            },
        ];
        assert_eq!(
            decode_resolutions(&encode_resolutions(&resolutions), &sources).unwrap(),
            resolutions
        );
        let mut bad = encode_resolutions(&resolutions);
        bad[8] = 9;
        assert!(decode_resolutions(&bad, &sources).is_err());
    }

    #[test]
    fn frames_round_trip_and_truncation_is_an_error() {
        let mut payload = Encoder::default();
        payload
            .u8(7)
            .u32(42)
            .str("services/a.jsonnet")
            .bytes(b"\xff\x00");
        let mut stream = Vec::new();
        write_frame(&mut stream, b'E', &payload.bytes).unwrap();
        write_frame(&mut stream, b'K', &[]).unwrap();
        let mut input = stream.as_slice();
        let mut buffer = Vec::new();
        assert_eq!(read_frame(&mut input, &mut buffer).unwrap(), Some(b'E'));
        let mut decoder = Decoder::new(&buffer);
        assert_eq!(decoder.u8().unwrap(), 7);
        assert_eq!(decoder.u32().unwrap(), 42);
        assert_eq!(decoder.str().unwrap(), "services/a.jsonnet");
        assert_eq!(decoder.bytes().unwrap(), b"\xff\x00");
        decoder.end().unwrap();
        assert_eq!(read_frame(&mut input, &mut buffer).unwrap(), Some(b'K'));
        assert_eq!(read_frame(&mut input, &mut buffer).unwrap(), None);

        let mut truncated = &stream[..stream.len() - 12];
        assert!(read_frame(&mut truncated, &mut buffer).is_err());
        let mut decoder = Decoder::new(&[9, 0, 0, 0, 0, 0, 0, 0]);
        assert!(decoder.str().is_err());
        let mut decoder = Decoder::new(&[255, 255, 255, 255, 255, 255, 255, 255]);
        assert!(decoder.count(1).is_err());
    }
}
