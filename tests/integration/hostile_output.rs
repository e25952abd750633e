//! Registry values made to attack whoever reads the output: terminal escapes, NUL, bidirectional
//! overrides, newlines followed by GitHub workflow commands, and strings of a hundred
//! megabytes. In every format of `check` and `diff`, the output must stay small, hold no raw
//! control character, and start no workflow command but the tool's own.

use std::time::Duration;

use crate::test::{Output, SETTINGS, Test, commit, registry};

/// A value that tries everything at once: clear the screen, set the window title, a NUL, a
/// bidirectional override, a C1 escape, and a newline that starts a workflow command, in both
/// its forms.
const HOSTILE: &str = "\u{1b}[2J\u{1b}]0;pwned\u{7}\u{0}\u{202e}\u{9b}31m\r\n::error file=x::pwned\n  ::add-mask::secret\n##[error]pwned";

/// `HOSTILE` as a Jsonnet string literal.
fn jsonnet(value: &str) -> String {
    serde_json::to_string(value).unwrap()
}

/// Whether `character` would do anything but print itself.
fn acts(character: char) -> bool {
    (character.is_control() && character != '\n')
        || matches!(
            character,
            '\u{61c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// Whether GitHub's runner could read `line` as a workflow command: `::name` after blanks,
/// or the older `##[name]` anywhere.
fn commands(line: &str) -> bool {
    let start = line.trim_start();
    (start.starts_with("::") && !start.starts_with(":::")) || line.contains("##[")
}

/// Fails unless `output` is at most `max` bytes, holds no character that acts on a terminal,
/// and, unless it is GitHub's format, no line that is a workflow command. GitHub's format
/// must be exactly `annotations` commands, one a line.
fn assert_safe(what: &str, output: &Output, max: usize, annotations: Option<usize>) {
    let all = format!("{}{}", output.stdout, output.stderr);
    assert!(
        all.len() <= max,
        "{what}: {} bytes (at most {max})\n{}",
        all.len(),
        all.get(..4000).unwrap_or(&all)
    );
    if let Some(bad) = all.chars().find(|character| acts(*character)) {
        panic!("{what}: a raw {bad:?} in\n{all:?}");
    }
    match annotations {
        None => {
            if let Some(line) = all.lines().find(|line| commands(line)) {
                panic!("{what}: a workflow command: {line:?}\n{all}");
            }
        }
        Some(count) => {
            let lines: Vec<&str> = output.stdout.lines().collect();
            assert_eq!(lines.len(), count, "{what}:\n{}", output.stdout);
            for line in lines {
                assert!(
                    ["::error ", "::warning ", "::notice "]
                        .iter()
                        .any(|prefix| line.starts_with(prefix)),
                    "{what}: {line:?}"
                );
                assert!(!line.contains("##["), "{what}: {line:?}");
                let data = line.splitn(3, "::").nth(2).unwrap();
                assert!(!data.contains('\r'), "{what}: {line:?}");
            }
            assert!(!output.stderr.lines().any(commands), "{what}");
        }
    }
}

/// A registry whose values, keys, file names and source text are hostile.
fn hostile_registry() -> Test {
    Test::registry()
        .file(
            "registry/teams/payments.jsonnet",
            format!(
                "{{ name: 'payments', description: 'Payments', slack: '#payments', members: [], \
                 [{}]: 1 }}\n",
                jsonnet(HOSTILE)
            ),
        )
        .file(
            "registry/teams/risk.jsonnet",
            format!(
                "{{ name: 'risk', description: 'Risk', slack: '#risk', members: [], parent: {} }}\n",
                jsonnet(&format!("payment{HOSTILE}"))
            ),
        )
        .file(
            "registry/teams/broken.jsonnet",
            format!(
                "{{ raw: '{}', fails: error {} }}\n",
                "\u{1b}[2J\u{9b}31m\u{202e}",
                jsonnet(HOSTILE)
            ),
        )
        .file(
            "registry/servics/a\n::error file=x::pwned\u{1b}[2J.jsonnet",
            "{}",
        )
}

#[test]
fn hostile_values_in_every_check_format() {
    let test = hostile_registry();
    let json = test.run(["check", "--format", "json"]);
    assert_eq!(json.status, 1, "{}", json.report());
    assert_safe("json", &json, 64 * 1024, None);
    let document: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let diagnostics = document["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 4, "{}", json.stdout);
    // JSON keeps each value exactly, escaped by JSON itself.
    assert!(
        diagnostics
            .iter()
            .any(|diagnostic| diagnostic["message"].as_str().unwrap().contains(HOSTILE)),
        "{}",
        json.stdout
    );
    for format in ["human", "concise"] {
        let output = test.run(["check", "--format", format]);
        assert_eq!(output.status, 1, "{}", output.report());
        assert_safe(format, &output, 64 * 1024, None);
        assert!(
            output.stdout.contains("\\u{1b}[2J"),
            "{format}: {}",
            output.stdout
        );
    }
    let github = test.run(["check", "--format", "github"]);
    assert_eq!(github.status, 1, "{}", github.report());
    assert_safe("github", &github, 64 * 1024, Some(4));
    let colored = registry(test.path())
        .args(["check", "--color", "always"])
        .output();
    assert!(colored.stdout.contains("\u{1b}[1m"), "{}", colored.stdout);
    assert!(
        !colored.stdout.contains("\u{1b}[2J") && !colored.stdout.contains("\u{1b}]0"),
        "{}",
        colored.stdout
    );
}

/// A built registry whose `generated/registry.json` then gets a line of 100 MB with escapes,
/// and a file by hand with a hostile name.
fn hostile_output_directory() -> Test {
    let test = Test::registry().file(
        "registry/teams/payments.jsonnet",
        "{ name: 'payments', description: 'Payments', slack: '#payments', members: [] }\n",
    );
    assert_eq!(registry(test.path()).args(["build"]).output().status, 0);
    let blob = test.path().join("generated/registry.json");
    let built = std::fs::read_to_string(&blob).unwrap();
    let big = format!("\"{}{HOSTILE}\",\n{HOSTILE}\n", "x".repeat(100_000_000));
    std::fs::write(&blob, built.replacen("\"Payments\"", &big, 1)).unwrap();
    test.file(&format!("generated/{}", HOSTILE.replace('\0', "")), "x")
}

#[test]
fn a_hostile_output_directory_in_every_check_format() {
    let test = hostile_output_directory();
    for format in ["human", "concise", "json", "github"] {
        let measured = registry(test.path())
            .args(["check", "--format", format])
            .measured(Duration::from_mins(2));
        measured.assert_within(120.0, 2048);
        let output = measured.output;
        assert_eq!(output.status, 1, "{}", output.report());
        let annotations = (format == "github").then_some(2);
        assert_safe(format, &output, 64 * 1024, annotations);
        if format == "json" {
            let document: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
            let stale = document["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .find(|diagnostic| diagnostic["code"] == "generated-stale")
                .unwrap();
            let diff = stale["diff"].as_str().unwrap();
            assert!(diff.len() < 16 * 1024, "{}", diff.len());
            assert!(diff.contains("more bytes)"), "{diff}");
        }
    }
    let verbose = registry(test.path())
        .args(["check", "--verbose"])
        .measured(Duration::from_mins(2));
    verbose.assert_within(120.0, 2048);
    assert_safe("verbose", &verbose.output, 64 * 1024, None);
}

/// A committed registry, then in the working tree an annotation of about 100 MB ending in
/// hostile text. No file may exceed the 16 MiB read limit, so the Jsonnet joins eight
/// copies of a 12.5 MB file and appends the hostile text from another.
fn hostile_change() -> Test {
    let team = "local y = importstr '../data/note.txt';\n\
                { name: 'payments', description: 'Payments', slack: '#payments', members: [], \
                annotations: { note: y + y + y + y + y + y + y + y + importstr '../data/end.txt' } }\n";
    let test = Test::new()
        .file("registry/registry.jsonnet", SETTINGS)
        .file("registry/teams/payments.jsonnet", team)
        .file("registry/data/note.txt", "short")
        .file("registry/data/end.txt", "");
    commit(test.path(), "base");
    test.file("registry/data/note.txt", "y".repeat(12_500_000))
        .file("registry/data/end.txt", HOSTILE)
}

#[test]
fn hostile_values_in_every_diff_format() {
    let test = hostile_change();
    for format in ["human", "markdown", "json"] {
        let measured = registry(test.path())
            // A test build evaluates the 100 MB value slowly: the deadline is not what is tested.
            .args(["--eval-timeout", "150", "diff", "--base", "HEAD"])
            .args(["--unified", "--format", format])
            .measured(Duration::from_mins(3));
        measured.assert_within(180.0, 3072);
        let output = measured.output;
        assert_eq!(output.status, 0, "{}", output.report());
        assert_safe(format, &output, 64 * 1024, None);
        assert!(output.stdout.contains("note"), "{}", output.stdout);
        if format == "json" {
            let document: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
            let field = &document["entities"][0]["fields"][0];
            assert_eq!(field["pointer"], "/annotations/note", "{}", output.stdout);
            assert_eq!(field["truncated"], true, "{}", output.stdout);
            crate::check::assert_valid("diff", &document);
        }
    }
}

#[test]
fn a_hostile_broken_side_in_every_diff_format() {
    let test = Test::new()
        .file("registry/registry.jsonnet", SETTINGS)
        .file(
            "registry/teams/payments.jsonnet",
            "{ name: 'payments', description: 'Payments', slack: '#payments', members: [] }\n",
        );
    commit(test.path(), "base");
    let test = test.file(
        "registry/teams/payments.jsonnet",
        format!(
            "{{ raw: '\u{1b}[2J', fails: error {} }}\n",
            jsonnet(HOSTILE)
        ),
    );
    for format in ["human", "markdown", "json"] {
        let output = registry(test.path())
            .args(["diff", "--base", "HEAD", "--format", format])
            .output();
        assert_eq!(output.status, 1, "{}", output.report());
        assert_safe(format, &output, 64 * 1024, None);
        assert!(output.stdout.contains("pwned"), "{}", output.stdout);
    }
}
