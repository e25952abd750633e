//! Hostile Jsonnet: inputs built to crash, hang or exhaust the evaluator, each of which must
//! end in its diagnostic and exit status within a bound on time and memory. The deep inputs
//! are generated here, at 10^4, 10^5 and 10^6 levels, rather than committed.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::test::{Measured, Test, registry};

/// The depths every deep shape is tried at.
const DEPTHS: [usize; 3] = [10_000, 100_000, 1_000_000];

/// A valid team, owner of the services here.
const TEAM: &str =
    "{ name: 'platform', description: 'The platform team.', slack: '#platform', members: [] }";

/// A valid service whose annotation `note` is `expression`, after `prelude`.
fn service(prelude: &str, expression: &str) -> String {
    format!(
        "{prelude}
{{
  name: 'api',
  description: 'The api service.',
  owner: 'platform',
  tier: 2,
  lifecycle: 'production',
  repo: 'https://github.com/acme/api.git',
  language: 'go',
  annotations: {{ note: std.toString({expression}) }},
}}
"
    )
}

/// A valid service that also outputs `value`, after `prelude`: a value nested deeper than an
/// entity may be, or a function's result that holds one.
fn service_with_config(prelude: &str, value: &str) -> String {
    service(prelude, "1").replace(
        "  annotations:",
        &format!("  config: {value},\n  annotations:"),
    )
}

/// `check --format json` in `test`'s directory, measured; the codes it reported.
fn check(test: &Test, more: &[&str]) -> (Measured, BTreeSet<String>) {
    let measured = registry(test.path())
        .args(["check", "--format", "json"])
        .args(more)
        .measured(Duration::from_mins(5));
    let codes = codes(&measured);
    (measured, codes)
}

fn codes(measured: &Measured) -> BTreeSet<String> {
    let report: serde_json::Value =
        serde_json::from_str(&measured.output.stdout).unwrap_or_else(|error| {
            panic!("{error}: {}", measured.output.report());
        });
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|diagnostic| diagnostic["code"].as_str().unwrap().to_owned())
        .collect()
}

fn messages(measured: &Measured) -> Vec<String> {
    let report: serde_json::Value = serde_json::from_str(&measured.output.stdout).unwrap();
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|diagnostic| diagnostic["message"].as_str().unwrap().to_owned())
        .collect()
}

/// Asserts that `measured` ended with exit status 1 and exactly `code`, within the bounds.
fn assert_refused(measured: &Measured, codes: &BTreeSet<String>, code: &str, what: &str) {
    assert_eq!(
        (measured.output.status, codes),
        (1, &BTreeSet::from([code.to_owned()])),
        "{what}:\n{}",
        measured.output.report()
    );
    assert!(
        !measured.output.stderr.contains("overflow") && !measured.output.stderr.contains("panic"),
        "{what}: {}",
        measured.output.report()
    );
}

/// `open` `depth` times, then `middle`, then `close` `depth` times.
fn nested(open: &str, middle: &str, close: &str, depth: usize) -> String {
    let mut text = String::with_capacity((open.len() + close.len()) * depth + middle.len());
    for _ in 0..depth {
        text.push_str(open);
    }
    text.push_str(middle);
    for _ in 0..depth {
        text.push_str(close);
    }
    text
}

/// Far more than the deadline, so that only the depth can stop a run: parsing a file a
/// million levels deep takes seconds in a debug build.
const PATIENT: [&str; 2] = ["--eval-timeout", "120"];

/// An entity file nested `depth` deep in one shape is refused as too deep, at every depth; the
/// deepest as deep as a file can be and still be read (16 MiB), so the parser's guard meets it.
fn refuses_deep_source(open: &str, middle: &str, close: &str) {
    let readable = (16 << 20) / (open.len() + close.len()) - 1;
    for depth in DEPTHS.map(|depth| depth.min(readable)) {
        let test = Test::registry().file(
            "registry/services/api.jsonnet",
            nested(open, middle, close, depth),
        );
        let (measured, codes) = check(&test, &PATIENT);
        let what = format!("`{open}…{middle}…{close}` {depth} deep");
        assert_refused(&measured, &codes, "nesting-too-deep", &what);
        measured.assert_within(120.0, 1536);
    }
}

#[test]
fn deep_unary_operators_are_refused() {
    refuses_deep_source("-", "1", "");
    refuses_deep_source("!", "true", "");
}

#[test]
fn deep_binary_operators_are_refused() {
    refuses_deep_source("1+", "1", "");
    refuses_deep_source("", "1", " * 2");
}

#[test]
fn deep_locals_are_refused() {
    refuses_deep_source("local a = 1; ", "a", "");
}

#[test]
fn deep_conditionals_and_assertions_are_refused() {
    refuses_deep_source("if true then ", "1", " else 0");
    refuses_deep_source("assert true; ", "1", "");
}

#[test]
fn deep_calls_and_functions_are_refused() {
    refuses_deep_source("std.id(", "1", ")");
    refuses_deep_source("function(x) ", "1", "");
}

#[test]
fn deep_indexing_chains_are_refused() {
    refuses_deep_source("", "{ f(x): self }", ".f(1)");
    refuses_deep_source("[1][", "0", "]");
}

#[test]
fn deep_comprehensions_are_refused() {
    refuses_deep_source("[", "1", " for x in [1]]");
    refuses_deep_source("{ [k]: ", "1", " for k in ['a'] }");
}

#[test]
fn deep_object_and_array_literals_are_refused() {
    refuses_deep_source("{ a: ", "1", " }");
    refuses_deep_source("[", "1", "]");
    refuses_deep_source("(", "1", ")");
}

/// A text block holding `|||` does not hide what follows it.
#[test]
fn deep_nesting_after_a_text_block_is_refused() {
    for depth in DEPTHS {
        let test = Test::registry().file(
            "registry/services/api.jsonnet",
            format!(
                "local note = |||\n  ||| {{ [ (\n|||;\n{}",
                nested("[", "note", "]", depth)
            ),
        );
        let (measured, codes) = check(&test, &PATIENT);
        assert_refused(&measured, &codes, "nesting-too-deep", "after a text block");
        measured.assert_within(120.0, 1536);
    }
}

/// A deep file imported as Jsonnet is refused whatever its extension; one imported as text is
/// only text.
#[test]
fn deep_imported_files_are_refused_whatever_their_extension() {
    for depth in DEPTHS {
        for (import, data) in [
            ("import", "lib/deep.data"),
            ("import", "lib/deep.json"),
            ("import", "lib/deep.txt"),
        ] {
            let name = data.trim_start_matches("lib/");
            let test = Test::registry()
                .file(
                    "registry/services/api.jsonnet",
                    service(
                        &format!("local deep = {import} '{name}';"),
                        "std.length(deep)",
                    ),
                )
                .file(&format!("registry/{data}"), nested("[", "1", "]", depth));
            let (measured, codes) = check(&test, &PATIENT);
            assert_refused(&measured, &codes, "nesting-too-deep", data);
            measured.assert_within(120.0, 1536);
        }
        let test = Test::registry()
            .file(
                "registry/services/api.jsonnet",
                service("local deep = importstr 'deep.txt';", "std.length(deep) > 0"),
            )
            .file("registry/lib/deep.txt", nested("[", "1", "]", depth))
            .file("registry/teams/platform.jsonnet", TEAM);
        let built = registry(test.path()).args(["build"]).output();
        assert_eq!(built.status, 0, "{}", built.report());
        let (measured, codes) = check(&test, &PATIENT);
        assert_eq!(
            (measured.output.status, codes),
            (0, BTreeSet::new()),
            "{}",
            measured.output.report()
        );
        measured.assert_within(120.0, 1536);
    }
}

/// Two values built deep at run time, `v` and `w`, unequal only at the bottom: `levels`
/// nested arrays (or objects), ten levels a step.
fn deep_value(levels: usize, object: bool) -> String {
    let (open, close) = if object { ("{ a: ", " }") } else { ("[", "]") };
    let step = nested(open, "a", close, 10);
    let (v, w) = if object {
        ("{}", "{ b: 0 }")
    } else {
        ("[]", "[0]")
    };
    format!(
        "local v = std.foldl(function(a, x) {step}, std.range(1, {}), {v});\n\
         local w = std.foldl(function(a, x) {step}, std.range(1, {}), {w});",
        levels / 10,
        levels / 10,
    )
}

/// A standard-library function that recurses natively, over a value `depth` deep built at
/// run time, ends in `code` (the value is printed too, so that whether the function gives up
/// or finishes, the file is refused) without taking the tool down.
fn deep_value_is_refused(expression: &str, object: bool, code: &str) {
    for depth in DEPTHS {
        let test = Test::registry().file(
            "registry/services/api.jsonnet",
            service_with_config(&deep_value(depth, object), &format!("[{expression}, v]")),
        );
        let (measured, codes) = check(&test, &["--eval-timeout", "240"]);
        let what = format!("{expression} over a value {depth} deep");
        assert_refused(&measured, &codes, code, &what);
        measured.assert_within(240.0, 4608);
    }
}

#[test]
fn merge_patch_over_a_deep_value_is_refused() {
    deep_value_is_refused("std.mergePatch(v, w)", true, "nesting-too-deep");
    deep_value_is_refused("std.mergePatch(v, w)", false, "nesting-too-deep");
}

#[test]
fn manifesting_a_deep_value_is_refused() {
    deep_value_is_refused("std.manifestJson(v)", false, "jsonnet-recursion");
    deep_value_is_refused("std.manifestJsonEx(v, '  ')", true, "jsonnet-recursion");
    deep_value_is_refused("std.manifestYamlDoc(v)", false, "jsonnet-recursion");
    deep_value_is_refused(
        "std.manifestTomlEx({ t: v }, '  ')",
        true,
        "jsonnet-recursion",
    );
    deep_value_is_refused("std.toString(v)", false, "jsonnet-recursion");
}

#[test]
fn comparing_a_deep_value_is_refused() {
    deep_value_is_refused("v == w", false, "nesting-too-deep");
    deep_value_is_refused("v == w", true, "nesting-too-deep");
    deep_value_is_refused("std.sort([v, w])", false, "nesting-too-deep");
}

#[test]
fn pruning_a_deep_value_is_refused() {
    deep_value_is_refused("std.prune(v)", true, "nesting-too-deep");
    deep_value_is_refused("std.prune(v)", false, "nesting-too-deep");
}

#[test]
fn parsing_deep_text_is_refused() {
    for depth in DEPTHS {
        for parse in ["std.parseJson", "std.parseYaml"] {
            let test = Test::registry().file(
                "registry/services/api.jsonnet",
                service(
                    &format!("local text = std.repeat('[', {depth}) + std.repeat(']', {depth});"),
                    &format!("{parse}(text)"),
                ),
            );
            let (measured, codes) = check(&test, &[]);
            assert_refused(&measured, &codes, "jsonnet-eval", parse);
            measured.assert_within(120.0, 1536);
        }
    }
}

/// `fib(45)` would run for hours: it ends at the default deadline of 10 s.
#[test]
fn an_exponential_evaluation_ends_at_the_deadline() {
    let test = Test::registry()
        .file(
            "registry/services/api.jsonnet",
            service(
                "local fib(n) = if n < 2 then n else fib(n - 1) + fib(n - 2);",
                "fib(45)",
            ),
        )
        .file("registry/teams/platform.jsonnet", TEAM);
    let (measured, codes) = check(&test, &[]);
    assert!(
        codes.contains("evaluation-timeout"),
        "{}",
        measured.output.report()
    );
    assert_eq!(measured.output.status, 1);
    assert!(
        messages(&measured).contains(
            &"evaluating `services/api.jsonnet` took longer than the deadline of 10 s".to_owned()
        ),
        "{}",
        measured.output.report()
    );
    assert!(
        measured.seconds >= 9.5,
        "stopped early: {:.1} s",
        measured.seconds
    );
    measured.assert_within(30.0, 1024);
}

/// The deadline is the flag's, for the settings as for entities.
#[test]
fn the_deadline_is_set_by_a_flag_and_covers_the_settings() {
    let test = Test::new().file(
        "registry/registry.jsonnet",
        "local spin(n) = if n == 0 then 0 else spin(n - 1) + spin(n - 1);\n\
         { org: 'acme', repo: 'https://github.com/acme/platform.git', x:: spin(60) }\n\
         + { org: std.toString(spin(60)) }",
    );
    let (measured, codes) = check(&test, &["--eval-timeout", "1.5"]);
    assert_eq!(codes, BTreeSet::from(["evaluation-timeout".to_owned()]));
    assert_eq!(
        messages(&measured),
        ["evaluating `registry.jsonnet` took longer than the deadline of 1.5 s"]
    );
    assert!(
        measured.seconds >= 1.4,
        "stopped early: {:.1} s",
        measured.seconds
    );
    measured.assert_within(15.0, 1024);
}

/// A value that would take all the machine's memory stops at the cap, and the rest of the
/// registry is still checked.
#[test]
fn a_memory_blowup_stops_at_the_cap() {
    for expression in [
        "std.length(std.repeat('memory', 1000000000))",
        "std.length(std.repeat(std.repeat('x', 100000000), 30))",
        "std.length(std.manifestJson(std.repeat([std.repeat('x', 1000)], 10000000)))",
    ] {
        let test = Test::registry()
            .file("registry/services/api.jsonnet", service("", expression))
            .file(
                "registry/services/other.jsonnet",
                service("", "1")
                    .replace("'api'", "'other'")
                    .replace("platform", "nobody"),
            );
        let (measured, codes) = check(&test, &["--eval-memory", "256", "--eval-timeout", "120"]);
        assert_eq!(
            codes,
            BTreeSet::from([
                "evaluation-memory".to_owned(),
                "unknown-reference".to_owned()
            ]),
            "{expression}:\n{}",
            measured.output.report()
        );
        assert!(
            messages(&measured).contains(
                &"evaluating `services/api.jsonnet` needed more than the memory cap of 256 MiB"
                    .to_owned()
            ),
            "{}",
            measured.output.report()
        );
        measured.assert_within(60.0, 1024);
    }
}

/// A worker that aborts costs the file it was evaluating a diagnostic; a fresh one checks the
/// rest.
#[test]
fn a_worker_that_aborts_costs_only_its_file() {
    if !cfg!(debug_assertions) {
        return;
    }
    let mut test = Test::registry()
        .file("registry/teams/platform.jsonnet", TEAM)
        .file(
            "registry/services/b.jsonnet",
            format!(
                "// registry-test: abort the evaluation worker\n{}",
                service("", "1").replace("'api'", "'b'")
            ),
        );
    for name in ["a", "c", "d"] {
        test = test.file(
            &format!("registry/services/{name}.jsonnet"),
            service("", "1").replace("'api'", &format!("'{name}'")),
        );
    }
    test = test.file(
        "registry/services/e.jsonnet",
        service("", "1")
            .replace("'api'", "'e'")
            .replace("platform", "nobody"),
    );
    let (measured, codes) = check(&test, &[]);
    assert_eq!(
        codes,
        BTreeSet::from([
            "evaluation-crash".to_owned(),
            "unknown-reference".to_owned()
        ]),
        "{}",
        measured.output.report()
    );
    assert!(
        messages(&measured).contains(
            &"evaluating `services/b.jsonnet` stopped the evaluator: it was killed by signal 6 \
              (SIGABRT)"
                .to_owned()
        ),
        "{}",
        measured.output.report()
    );
    measured.assert_within(60.0, 1024);
    let human = registry(test.path()).args(["check"]).output();
    insta::assert_snapshot!(human.report(), @"
    status: 1
    ----- stdout -----
    error[evaluation-crash]: evaluating `services/b.jsonnet` stopped the evaluator: it was killed by signal 6 (SIGABRT)
    --> registry/services/b.jsonnet
     = note: the evaluator stopped here
     = help: the rest of the registry was still checked; run again, and if it persists, simplify this file

    error[unknown-reference]: service `e` is owned by an unknown team `nobody`
     --> registry/services/e.jsonnet:5:10
      |
    5 |   owner: 'nobody',
      |          ^^^^^^^^ no team is named `nobody`

    checked 1 team, 0 projects, 0 clusters, 5 services: 2 errors
    ----- stderr -----
    ");
}

/// A worker killed from outside while it evaluates a file: that file is reported, the rest of
/// the registry is checked, and nothing is printed raw.
#[test]
fn a_worker_killed_mid_run_costs_only_its_file() {
    let mut test = Test::registry()
        .file("registry/teams/platform.jsonnet", TEAM)
        .file(
            "registry/services/a.jsonnet",
            service(
                "local fib(n) = if n < 2 then n else fib(n - 1) + fib(n - 2);",
                "fib(40)",
            )
            .replace("'api'", "'a'"),
        );
    for name in ["b", "c"] {
        test = test.file(
            &format!("registry/services/{name}.jsonnet"),
            service("", "1").replace("'api'", &format!("'{name}'")),
        );
    }
    test = test.file(
        "registry/services/d.jsonnet",
        service("", "1")
            .replace("'api'", "'d'")
            .replace("platform", "nobody"),
    );
    let started = Instant::now();
    let child = registry(test.path())
        .args(["check", "--format", "json", "--eval-timeout", "120"])
        .spawn(Stdio::piped(), Stdio::piped());
    let mut killed = false;
    while started.elapsed() < Duration::from_mins(1) {
        std::thread::sleep(Duration::from_millis(100));
        if started.elapsed() < Duration::from_secs(2) {
            continue;
        }
        let workers = children(child.id());
        if let [worker] = workers.as_slice() {
            let status = std::process::Command::new("kill")
                .args(["-9", &worker.to_string()])
                .status()
                .unwrap();
            assert!(status.success());
            killed = true;
            break;
        }
    }
    assert!(killed, "no worker to kill");
    let output = child.wait_with_output().unwrap();
    assert!(started.elapsed() < Duration::from_mins(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let found: Vec<(&str, &str)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap(), d["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "evaluation-crash",
                "evaluating `services/a.jsonnet` stopped the evaluator: it was killed by signal 9 \
                 (SIGKILL)"
            ),
            (
                "unknown-reference",
                "service `d` is owned by an unknown team `nobody`"
            ),
        ]
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

/// The processes whose parent is `pid` (Linux).
fn children(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let listed = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
        found.extend(
            listed
                .split_whitespace()
                .filter_map(|child| child.parse::<u32>().ok()),
        );
    }
    found
}

/// A finite recursion deeper than the call-depth limit says so, and is not mistaken for one
/// without end.
#[test]
fn a_finite_but_deep_recursion_is_told_apart() {
    let test = Test::registry().file(
        "registry/services/api.jsonnet",
        service(
            "local depth(n) = if n == 0 then 0 else 1 + depth(n - 1);",
            "depth(1000)",
        ),
    );
    let (measured, codes) = check(&test, &[]);
    assert_eq!(codes, BTreeSet::from(["jsonnet-recursion".to_owned()]));
    assert_eq!(
        messages(&measured),
        ["evaluation went deeper than 500 nested calls: it recursed without end or too deeply"]
    );
    measured.assert_within(60.0, 1024);
    let cycle = Test::registry().file(
        "registry/services/api.jsonnet",
        service("local o = { a: self.b, b: self.a };", "o.a"),
    );
    let (measured, codes) = check(&cycle, &[]);
    assert_eq!(codes, BTreeSet::from(["jsonnet-recursion".to_owned()]));
    assert_eq!(messages(&measured), ["evaluation recursed without end"]);
}

/// Every spelling of an import that leaves the root is found in the syntax tree, in a file
/// that is never evaluated, and nothing that only looks like an import is.
#[test]
fn imports_are_found_in_the_syntax_tree() {
    let library = r#"
// import '/etc/passwd' in a comment is not an import
local a = importstr @'/etc/passwd';
local b = importstr /* a comment */ "../../etc/hostname";
local c = importstr |||
  /etc/shadow
|||;
local d = importbin "\u002e\u002e/\u002e\u002e/\u002e\u002e/etc/passwd";
local e = import ('/etc/passwd');
{
  text: |||
    importstr '/etc/passwd' in a text block is not an import
    |||
  |||,
  string: "import '/etc/passwd'",
  verbatim: @'importstr "/etc/passwd"',
}
"#;
    let test = Test::registry()
        .file("registry/lib/unused.libsonnet", library)
        .file("registry/teams/platform.jsonnet", TEAM);
    let (measured, codes) = check(&test, &[]);
    assert_eq!(codes, BTreeSet::from(["import-escape".to_owned()]));
    assert_eq!(measured.output.status, 1);
    let human = registry(test.path())
        .args(["check", "--format", "concise"])
        .output();
    insta::assert_snapshot!(human.report(), @r#"
    status: 1
    ----- stdout -----
    registry/lib/unused.libsonnet:3:21: error[import-escape]: import `/etc/passwd` reaches outside the registry root
    registry/lib/unused.libsonnet:4:37: error[import-escape]: import `../../etc/hostname` reaches outside the registry root
    registry/lib/unused.libsonnet:5:21: error[import-escape]: import `/etc/shadow\n` reaches outside the registry root
    registry/lib/unused.libsonnet:8:21: error[import-escape]: import `../../../etc/passwd` reaches outside the registry root
    registry/lib/unused.libsonnet:9:19: error[import-escape]: import `/etc/passwd` reaches outside the registry root
    checked 1 team, 0 projects, 0 clusters, 0 services: 5 errors
    ----- stderr -----
    "#);
}

/// A byte order mark is named as such, in an entity file or in a file it imports.
#[test]
fn a_byte_order_mark_is_named() {
    let test = Test::registry()
        .file(
            "registry/services/api.jsonnet",
            service("local lib = import 'marked.libsonnet';", "lib"),
        )
        .file("registry/lib/marked.libsonnet", "\u{feff}{ x: 1 }");
    let (measured, codes) = check(&test, &[]);
    assert_eq!(codes, BTreeSet::from(["jsonnet-syntax".to_owned()]));
    assert_eq!(
        messages(&measured),
        ["`lib/marked.libsonnet` starts with a byte order mark"]
    );
}

/// A deep but unimported library is refused too: every Jsonnet file is bounded.
#[test]
fn a_deep_library_is_refused_even_unused() {
    let test = Test::registry()
        .file(
            "registry/lib/deep.libsonnet",
            nested("local a = 1; ", "a", "", 1000),
        )
        .file("registry/teams/platform.jsonnet", TEAM);
    let (measured, codes) = check(&test, &[]);
    assert_refused(&measured, &codes, "nesting-too-deep", "an unused library");
    assert_eq!(
        messages(&measured),
        ["`lib/deep.libsonnet` is nested too deeply to parse"]
    );
}

/// Only Jsonnet files are read for imports: a data file that reads like an escaping import is
/// data.
#[test]
fn a_data_file_is_never_read_for_imports() {
    let test = Test::registry()
        .file("registry/lib/notes.txt", "import '/etc/passwd'\n")
        .file("registry/lib/notes.json", "{\"a\": import '/etc/passwd'}\n")
        .file("registry/teams/platform.jsonnet", TEAM);
    let output = test.run(["check", "--format", "concise"]);
    assert!(
        output.stdout.contains("checked 1 team") && !output.stdout.contains("import"),
        "{}",
        output.report()
    );
}

/// A misspelt import is told the nearest file that exists, and only a near one.
#[test]
fn a_misspelt_import_names_the_nearest_file() {
    let test = Test::registry()
        .file("registry/lib/service.libsonnet", "{ x: 1 }")
        .file("registry/teams/platform.jsonnet", TEAM)
        .file(
            "registry/services/api.jsonnet",
            service("local s = import 'servce.libsonnet';", "std.toString(s.x)"),
        )
        .file(
            "registry/services/web.jsonnet",
            service("local s = import 'quartz.libsonnet';", "std.toString(s.x)"),
        );
    let output = test.run(["check"]);
    assert_eq!(output.status, 1, "{}", output.report());
    assert_eq!(
        output.stdout.matches("did you mean").count(),
        1,
        "{}",
        output.report()
    );
    assert!(
        output.stdout.contains("did you mean `service.libsonnet`?"),
        "{}",
        output.report()
    );
}

/// One file's failed import is never blamed for the next file's failure, evaluated after it
/// in the same state.
#[test]
fn a_failed_import_is_never_blamed_for_the_next_file() {
    let test = Test::registry()
        .file("registry/teams/platform.jsonnet", TEAM)
        .file(
            "registry/services/api.jsonnet",
            service("local s = import 'nowhere.libsonnet';", "s"),
        )
        .file(
            "registry/services/web.jsonnet",
            service("", "error 'web is broken'"),
        );
    let output = test.run(["check", "--format", "concise"]);
    assert_eq!(output.status, 1, "{}", output.report());
    let lines: Vec<&str> = output.stdout.lines().collect();
    assert!(
        lines
            .iter()
            .any(|line| line.contains("api.jsonnet") && line.contains("[import-not-found]")),
        "{}",
        output.report()
    );
    assert!(
        lines
            .iter()
            .any(|line| line.contains("web.jsonnet") && !line.contains("import")),
        "{}",
        output.report()
    );
}
