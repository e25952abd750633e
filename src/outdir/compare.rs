//! What differs between the output directory and what the registry produces.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Mutex;

use crate::Result;
use crate::diagnostic::{Code, Diagnostic, Location};
use crate::emit::OutputSet;

/// The files that are not as the registry would write them.
#[derive(Debug, Default)]
pub(crate) struct Drift {
    /// Present with other bytes: (path, what is there, what should be).
    pub(crate) stale: Vec<(String, Vec<u8>, Vec<u8>)>,
    pub(crate) missing: Vec<String>,
    pub(crate) extra: Vec<String>,
}

/// A comparison of the output directory with outputs handed to it piece by piece.
pub(crate) struct Comparison<'a> {
    dir: &'a Path,
    present: BTreeSet<String>,
    drift: Mutex<(Drift, BTreeSet<String>)>,
}

impl<'a> Comparison<'a> {
    pub(crate) fn new(dir: &'a Path) -> Result<Self> {
        Ok(Self {
            dir,
            present: super::list(dir)?,
            drift: Mutex::default(),
        })
    }

    /// Compares each file of `part` with the one on disk.
    pub(crate) fn part(&self, part: OutputSet) -> Result<()> {
        let mut found = Vec::with_capacity(part.files.len());
        for (path, file) in part.files {
            let on_disk = if self.present.contains(&path) {
                super::read(self.dir, &path)?
            } else {
                None
            };
            found.push((path, on_disk, file.bytes));
        }
        let mut drift = self.drift.lock().expect("no comparison panics");
        for (path, on_disk, bytes) in found {
            match on_disk {
                None => drift.0.missing.push(path.clone()),
                Some(old) if old != bytes => drift.0.stale.push((path.clone(), old, bytes)),
                Some(_) => {}
            }
            drift.1.insert(path);
        }
        Ok(())
    }

    /// What differs, once every output has been compared.
    pub(crate) fn finish(self) -> Drift {
        let (mut drift, seen) = self.drift.into_inner().expect("no comparison panics");
        drift.extra = self.present.difference(&seen).cloned().collect();
        drift.stale.sort_by(|a, b| a.0.cmp(&b.0));
        drift.missing.sort();
        drift
    }
}

/// Lines of one file's diff shown without `--verbose`.
const MAX_DIFF_LINES: usize = 40;

/// Files of each kind of drift reported one by one without `--verbose`; the rest are counted.
const MAX_FILES: usize = 20;

impl Drift {
    /// One diagnostic per drifting file, `dir` being the output directory as shown.
    pub(crate) fn diagnostics(&self, dir: &str, verbose: bool) -> Vec<Diagnostic> {
        let shown = |path: &str| format!("{}/{path}", dir.trim_end_matches('/'));
        let limit = if verbose { usize::MAX } else { MAX_FILES };
        let mut diagnostics = Vec::new();
        for (path, old, new) in self.stale.iter().take(limit) {
            let diff = crate::text::unified_diff(old, new, &shown(path));
            diagnostics.push(
                Diagnostic::error(Code::GeneratedStale, format!("`{}` is stale", shown(path)))
                    .primary(
                        Location::Output { path: shown(path) },
                        "differs from what the registry produces",
                    )
                    .help("run `registry build` and commit the result")
                    .attachment(cut(&diff, verbose)),
            );
        }
        for path in self.missing.iter().take(limit) {
            diagnostics.push(
                Diagnostic::error(
                    Code::GeneratedMissing,
                    format!("`{}` is missing", shown(path)),
                )
                .primary(
                    Location::Output { path: shown(path) },
                    "the registry produces this file",
                )
                .help("run `registry build` and commit the result"),
            );
        }
        for path in self.extra.iter().take(limit) {
            diagnostics.push(
                Diagnostic::error(
                    Code::GeneratedExtra,
                    format!("`{}` is not produced by the registry", shown(path)),
                )
                .primary(Location::Output { path: shown(path) }, "not generated")
                .help(
                    "run `registry build` to remove files it generated before; remove others by \
                     hand",
                ),
            );
        }
        for (code, count, noun) in [
            (Code::GeneratedStale, self.stale.len(), "stale"),
            (Code::GeneratedMissing, self.missing.len(), "missing"),
            (Code::GeneratedExtra, self.extra.len(), "extra"),
        ] {
            if count > limit {
                diagnostics.push(
                    Diagnostic::error(
                        code,
                        format!("{} more {noun} files in `{dir}`", count - limit),
                    )
                    .help("run `registry check --verbose` to list them all"),
                );
            }
        }
        diagnostics
    }
}

/// A diff cut to its first lines, saying how much is left out.
fn cut(diff: &str, verbose: bool) -> String {
    let lines: Vec<&str> = diff.lines().collect();
    if verbose || lines.len() <= MAX_DIFF_LINES {
        return diff.trim_end().to_owned();
    }
    format!(
        "{}\n… {} more lines of diff (`--verbose` shows them)",
        lines[..MAX_DIFF_LINES].join("\n"),
        lines.len() - MAX_DIFF_LINES
    )
}
