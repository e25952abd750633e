//! CODEOWNERS: GitHub's matching rules (gitignore patterns, the last matching line wins),
//! implemented here, give every file of the repository's registry its owner: an entity file
//! its team, the library, the settings and everything else the platform, generated files no
//! one. `build` writes it only where the settings say, never over a file it did not write nor
//! through a symbolic link, and `check` keeps it fresh.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::build::tree;
use crate::test::{SETTINGS, Test, project_root};

/// One line of CODEOWNERS: its pattern and owners.
struct Rule {
    pattern: String,
    owners: Vec<String>,
}

fn parse(text: &str) -> Vec<Rule> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let mut words = line.split_whitespace();
            Rule {
                pattern: words.next().unwrap().to_owned(),
                owners: words.map(str::to_owned).collect(),
            }
        })
        .collect()
}

/// `*` and `?` within one path segment.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    match (pattern.first(), text.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            glob(&pattern[1..], text) || (!text.is_empty() && glob(pattern, &text[1..]))
        }
        (Some(b'?'), Some(_)) => glob(&pattern[1..], &text[1..]),
        (Some(p), Some(t)) if p == t => glob(&pattern[1..], &text[1..]),
        _ => false,
    }
}

/// Segments of a pattern against a path's leading segments; `**` spans any number.
fn segments(pattern: &[&str], path: &[&str]) -> Option<usize> {
    match pattern.first() {
        None => Some(0),
        Some(&"**") => (0..=path.len())
            .rev()
            .find_map(|skip| segments(&pattern[1..], &path[skip..]).map(|used| used + skip)),
        Some(segment) => {
            let first = path.first()?;
            if glob(segment.as_bytes(), first.as_bytes()) {
                segments(&pattern[1..], &path[1..]).map(|used| used + 1)
            } else {
                None
            }
        }
    }
}

/// Whether `pattern` matches the file `path` (from the repository's root), as GitHub reads
/// CODEOWNERS: a leading or inner `/` anchors the pattern at the root, otherwise it matches at
/// any depth; a trailing `/` matches only a directory, so everything inside it; a pattern
/// naming a directory matches everything inside it too, unless it ends in a `*` segment.
fn matches(pattern: &str, path: &str) -> bool {
    let directory = pattern.ends_with('/');
    let trimmed = pattern.trim_end_matches('/');
    let anchored = trimmed.starts_with('/') || trimmed.contains('/');
    let wanted: Vec<&str> = trimmed.trim_start_matches('/').split('/').collect();
    let ends_in_star = wanted
        .last()
        .is_some_and(|last| last.contains('*') && *last != "**");
    let parts: Vec<&str> = path.split('/').collect();
    let starts: Vec<usize> = if anchored {
        vec![0]
    } else {
        (0..parts.len()).collect()
    };
    starts.into_iter().any(|start| {
        segments(&wanted, &parts[start..]).is_some_and(|used| {
            let exact = start + used == parts.len();
            // A match that ends at the file is the file itself; a shorter one is a directory,
            // whose files it owns, except after a final `*` (GitHub: `docs/*` owns
            // `docs/a.md`, not `docs/a/b.md`).
            (exact && !directory) || (!exact && used > 0 && !ends_in_star)
        })
    })
}

/// The owners GitHub gives `path`: those of the last matching line.
fn owners<'a>(rules: &'a [Rule], path: &str) -> Option<&'a [String]> {
    rules
        .iter()
        .rev()
        .find(|rule| matches(&rule.pattern, path))
        .map(|rule| rule.owners.as_slice())
}

#[test]
fn matching_follows_githubs_rules() {
    assert!(matches("/registry/", "registry/lib/x.libsonnet"));
    assert!(!matches("/registry/", "other/registry/x"));
    assert!(matches("registry/", "other/registry/x"));
    assert!(matches("*.jsonnet", "registry/services/a.jsonnet"));
    assert!(matches("/docs/*", "docs/a.md"));
    assert!(!matches("/docs/*", "docs/a/b.md"));
    assert!(matches("/a/**/z", "a/b/c/z"));
    assert!(matches(
        "/registry/services/a.jsonnet",
        "registry/services/a.jsonnet"
    ));
    assert!(!matches(
        "/registry/services/a.jsonnet",
        "registry/services/ab.jsonnet"
    ));
    assert!(!matches(
        "/registry/services/a.jsonnet/",
        "registry/services/a.jsonnet"
    ));
    let rules = parse("* @a\n/x/ @b\n/x/y @c\n/x/z\n");
    assert_eq!(owners(&rules, "q"), Some(&["@a".to_owned()][..]));
    assert_eq!(owners(&rules, "x/q"), Some(&["@b".to_owned()][..]));
    assert_eq!(owners(&rules, "x/y"), Some(&["@c".to_owned()][..]));
    assert_eq!(owners(&rules, "x/z"), Some(&[][..]));
}

/// Every file under `dir`, from the repository's root.
fn files(root: &Path, dir: &str) -> Vec<String> {
    tree(&root.join(dir))
        .into_iter()
        .map(|(path, _)| format!("{dir}/{path}"))
        .collect()
}

#[test]
fn every_registry_file_gets_its_owner_and_the_last_match_wins() {
    let root = project_root();
    let text = std::fs::read_to_string(root.join(".github/CODEOWNERS")).unwrap();
    let rules = parse(&text);
    let blob: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("generated/registry.json")).unwrap(),
    )
    .unwrap();
    let handle = |team: &str| format!("@acme/{team}");
    let mut expected: BTreeMap<String, String> = BTreeMap::new();
    for (kind, entities) in blob.as_object().unwrap() {
        let Some(entities) = entities.as_object() else {
            continue;
        };
        for (name, entity) in entities {
            let spec = &entity["spec"];
            let team = match kind.as_str() {
                "teams" => name.clone(),
                "clusters" => {
                    let project = spec["project"].as_str().unwrap();
                    blob["projects"][project]["spec"]["owner"]
                        .as_str()
                        .unwrap()
                        .to_owned()
                }
                _ => spec["owner"].as_str().unwrap().to_owned(),
            };
            expected.insert(format!("registry/{kind}/{name}.jsonnet"), handle(&team));
        }
    }
    let mut entity_files = 0;
    for path in files(&root, "registry") {
        let found = owners(&rules, &path).unwrap_or_else(|| panic!("{path} has no rule"));
        match expected.get(&path) {
            Some(owner) => {
                entity_files += 1;
                assert_eq!(found, std::slice::from_ref(owner), "{path}");
            }
            None => assert_eq!(found, ["@acme/platform".to_owned()], "{path}"),
        }
    }
    assert_eq!(entity_files, expected.len());
    for path in files(&root, "generated")
        .into_iter()
        .chain([".github/CODEOWNERS".to_owned()])
    {
        assert_eq!(owners(&rules, &path), Some(&[][..]), "{path}");
    }
    // The order matters: the registry-wide rule comes first, so an entity's own rule wins.
    let first = rules
        .iter()
        .position(|rule| rule.pattern == "/registry/")
        .unwrap();
    assert_eq!(first, 0);
    assert_eq!(
        owners(&rules[..1], "registry/services/checkout.jsonnet"),
        Some(&["@acme/platform".to_owned()][..])
    );
    assert_eq!(
        owners(&rules, "registry/services/checkout.jsonnet"),
        Some(&["@acme/commerce".to_owned()][..])
    );
}

const SETTINGS_WITH_CODEOWNERS: &str = "{ org: 'acme', repo: 'https://github.com/acme/platform.git', \
     codeowners: { team: '@acme/{team}', platform: ['@acme/platform'] } }\n";

const TEAM: &str = "{ name: 'payments', description: 'P', slack: '#payments', members: [] }\n";

fn repository() -> Test {
    Test::new()
        .file("registry/registry.jsonnet", SETTINGS_WITH_CODEOWNERS)
        .file("registry/teams/payments.jsonnet", TEAM)
        .file("registry/services/nested/api.jsonnet", "{ name: 'api', description: 'A', owner: 'payments', tier: 3, lifecycle: 'production', repo: 'https://github.com/acme/api.git', language: 'go' }\n")
        .file("registry/services/odd dir/odd.jsonnet", "{ name: 'odd', description: 'O', owner: 'payments', tier: 3, lifecycle: 'production', repo: 'https://github.com/acme/odd.git', language: 'go' }\n")
}

#[test]
fn build_writes_codeowners_and_check_keeps_it_fresh() {
    let test = repository();
    assert_eq!(test.run(["check"]).status, 1);
    let output = test.run(["build"]);
    assert_eq!(output.status, 0, "{}", output.report());
    let path = test.path().join(".github/CODEOWNERS");
    let written = std::fs::read_to_string(&path).unwrap();
    let rules = parse(&written);
    assert_eq!(
        owners(&rules, "registry/services/nested/api.jsonnet"),
        Some(&["@acme/payments".to_owned()][..])
    );
    // A path with a space cannot be written exactly: it stays with the platform.
    assert!(!written.contains("odd dir"), "{written}");
    assert_eq!(
        owners(&rules, "registry/services/odd dir/odd.jsonnet"),
        Some(&["@acme/platform".to_owned()][..])
    );
    assert_eq!(test.run(["check"]).status, 0);
    std::fs::write(&path, written.replace("@acme/payments", "@acme/someone")).unwrap();
    let check = test.run(["check", "--format", "concise"]);
    assert_eq!(check.status, 1);
    insta::assert_snapshot!(check.report(), @r"
    status: 1
    ----- stdout -----
    .github/CODEOWNERS: error[generated-stale]: `.github/CODEOWNERS` is stale
    checked 1 team, 0 projects, 0 clusters, 2 services: 1 error
    ----- stderr -----
    ");
    assert_eq!(test.run(["build"]).status, 0);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), written);
    std::fs::remove_file(&path).unwrap();
    let check = test.run(["check", "--format", "concise"]);
    assert!(
        check
            .stdout
            .contains("error[generated-missing]: `.github/CODEOWNERS` is missing"),
        "{}",
        check.report()
    );
}

#[test]
fn build_never_replaces_a_hand_written_codeowners_nor_follows_a_link() {
    let test = repository().file(".github/CODEOWNERS", "* @someone\n");
    let output = test.run(["build"]);
    assert_eq!(output.status, 1);
    insta::assert_snapshot!(output.report(), @r"
    status: 1
    ----- stdout -----
    error[foreign-codeowners]: `.github/CODEOWNERS` is written by hand, so `registry build` will not replace it
    --> .github/CODEOWNERS
     = note: not written by `registry build`
     = help: move its rules into the registry (each entity's `owner`, `codeowners` in the settings) and delete it, or remove `codeowners` from the settings

    checked 1 team, 0 projects, 0 clusters, 2 services: 1 error
    ----- stderr -----
    ");
    assert_eq!(
        std::fs::read_to_string(test.path().join(".github/CODEOWNERS")).unwrap(),
        "* @someone\n"
    );
    assert!(
        !test.path().join("generated").exists(),
        "build wrote outputs"
    );
    assert_eq!(test.run(["check"]).status, 1);

    let linked = repository().file("elsewhere/CODEOWNERS", "* @someone\n");
    std::fs::create_dir(linked.path().join(".github")).unwrap();
    std::os::unix::fs::symlink(
        linked.path().join("elsewhere/CODEOWNERS"),
        linked.path().join(".github/CODEOWNERS"),
    )
    .unwrap();
    let output = linked.run(["build"]);
    assert_eq!(output.status, 1, "{}", output.report());
    assert!(
        output.stdout.contains("is a symbolic link"),
        "{}",
        output.report()
    );
    assert_eq!(
        std::fs::read_to_string(linked.path().join("elsewhere/CODEOWNERS")).unwrap(),
        "* @someone\n"
    );

    let through = repository().file("elsewhere/keep", "");
    std::os::unix::fs::symlink(
        linked.path().join("elsewhere"),
        through.path().join(".github"),
    )
    .unwrap();
    let output = through.run(["build"]);
    assert_eq!(output.status, 1, "{}", output.report());
    assert!(
        output.stdout.contains("inside a symbolic link"),
        "{}",
        output.report()
    );
    assert_eq!(
        std::fs::read_to_string(linked.path().join("elsewhere/CODEOWNERS")).unwrap(),
        "* @someone\n"
    );
}

#[test]
fn without_codeowners_in_the_settings_nothing_is_written_outside_the_output() {
    let test = Test::new()
        .file("registry/registry.jsonnet", SETTINGS)
        .file("registry/teams/payments.jsonnet", TEAM);
    assert_eq!(test.run(["build"]).status, 0);
    let mut top: Vec<String> = std::fs::read_dir(test.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    assert_eq!(top, ["generated", "registry"]);
}

#[test]
fn a_registry_not_where_the_settings_say_is_refused() {
    let test = Test::new()
        .file("elsewhere/registry.jsonnet", SETTINGS_WITH_CODEOWNERS)
        .file("elsewhere/teams/payments.jsonnet", TEAM);
    let output = test.run(["--root", "elsewhere", "build"]);
    assert_eq!(output.status, 1, "{}", output.report());
    assert!(
        output
            .stderr
            .contains("is not at `registry` in a repository"),
        "{}",
        output.report()
    );
    assert!(!test.path().join(".github").exists());
}
