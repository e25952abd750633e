//! The corpus of bad registries: `tests/fixtures/bad/<code>/<case>/` must report diagnostics
//! of exactly `<code>`, and its human output is snapshotted. A case's `.args` file, if any,
//! holds options added to each of its runs (a short deadline, a small memory cap).

use std::collections::BTreeSet;

use std::path::Path;

use crate::test::{Output, project_root, registry};

fn cases() -> Vec<(String, String)> {
    let bad = project_root().join("tests/fixtures/bad");
    let mut cases = Vec::new();
    for code in std::fs::read_dir(&bad).unwrap() {
        let code = code.unwrap();
        for case in std::fs::read_dir(code.path()).unwrap() {
            let case = case.unwrap();
            cases.push((
                code.file_name().into_string().unwrap(),
                case.file_name().into_string().unwrap(),
            ));
        }
    }
    cases.sort();
    cases
}

#[test]
fn every_bad_registry_reports_exactly_its_code() {
    let bad = project_root().join("tests/fixtures/bad");
    let cases = cases();
    assert!(
        cases.len() > 40,
        "the corpus is missing: {} cases",
        cases.len()
    );
    for (code, case) in cases {
        let dir = bad.join(&code).join(&case);
        let extra: Vec<String> = std::fs::read_to_string(dir.join(".args"))
            .map(|text| text.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        let run = |more: &[&str]| -> Output {
            // A case with a `registry/` directory is run as a repository is: from the case's
            // directory, its output directory the default one beside the root. With a `build`
            // file beside it, it is run with `registry build`, on a copy, since a build writes.
            if dir.join("registry").is_dir() {
                let copy = tempfile::tempdir().unwrap();
                let (cwd, command) = if dir.join("build").is_file() {
                    copy_tree(&dir, copy.path());
                    (copy.path().to_owned(), "build")
                } else {
                    (dir.clone(), "check")
                };
                return registry(&cwd)
                    .args(["--root", "registry", command])
                    .args(&extra)
                    .args(more)
                    .output();
            }
            // Any other is checked against a fresh build of itself (none, when it has errors).
            let out = tempfile::tempdir().unwrap();
            let out = out.path().to_string_lossy().into_owned();
            registry(&dir)
                .args(["--root", ".", "build", "--out", &out])
                .args(&extra)
                .output();
            registry(&dir)
                .args(["--root", ".", "check", "--out", &out])
                .args(&extra)
                .args(more)
                .output()
        };
        let json = run(&["--format", "json"]);
        let report: serde_json::Value = serde_json::from_str(&json.stdout)
            .unwrap_or_else(|error| panic!("{code}/{case}: {error}\n{}", json.report()));
        let codes: BTreeSet<&str> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|diagnostic| diagnostic["code"].as_str().unwrap())
            .collect();
        assert_eq!(
            codes,
            BTreeSet::from([code.as_str()]),
            "{code}/{case}:\n{}",
            json.report()
        );
        let expected = i32::from(!matches!(code.as_str(), "unknown-file" | "generated-kept"));
        assert_eq!(json.status, expected, "{code}/{case}:\n{}", json.report());

        let human = run(&[]);
        assert_eq!(human.status, json.status);
        insta::assert_snapshot!(format!("{code}__{case}"), human.report());
    }
}

/// Every code in the README's reference has at least one bad registry.
#[test]
fn every_code_has_a_fixture() {
    let readme = std::fs::read_to_string(project_root().join("README.md")).unwrap();
    let covered: BTreeSet<String> = cases().into_iter().map(|(code, _)| code).collect();
    let documented = crate::readme::codes(&readme);
    assert!(documented.len() > 15);
    for code in documented {
        assert!(
            covered.contains(&code),
            "no fixture under tests/fixtures/bad/{code}/"
        );
    }
}

/// Copies the directory `from` to `to`, keeping symbolic links as links.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let file_type = entry.file_type().unwrap();
        if file_type.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path()).unwrap(), target).unwrap();
        } else if file_type.is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
