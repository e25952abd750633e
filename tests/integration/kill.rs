//! `registry build` killed with SIGKILL at random moments, over and over, on a synthetic
//! registry of more than 1,000 services whose entities change between kills. After every kill,
//! each generated file is exactly its version before that build or the version a clean build
//! of the new registry writes (or absent, in either); `check` never reports a temporary file;
//! and every build that runs to the end removes what the killed ones left, so that `build` then
//! `check` pass and the directory is exactly a clean build's.
//!
//! The moments are drawn from a seeded generator, so a failure reproduces: every failure names
//! the seed, and `REGISTRY_KILL_SEED` sets it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::test::{Test, project_root, registry};

/// Services in the registry in its smallest state.
const SERVICES: usize = 1000;

/// Kills of a build that was still running when killed.
const KILLS: usize = 50;

/// How many registries the kills move between.
const STATES: usize = 4;

/// A complete build (then `check`) runs after this many kills.
const COMPLETE_EVERY: usize = 25;

/// `check` runs on the directory as a kill left it after this many kills.
const CHECK_EVERY: usize = 10;

/// A small, seeded generator (`SplitMix64`).
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..bound`.
    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }
}

/// The entity files of registry state `state`: the example fixture's teams, projects,
/// clusters and library, and at least a thousand plain services (cheap to evaluate, so the
/// kills are many) that differ from state to state: added, removed, described anew, deployed
/// to more clusters.
fn state_files(state: usize) -> BTreeMap<String, String> {
    let small = project_root().join("tests/fixtures/good/small");
    let mut files = BTreeMap::new();
    for dir in ["lib", "teams", "projects", "clusters"] {
        for entry in std::fs::read_dir(small.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            files.insert(
                format!("{dir}/{}", path.file_name().unwrap().to_string_lossy()),
                std::fs::read_to_string(&path).unwrap(),
            );
        }
    }
    files.insert(
        "registry.jsonnet".to_owned(),
        std::fs::read_to_string(small.join("registry.jsonnet")).unwrap(),
    );
    let owners = ["payments", "platform", "engineering"];
    let count = match state {
        2 => SERVICES + 100,
        _ => SERVICES + 60,
    };
    for index in 0..count {
        if state == 1 && (900..960).contains(&index) {
            continue;
        }
        let version = match state {
            1 if index < 200 => 1,
            2 if index % 3 == 0 => 2,
            _ => 0,
        };
        let development = if state == 3 && index % 2 == 0 {
            ", deploy('dev-eu', 1)"
        } else {
            ""
        };
        let name = format!("svc-{index:04}");
        files.insert(
            format!("services/{name}.jsonnet"),
            format!(
                "local deploy(cluster, replicas) = {{ cluster: cluster, namespace: '{name}', \
                 replicas: replicas }};\n\
                 {{\n  name: '{name}',\n  description: 'Synthetic service {index}, version \
                 {version}',\n  owner: '{}',\n  tier: {},\n  lifecycle: 'production',\n  \
                 repo: 'https://github.com/acme/{name}.git',\n  language: 'go',\n  \
                 deployments: [deploy('prod-eu', 2), deploy('staging-eu', 1){development}],\n}}\n",
                owners[index % owners.len()],
                2 + index % 2,
            ),
        );
    }
    files
}

/// Makes `root`, which holds the registry of state `from` (`None`: nothing), hold exactly
/// the registry of `to`, writing only the files that differ.
fn write_state(root: &Path, from: Option<usize>, to: usize) {
    let old = from.map(state_files).unwrap_or_default();
    let new = state_files(to);
    for path in old.keys().filter(|path| !new.contains_key(*path)) {
        std::fs::remove_file(root.join(path)).unwrap();
    }
    for (path, text) in &new {
        if old.get(path) != Some(text) {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }
}

/// Every regular file under `dir` with its bytes, and, apart, the temporary files.
fn snapshot(dir: &Path) -> (BTreeMap<String, Vec<u8>>, BTreeSet<String>) {
    let mut files = BTreeMap::new();
    let mut temporary = BTreeSet::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(next) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&next) else {
            continue;
        };
        for entry in entries {
            let entry = entry.unwrap();
            let path = entry.path();
            let relative = path
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let file_type = entry.file_type().unwrap();
            if file_type.is_dir() {
                stack.push(path);
            } else if entry
                .file_name()
                .to_string_lossy()
                .starts_with(".registry-")
            {
                temporary.insert(relative);
            } else {
                assert!(file_type.is_file(), "{relative} is not a regular file");
                files.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    (files, temporary)
}

/// Fails unless every file of `after` is its version in `before` or in `expected`, absence
/// included.
fn assert_old_or_new(
    before: &BTreeMap<String, Vec<u8>>,
    after: &BTreeMap<String, Vec<u8>>,
    expected: &BTreeMap<String, Vec<u8>>,
    context: &str,
) {
    let paths: BTreeSet<&String> = before
        .keys()
        .chain(after.keys())
        .chain(expected.keys())
        .collect();
    for path in paths {
        let now = after.get(path);
        assert!(
            now == before.get(path) || now == expected.get(path),
            "{context}: `{path}` is neither its old nor its new version ({})",
            match now {
                Some(bytes) => format!("{} bytes", bytes.len()),
                None => "absent".to_owned(),
            }
        );
    }
}

/// A complete build, then `check`: both pass, nothing temporary is left, and the directory is
/// exactly `expected`.
fn assert_recovers(
    dir: &Path,
    generated: &Path,
    expected: &BTreeMap<String, Vec<u8>>,
    context: &str,
) {
    let build = registry(dir).args(["build"]).output();
    assert_eq!(build.status, 0, "{context}: {}", build.report());
    let check = registry(dir).args(["check"]).output();
    assert_eq!(check.status, 0, "{context}: {}", check.report());
    let (files, temporary) = snapshot(generated);
    assert!(
        temporary.is_empty(),
        "{context}: left behind: {temporary:?}"
    );
    assert!(
        &files == expected,
        "{context}: not what a clean build writes"
    );
}

/// How a build that may be killed went.
struct Ran {
    /// It was still running when killed.
    killed: bool,
    /// From its journal's appearance (its first write) to its end, when it ran to the end.
    writing: Option<Duration>,
}

/// Runs `build` and, given `kill`, kills it after that delay, counted from its start or, with
/// `after_writing`, from its first write (its journal appears).
fn build(dir: &Path, journal: &Path, kill: Option<(Duration, bool)>) -> Ran {
    let mut child = registry(dir)
        .args(["build"])
        .spawn(Stdio::null(), Stdio::null());
    let mut deadline = kill
        .filter(|(_, after_writing)| !after_writing)
        .map(|(delay, _)| Instant::now() + delay);
    let mut wrote = None;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "a build failed: {status}");
            return Ran {
                killed: false,
                writing: wrote.map(|since: Instant| since.elapsed()),
            };
        }
        if wrote.is_none() && journal.exists() {
            let now = Instant::now();
            wrote = Some(now);
            if let Some((delay, true)) = kill {
                deadline = Some(now + delay);
            }
        }
        if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            // `kill` sends SIGKILL.
            let _ = child.kill();
            let status = child.wait().unwrap();
            return Ran {
                killed: status.code().is_none(),
                writing: None,
            };
        }
        std::thread::sleep(Duration::from_micros(100));
    }
}

#[test]
fn a_build_killed_at_any_moment_leaves_old_or_new_files_and_the_next_recovers() {
    let seed = std::env::var("REGISTRY_KILL_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or(0x05ee_d0fc_4a05_u64);
    let mut random = Random(seed);
    let test = Test::new();
    let dir = test.path();
    let root = dir.join("registry");
    let generated = dir.join("generated");
    let journal = generated.join(".registry-journal.tmp");

    // Each state's clean build, and how long a build takes, in all and once writing.
    let mut expected = Vec::new();
    let mut whole = Duration::ZERO;
    for state in 0..STATES {
        write_state(&root, state.checked_sub(1), state);
        let out = dir.join(format!("expected-{state}"));
        let started = Instant::now();
        let output = registry(dir)
            .args(["build".as_ref(), "--out".as_ref(), out.as_os_str()])
            .output();
        whole = whole.max(started.elapsed());
        assert_eq!(output.status, 0, "state {state}: {}", output.report());
        let (files, temporary) = snapshot(&out);
        assert!(temporary.is_empty());
        assert!(files.keys().filter(|path| path.contains("/apps/")).count() >= 2 * SERVICES);
        expected.push(files);
    }
    // The first build into the real directory: everything is new, so writing takes longest.
    let mut current = 0;
    write_state(&root, Some(STATES - 1), current);
    let writing = build(dir, &journal, None)
        .writing
        .expect("the first build writes");

    let mut kills = 0;
    let mut attempts = 0;
    while kills < KILLS {
        attempts += 1;
        assert!(
            attempts < KILLS * 4,
            "builds kept finishing before the kill"
        );
        let next =
            (current + 1 + usize::try_from(random.below(STATES as u64 - 1)).unwrap()) % STATES;
        write_state(&root, Some(current), next);
        let (before, _) = snapshot(&generated);
        // A quarter of the kills land anywhere in a build; the rest while it writes, where a
        // kill can cut a file, a rename, a removal or the manifest.
        let after_writing = random.below(4) != 0;
        let span = if after_writing { writing } else { whole };
        let delay = Duration::from_micros(random.below(u64::try_from(span.as_micros()).unwrap()));
        let context = format!(
            "seed {seed}, kill {kills} (state {current} -> {next}, {delay:?}{})",
            if after_writing {
                " after the first write"
            } else {
                ""
            }
        );
        if !build(dir, &journal, Some((delay, after_writing))).killed {
            // It finished first: the directory is the new state, whole.
            let (after, temporary) = snapshot(&generated);
            assert!(temporary.is_empty(), "{context}: {temporary:?}");
            assert!(
                after == expected[next],
                "{context}: a finished build is not a clean one"
            );
            current = next;
            continue;
        }
        kills += 1;
        let (after, _) = snapshot(&generated);
        assert_old_or_new(&before, &after, &expected[next], &context);
        current = next;
        if kills % CHECK_EVERY == 0 {
            let check = registry(dir).args(["check", "--format", "json"]).output();
            assert!(
                !check.stdout.contains(".registry-"),
                "{context}: check reports a temporary file:\n{}",
                check.report()
            );
        }
        if kills % COMPLETE_EVERY == 0 {
            assert_recovers(dir, &generated, &expected[current], &context);
        }
    }
    assert_recovers(dir, &generated, &expected[current], "at the end");
}

/// The generator's registry is valid in every state, and the states differ.
#[test]
fn the_synthetic_states_differ() {
    let states: Vec<BTreeMap<String, String>> = (0..STATES).map(state_files).collect();
    for (index, state) in states.iter().enumerate() {
        assert!(
            state
                .keys()
                .filter(|path| path.starts_with("services/"))
                .count()
                >= SERVICES
        );
        for other in &states[index + 1..] {
            assert_ne!(state, other);
        }
    }
}
