//! One worked example per diagnostic code, for `registry explain CODE`: the files of a small
//! registry, the commands run in it, and what each printed. The examples are kept true by a
//! test that writes each one out and runs it with the real binary. Parsing only; no I/O.

use crate::diagnostic::Code;

/// Every example, by code, as written in `examples/<code>.txt`.
const EXAMPLES: &[(&str, &str)] = &[
    (
        "argocd-name-conflict",
        include_str!("examples/argocd-name-conflict.txt"),
    ),
    (
        "argocd-name-too-long",
        include_str!("examples/argocd-name-too-long.txt"),
    ),
    (
        "argocd-topology",
        include_str!("examples/argocd-topology.txt"),
    ),
    (
        "cluster-server-conflict",
        include_str!("examples/cluster-server-conflict.txt"),
    ),
    (
        "reserved-namespace",
        include_str!("examples/reserved-namespace.txt"),
    ),
    (
        "shared-namespace",
        include_str!("examples/shared-namespace.txt"),
    ),
    ("duplicate-key", include_str!("examples/duplicate-key.txt")),
    (
        "unreadable-file",
        include_str!("examples/unreadable-file.txt"),
    ),
    (
        "invalid-library-path",
        include_str!("examples/invalid-library-path.txt"),
    ),
    (
        "unsafe-output-dir",
        include_str!("examples/unsafe-output-dir.txt"),
    ),
    (
        "generated-not-regular",
        include_str!("examples/generated-not-regular.txt"),
    ),
    (
        "generated-kept",
        include_str!("examples/generated-kept.txt"),
    ),
    ("credential", include_str!("examples/credential.txt")),
    (
        "dependency-cycle",
        include_str!("examples/dependency-cycle.txt"),
    ),
    (
        "duplicate-entity",
        include_str!("examples/duplicate-entity.txt"),
    ),
    ("emit-conflict", include_str!("examples/emit-conflict.txt")),
    (
        "foreign-codeowners",
        include_str!("examples/foreign-codeowners.txt"),
    ),
    (
        "generated-extra",
        include_str!("examples/generated-extra.txt"),
    ),
    (
        "generated-missing",
        include_str!("examples/generated-missing.txt"),
    ),
    (
        "generated-stale",
        include_str!("examples/generated-stale.txt"),
    ),
    (
        "evaluation-crash",
        include_str!("examples/evaluation-crash.txt"),
    ),
    (
        "evaluation-memory",
        include_str!("examples/evaluation-memory.txt"),
    ),
    (
        "evaluation-timeout",
        include_str!("examples/evaluation-timeout.txt"),
    ),
    ("import-escape", include_str!("examples/import-escape.txt")),
    (
        "import-not-found",
        include_str!("examples/import-not-found.txt"),
    ),
    ("jsonnet-eval", include_str!("examples/jsonnet-eval.txt")),
    (
        "jsonnet-recursion",
        include_str!("examples/jsonnet-recursion.txt"),
    ),
    (
        "jsonnet-syntax",
        include_str!("examples/jsonnet-syntax.txt"),
    ),
    (
        "lifecycle-environment",
        include_str!("examples/lifecycle-environment.txt"),
    ),
    ("name-mismatch", include_str!("examples/name-mismatch.txt")),
    (
        "nesting-too-deep",
        include_str!("examples/nesting-too-deep.txt"),
    ),
    ("non-utf8", include_str!("examples/non-utf8.txt")),
    ("parent-cycle", include_str!("examples/parent-cycle.txt")),
    (
        "schema-violation",
        include_str!("examples/schema-violation.txt"),
    ),
    (
        "tier1-replicas",
        include_str!("examples/tier1-replicas.txt"),
    ),
    ("unknown-file", include_str!("examples/unknown-file.txt")),
    (
        "unknown-reference",
        include_str!("examples/unknown-reference.txt"),
    ),
    (
        "unstable-dependency",
        include_str!("examples/unstable-dependency.txt"),
    ),
];

/// One step of an example.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step<'a> {
    /// A file written: its path from the directory holding the registry, a note about it
    /// (`saved as Latin-1`, `edited by hand`), and its text.
    File {
        path: &'a str,
        note: Option<&'a str>,
        text: &'a str,
    },
    /// `registry ARGS` run there, and what it printed on standard output.
    Run { args: &'a str, stdout: &'a str },
}

/// The example of `code`, as steps; `None` when it has none.
pub(crate) fn example(code: Code) -> Option<Vec<Step<'static>>> {
    let name: &str = code.into();
    EXAMPLES
        .iter()
        .find(|(example, _)| *example == name)
        .map(|(_, text)| parse(text))
}

/// Reads `-- PATH --`, `-- PATH (NOTE) --` and `-- $ registry ARGS --` header lines, each
/// followed by its text (up to the next header).
pub(crate) fn parse(text: &str) -> Vec<Step<'_>> {
    let mut steps = Vec::new();
    let mut header: Option<(&str, usize)> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches('\n');
        if bare.starts_with("-- ") && bare.ends_with(" --") && bare.len() > 6 {
            if let Some((previous, start)) = header {
                steps.push(step(previous, &text[start..offset]));
            }
            header = Some((bare, offset + line.len()));
        }
        offset += line.len();
    }
    if let Some((previous, start)) = header {
        steps.push(step(previous, &text[start..]));
    }
    steps
}

fn step<'a>(header: &'a str, body: &'a str) -> Step<'a> {
    let inner = header
        .strip_prefix("-- ")
        .and_then(|header| header.strip_suffix(" --"))
        .unwrap_or(header);
    if let Some(args) = inner.strip_prefix("$ registry") {
        return Step::Run {
            args: args.trim(),
            stdout: body,
        };
    }
    match inner.split_once(" (") {
        Some((path, note)) => Step::File {
            path,
            note: note.strip_suffix(')'),
            text: body,
        },
        None => Step::File {
            path: inner,
            note: None,
            text: body,
        },
    }
}

#[cfg(test)]
mod tests {
    use strum::IntoEnumIterator;

    use super::{Step, example, parse};
    use crate::diagnostic::Code;

    #[test]
    fn every_code_has_an_example() {
        let missing: Vec<String> = Code::iter()
            .filter(|code| example(*code).is_none_or(|steps| steps.is_empty()))
            .map(|code| code.to_string())
            .collect();
        assert!(
            missing.is_empty(),
            "no example in src/explore/examples/ for {missing:?}"
        );
    }

    #[test]
    fn every_example_runs_a_command() {
        for code in Code::iter() {
            let steps = example(code).unwrap_or_default();
            assert!(
                steps.iter().any(|step| matches!(step, Step::Run { stdout, .. } if stdout.contains(&format!("[{code}]")))),
                "the example of `{code}` shows no `{code}` diagnostic"
            );
        }
    }

    #[test]
    fn parses_files_and_runs() {
        let steps = parse(
            "-- a.txt --\nx\ny\n-- b (saved as Latin-1) --\nz\n-- $ registry check --\nout\n",
        );
        assert_eq!(
            steps,
            vec![
                Step::File {
                    path: "a.txt",
                    note: None,
                    text: "x\ny\n"
                },
                Step::File {
                    path: "b",
                    note: Some("saved as Latin-1"),
                    text: "z\n"
                },
                Step::Run {
                    args: "check",
                    stdout: "out\n"
                },
            ]
        );
        assert_eq!(
            parse("-- $ registry build --\n-- $ registry check --\n"),
            vec![
                Step::Run {
                    args: "build",
                    stdout: ""
                },
                Step::Run {
                    args: "check",
                    stdout: ""
                }
            ]
        );
    }
}
