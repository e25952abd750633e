//! The file system as an attacker shapes it: the output directory and the registry root full of
//! symbolic links, FIFOs, sockets, oversized and planted files; output directories that are
//! not ours; manifests that lie; builds that race and modes that must survive. Each case has
//! its expected diagnostic or error, exit code, and a bound on time and memory, and each fails
//! if the guard it proves were removed.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use sha2::Digest as _;

use crate::test::{Output, Test, commit, registry};

const TEAM: &str =
    "{ name: 'payments', description: 'Payments', slack: '#payments', members: [] }\n";

const PROJECT: &str = "{ name: 'prod', owner: 'payments', provider: 'aws', cloudId: '123456789012', environment: 'production', region: 'eu-west-1', costCentre: 'ENG-100' }\n";

/// A secret in the repository's git configuration, which no output may ever show.
const SECRET: &str = "c2VjcmV0LXRva2Vu";

/// No run here takes longer or holds more than this.
const SECONDS: u64 = 60;
const MIB: u64 = 256;

/// A way to spoil a directory, for a case.
type Spoil<'a> = &'a dyn Fn(&Path);

/// A registry with a team and a project, in a git repository whose configuration holds a
/// secret.
fn repository() -> Test {
    let test = Test::registry()
        .file("registry/teams/payments.jsonnet", TEAM)
        .file("registry/projects/prod.jsonnet", PROJECT);
    let repo = git2::Repository::init(test.path()).unwrap();
    repo.config()
        .unwrap()
        .set_str(
            "http.extraheader",
            &format!("AUTHORIZATION: basic {SECRET}"),
        )
        .unwrap();
    test
}

/// [`repository`], built.
fn built() -> Test {
    let test = repository();
    let output = test.run(["build"]);
    assert_eq!(output.status, 0, "{}", output.report());
    test
}

/// Runs the binary in `dir` within the time and memory bound.
fn bounded<const N: usize>(dir: &Path, args: [&str; N]) -> Output {
    let measured = registry(dir)
        .args(args)
        .measured(Duration::from_secs(SECONDS));
    measured.assert_within(Duration::from_secs(SECONDS).as_secs_f64(), MIB);
    measured.output
}

fn fifo(path: &Path) {
    rustix::fs::mknodat(
        rustix::fs::CWD,
        path,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .unwrap();
}

fn link(target: impl AsRef<Path>, path: &Path) {
    let _ = std::fs::remove_file(path);
    std::os::unix::fs::symlink(target, path).unwrap();
}

/// Every entry under `dir`, never followed: a file's content, a link's target, or `dir`.
fn state(dir: &Path) -> BTreeMap<String, String> {
    fn walk(dir: &Path, root: &Path, entries: &mut BTreeMap<String, String>) {
        let Ok(read) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in read {
            let path = entry.unwrap().path();
            let name = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let metadata = std::fs::symlink_metadata(&path).unwrap();
            let what = if metadata.file_type().is_symlink() {
                format!("-> {}", std::fs::read_link(&path).unwrap().display())
            } else if metadata.is_dir() {
                walk(&path, root, entries);
                "dir".to_owned()
            } else if metadata.is_file() {
                format!("{:x}", sha2::Sha256::digest(std::fs::read(&path).unwrap()))
            } else {
                "special".to_owned()
            };
            entries.insert(name, what);
        }
    }
    let mut entries = BTreeMap::new();
    walk(dir, dir, &mut entries);
    entries
}

/// Fails if `output` shows anything of `/etc/passwd`, the git configuration, or a raw control
/// character.
fn assert_nothing_leaked(output: &Output) {
    for text in [&output.stdout, &output.stderr] {
        for leak in ["root:x:0", "root:", SECRET, "extraheader", "\u{1b}", "\0"] {
            assert!(
                !text.contains(leak),
                "{leak:?} leaked:\n{}",
                output.report()
            );
        }
    }
}

fn count(text: &str, what: &str) -> usize {
    text.matches(what).count()
}

#[test]
fn links_and_fifos_where_files_go_are_never_followed_read_or_printed() {
    let test = built();
    let generated = test.path().join("generated");
    link("/etc/passwd", &generated.join("registry.json"));
    link(
        "../../.git/config",
        &generated.join("terraform/teams.auto.tfvars.json"),
    );
    link(
        "/dev/zero",
        &generated.join("terraform/projects/prod.auto.tfvars.json"),
    );
    std::fs::remove_file(generated.join("manifest.json")).unwrap();
    fifo(&generated.join("manifest.json"));
    link("/dev/zero", &generated.join("zero"));
    fifo(&generated.join("pipe"));
    let before = state(test.path());

    for format in ["human", "concise", "json", "github"] {
        let output = bounded(test.path(), ["check", "--format", format]);
        assert_eq!(output.status, 1, "{}", output.report());
        assert_nothing_leaked(&output);
        assert_eq!(
            count(&output.stdout, "generated-not-regular"),
            4,
            "{}",
            output.report()
        );
        assert_eq!(
            count(&output.stdout, "generated-extra"),
            2,
            "{}",
            output.report()
        );
        if format == "human" {
            insta::assert_snapshot!(output.report(), @r"
            status: 1
            ----- stdout -----
            error[generated-not-regular]: `generated/manifest.json` is a FIFO, not a regular file
            --> generated/manifest.json
             = note: never followed, opened or printed
             = help: remove it and run `registry build`

            error[generated-extra]: `generated/pipe` is not produced by the registry
            --> generated/pipe
             = note: a FIFO, never followed or opened; not generated
             = help: run `registry build` to remove files it generated before; remove others by hand

            error[generated-not-regular]: `generated/registry.json` is a symbolic link, not a regular file
            --> generated/registry.json
             = note: never followed, opened or printed
             = help: remove it and run `registry build`

            error[generated-not-regular]: `generated/terraform/projects/prod.auto.tfvars.json` is a symbolic link, not a regular file
            --> generated/terraform/projects/prod.auto.tfvars.json
             = note: never followed, opened or printed
             = help: remove it and run `registry build`

            error[generated-not-regular]: `generated/terraform/teams.auto.tfvars.json` is a symbolic link, not a regular file
            --> generated/terraform/teams.auto.tfvars.json
             = note: never followed, opened or printed
             = help: remove it and run `registry build`

            error[generated-extra]: `generated/zero` is not produced by the registry
            --> generated/zero
             = note: a symbolic link, never followed or opened; not generated
             = help: run `registry build` to remove files it generated before; remove others by hand

            checked 1 team, 1 project, 0 clusters, 0 services: 6 errors
            ----- stderr -----
            ");
        }
    }

    // A build leaves every one of them alone, and writes through none.
    for format in ["human", "json"] {
        let output = bounded(test.path(), ["build", "--format", format]);
        assert_eq!(output.status, 1, "{}", output.report());
        assert_nothing_leaked(&output);
        assert_eq!(count(&output.stdout, "generated-not-regular"), 4);
    }
    assert_eq!(state(test.path()), before);
}

#[test]
fn a_directory_where_a_file_goes_and_a_file_where_a_directory_goes() {
    let test = built();
    let generated = test.path().join("generated");
    std::fs::remove_file(generated.join("registry.json")).unwrap();
    std::fs::create_dir(generated.join("registry.json")).unwrap();
    std::fs::write(generated.join("registry.json/inside"), "kept").unwrap();
    std::fs::remove_dir_all(generated.join("terraform")).unwrap();
    std::fs::write(generated.join("terraform"), "a file").unwrap();
    let before = state(test.path());
    let output = bounded(test.path(), ["check"]);
    insta::assert_snapshot!(output.report(), @"
    status: 1
    ----- stdout -----
    error[generated-not-regular]: `generated/registry.json` is a directory, not a regular file
    --> generated/registry.json
     = note: never followed, opened or printed
     = help: remove it and run `registry build`

    error[generated-not-regular]: `generated/terraform` is a regular file where the registry writes a directory
    --> generated/terraform
     = note: never followed, opened or printed
     = help: remove it and run `registry build`

    checked 1 team, 1 project, 0 clusters, 0 services: 2 errors
    ----- stderr -----
    ");
    let output = bounded(test.path(), ["build"]);
    assert_eq!(output.status, 1, "{}", output.report());
    assert_eq!(count(&output.stdout, "generated-not-regular"), 2);
    let after = state(test.path());
    for kept in ["generated/registry.json/inside", "generated/terraform"] {
        assert_eq!(after[kept], before[kept], "{kept}");
    }
}

#[test]
fn a_huge_stale_file_is_read_no_further_than_needed_and_its_diff_is_cut() {
    let test = built();
    let blob = test.path().join("generated/registry.json");
    std::fs::remove_file(&blob).unwrap();
    // Sparse: 1 GiB of NULs, costing no disk.
    std::fs::File::create(&blob)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let teams = test
        .path()
        .join("generated/terraform/teams.auto.tfvars.json");
    let edited = std::fs::read_to_string(&teams)
        .unwrap()
        .replace("#payments", "\u{1b}[2J\n::error::forged\r\n");
    std::fs::write(&teams, edited).unwrap();
    let output = bounded(test.path(), ["check"]);
    assert_eq!(output.status, 1, "{}", output.report());
    assert_nothing_leaked(&output);
    assert!(
        !output.stdout.lines().any(|line| line.starts_with("::")),
        "{}",
        output.report()
    );
    assert!(output.stdout.contains("\\u{1b}[2J"), "{}", output.report());
    assert!(
        output.stdout.len() < 16 << 10,
        "{} bytes printed",
        output.stdout.len()
    );
    let github = bounded(test.path(), ["check", "--format", "github"]);
    assert!(
        github
            .stdout
            .lines()
            .all(|line| line.starts_with("::error file=")),
        "{}",
        github.report()
    );
    let output = bounded(test.path(), ["build"]);
    assert_eq!(output.status, 0, "{}", output.report());
    assert_eq!(bounded(test.path(), ["check"]).status, 0);
}

#[test]
fn generated_paths_that_climb_are_refused_by_the_schema_and_nothing_is_touched() {
    for generated in [
        ".",
        "..",
        "../elsewhere",
        "/tmp/registry-out",
        "a/../..",
        "x/./y",
    ] {
        let test = Test::new()
            .file(
                "registry/registry.jsonnet",
                format!(
                    "{{ org: 'acme', repo: 'https://github.com/acme/platform.git', \
                     generatedPath: '{generated}' }}\n"
                ),
            )
            .file("registry/teams/payments.jsonnet", TEAM);
        let before = state(test.path());
        for command in ["check", "build"] {
            let output = bounded(test.path(), [command, "--format", "concise"]);
            assert_eq!(output.status, 1, "{generated}: {}", output.report());
            assert!(
                output.stdout.contains(
                    "error[schema-violation]: the settings has an invalid value at `/generatedPath`"
                ),
                "{generated}: {}",
                output.report()
            );
        }
        assert_eq!(state(test.path()), before, "{generated}");
    }
    assert!(!Path::new("/tmp/registry-out").exists());
}

#[test]
fn generated_paths_the_tool_may_not_own_are_a_diagnostic() {
    let cases: [(&str, Spoil); 7] = [
        ("registry", &|_| {}),
        ("registry/out", &|_| {}),
        ("generated", &|dir| {
            std::fs::create_dir(dir.join("elsewhere")).unwrap();
            link("elsewhere", &dir.join("generated"));
        }),
        ("out/generated", &|dir| {
            std::fs::create_dir_all(dir.join("elsewhere/generated")).unwrap();
            link("elsewhere", &dir.join("out"));
        }),
        ("generated", &|dir| {
            std::fs::create_dir_all(dir.join("generated/.git")).unwrap();
        }),
        ("generated", &|dir| {
            std::fs::write(dir.join("generated"), "").unwrap();
        }),
        ("generated", &|dir| fifo(&dir.join("generated"))),
    ];
    let mut reports = String::new();
    for (generated, prepare) in cases {
        let test = Test::new()
            .file(
                "registry/registry.jsonnet",
                format!(
                    "{{ org: 'acme', repo: 'https://github.com/acme/platform.git', \
                     generatedPath: '{generated}' }}\n"
                ),
            )
            .file("registry/teams/payments.jsonnet", TEAM);
        prepare(test.path());
        let before = state(test.path());
        for command in ["check", "build"] {
            let output = bounded(test.path(), [command, "--format", "concise"]);
            assert_eq!(output.status, 1, "{generated}: {}", output.report());
            assert_eq!(count(&output.stdout, "error["), 1, "{}", output.report());
            if command == "build" {
                reports.push_str(output.stdout.lines().next().unwrap());
                reports.push('\n');
            }
        }
        assert_eq!(state(test.path()), before, "{generated}");
    }
    // The registry root is the repository's top: beside it is outside the repository.
    let test = Test::registry().file("registry/teams/payments.jsonnet", TEAM);
    git2::Repository::init(test.path().join("registry")).unwrap();
    let output = bounded(test.path(), ["build", "--format", "concise"]);
    assert_eq!(output.status, 1, "{}", output.report());
    reports.push_str(
        &output
            .report()
            .replace(&*test.path().to_string_lossy(), "[TMP]"),
    );
    assert!(!test.path().join("generated").exists());
    let reports = reports.replace(
        &*std::fs::canonicalize(std::env::temp_dir())
            .unwrap()
            .to_string_lossy(),
        "[TEMP]",
    );
    let reports = regex_lite(&reports);
    insta::assert_snapshot!(reports, @"
    registry/registry.jsonnet:1:77: error[unsafe-output-dir]: `generatedPath` `registry` cannot be the output directory: it is the registry root
    registry/registry.jsonnet:1:77: error[unsafe-output-dir]: `generatedPath` `registry/out` cannot be the output directory: it is inside the registry root
    registry/registry.jsonnet:1:77: error[unsafe-output-dir]: `generatedPath` `generated` cannot be the output directory: `[TEMP]/[DIR]/generated` is a symbolic link
    registry/registry.jsonnet:1:77: error[unsafe-output-dir]: `generatedPath` `out/generated` cannot be the output directory: `[TEMP]/[DIR]/out` is a symbolic link
    registry/registry.jsonnet:1:77: error[unsafe-output-dir]: `generatedPath` `generated` cannot be the output directory: it holds `.git`
    registry/registry.jsonnet:1:77: error[unsafe-output-dir]: `generatedPath` `generated` cannot be the output directory: `[TEMP]/[DIR]/generated` is not a directory
    registry/registry.jsonnet:1:77: error[unsafe-output-dir]: `generatedPath` `generated` cannot be the output directory: `[TEMP]/[DIR]/generated` is not a directory
    status: 1
    ----- stdout -----
    registry/registry.jsonnet: error[unsafe-output-dir]: `generatedPath` `generated` cannot be the output directory: it is outside the repository (or directory) `[TMP]/registry` that holds the registry
    checked 1 team, 0 projects, 0 clusters, 0 services: 1 error
    ----- stderr -----
    ");
}

/// `text` with each temporary directory's own name shown as `[DIR]`.
fn regex_lite(text: &str) -> String {
    text.split("[TEMP]/")
        .enumerate()
        .map(|(index, part)| {
            if index == 0 {
                part.to_owned()
            } else {
                let end = part.find('/').unwrap_or(part.len());
                format!("[TEMP]/[DIR]{}", &part[end..])
            }
        })
        .collect()
}

#[test]
fn an_out_the_tool_may_not_own_is_a_usage_error() {
    let test = Test::registry()
        .file("registry/teams/payments.jsonnet", TEAM)
        .file("file", "")
        .file("repo/.git/HEAD", "ref: refs/heads/main\n");
    std::fs::create_dir(test.path().join("elsewhere")).unwrap();
    link("elsewhere", &test.path().join("link"));
    let before = state(test.path());
    let mut reports = String::new();
    for out in [
        ".",
        "registry",
        "registry/out",
        "..",
        "/",
        "link",
        "link/inside",
        ".git",
        "repo",
        "file",
    ] {
        for command in ["check", "build"] {
            let output = bounded(test.path(), [command, "--out", out]);
            assert_eq!(output.status, 2, "{out}: {}", output.report());
            assert_eq!(output.stdout, "", "{out}: {}", output.report());
            if command == "build" {
                reports.push_str(output.stderr.lines().next().unwrap());
                reports.push('\n');
            }
        }
    }
    assert_eq!(state(test.path()), before);
    let reports = reports.replace(
        &*std::fs::canonicalize(test.path())
            .unwrap()
            .to_string_lossy(),
        "[TMP]",
    );
    insta::assert_snapshot!(reports, @r"
    error: cannot use `.` as the output directory: it is the current directory
    error: cannot use `registry` as the output directory: it is the registry root
    error: cannot use `registry/out` as the output directory: it is inside the registry root
    error: cannot use `..` as the output directory: it holds the registry root
    error: cannot use `/` as the output directory: it holds the registry root
    error: cannot use `link` as the output directory: `[TMP]/link` is a symbolic link
    error: cannot use `link/inside` as the output directory: `[TMP]/link` is a symbolic link
    error: cannot use `.git` as the output directory: it is inside `.git`
    error: cannot use `repo` as the output directory: it holds `.git`
    error: cannot use `file` as the output directory: `[TMP]/file` is not a directory
    ");
}

#[test]
fn a_planted_manifest_deletes_nothing_outside_the_output_directory() {
    let test = built();
    let dir = test.path();
    std::fs::write(dir.join("victim"), "not the tool's").unwrap();
    std::fs::create_dir(dir.join("outside")).unwrap();
    std::fs::write(dir.join("outside/victim"), "not the tool's either").unwrap();
    link("../outside", &dir.join("generated/link"));
    let hashed = |path: &Path| {
        let bytes = std::fs::read(path).unwrap();
        format!(
            "{{\"entities\": [], \"sha256\": \"{:x}\", \"size\": {}}}",
            sha2::Sha256::digest(&bytes),
            bytes.len()
        )
    };
    let absolute = std::fs::canonicalize(dir.join("victim")).unwrap();
    let manifest = format!(
        "{{\"apiVersion\": \"registry.dev/v1\", \"files\": {{\
         \"../.git/HEAD\": {}, \"{}\": {}, \"link/victim\": {}, \
         \"../registry/registry.jsonnet\": {}, \"../victim\": {}}}}}\n",
        hashed(&dir.join(".git/HEAD")),
        absolute.display(),
        hashed(&absolute),
        hashed(&dir.join("outside/victim")),
        hashed(&dir.join("registry/registry.jsonnet")),
        hashed(&absolute),
    );
    std::fs::write(dir.join("generated/manifest.json"), manifest).unwrap();
    let before = state(dir);
    let output = bounded(dir, ["build"]);
    assert_eq!(output.status, 0, "{}", output.report());
    assert_nothing_leaked(&output);
    let report = output.report().replace(
        &*std::fs::canonicalize(dir).unwrap().to_string_lossy(),
        "[TMP]",
    );
    insta::assert_snapshot!(report, @"
    status: 0
    ----- stdout -----
    warning[generated-kept]: `generated/link/victim` was not removed, though the registry no longer produces it: `generated/link` on the way to it is a symbolic link
    --> generated/link/victim
     = note: kept as it is
     = help: remove it by hand if it is not needed

    warning[generated-kept]: `generated/manifest.json` lists 4 paths that are not inside the output directory, so they are ignored: `../.git/HEAD`, `../registry/registry.jsonnet`, `../victim`, and `[TMP]/victim`
    --> generated/manifest.json
     = note: kept as it is
     = help: remove it by hand if it is not needed

    checked 1 team, 1 project, 0 clusters, 0 services: 2 warnings
    generated: 1 written, 0 removed, 9 unchanged
    ----- stderr -----
    ");
    let after = state(dir);
    for kept in [
        ".git/HEAD",
        "victim",
        "outside/victim",
        "registry/registry.jsonnet",
        "generated/link",
    ] {
        assert_eq!(after.get(kept), before.get(kept), "{kept}");
    }
    assert_eq!(
        bounded(dir, ["check"]).status,
        1,
        "the planted link is extra"
    );
}

/// The warning names the first five paths outside the directory a manifest lists, and counts
/// the rest.
#[test]
fn a_manifest_listing_many_paths_outside_names_five_and_counts_the_rest() {
    for (count, listed) in [
        (5, "`../e1`, `../e2`, `../e3`, `../e4`, and `../e5`"),
        (7, "`../e1`, `../e2`, `../e3`, `../e4`, `../e5`, and 2 more"),
    ] {
        let test = built();
        let dir = test.path();
        let files: Vec<String> = (1..=count)
            .map(|index| {
                format!(
                    "\"../e{index}\": {{\"entities\": [], \"sha256\": \"{}\", \"size\": 1}}",
                    "0".repeat(64)
                )
            })
            .collect();
        std::fs::write(
            dir.join("generated/manifest.json"),
            format!(
                "{{\"apiVersion\": \"registry.dev/v1\", \"files\": {{{}}}}}\n",
                files.join(", ")
            ),
        )
        .unwrap();
        let output = bounded(dir, ["build"]);
        assert_eq!(output.status, 0, "{}", output.report());
        let expected = format!(
            "`generated/manifest.json` lists {count} paths that are not inside the output \
             directory, so they are ignored: {listed}\n"
        );
        assert!(output.stdout.contains(&expected), "{}", output.report());
    }
}

#[test]
fn a_manifest_too_large_or_malformed_removes_nothing() {
    let test = built();
    let dir = test.path();
    let project = dir.join("generated/terraform/projects/prod.auto.tfvars.json");
    std::fs::remove_file(dir.join("registry/projects/prod.jsonnet")).unwrap();
    let manifest = dir.join("generated/manifest.json");
    let good = std::fs::read(&manifest).unwrap();
    let planted: [(&str, Spoil); 3] = [
        ("is larger than 64 MiB", &|_| {
            let file = std::fs::File::create(&manifest).unwrap();
            file.set_len((64 << 20) + 1).unwrap();
        }),
        ("is not valid JSON", &|_| {
            std::fs::write(&manifest, "[".repeat(1 << 20)).unwrap();
        }),
        ("has no `files` object", &|_| {
            std::fs::write(&manifest, "{\"files\": 1}").unwrap();
        }),
    ];
    for (problem, plant) in planted {
        plant(dir);
        let output = bounded(dir, ["build"]);
        assert_eq!(output.status, 0, "{}", output.report());
        assert!(
            output.stdout.contains(&format!(
                "warning[generated-kept]: `generated/manifest.json` {problem}, so nothing it \
                 lists was removed"
            )),
            "{}",
            output.report()
        );
        assert!(project.exists(), "{problem}");
        // The manifest is rewritten without the project, so put the old one back.
        std::fs::write(&manifest, &good).unwrap();
    }
    let output = bounded(dir, ["build"]);
    assert!(
        output
            .stdout
            .ends_with("1 written, 3 removed, 6 unchanged\n"),
        "{}",
        output.report()
    );
    assert!(!project.exists());
}

#[test]
fn a_file_changed_by_hand_is_kept_even_at_the_same_size() {
    let test = built();
    let dir = test.path();
    let project = dir.join("generated/terraform/projects/prod.auto.tfvars.json");
    let edited = std::fs::read_to_string(&project)
        .unwrap()
        .replace("ENG-100", "ENG-999");
    std::fs::write(&project, &edited).unwrap();
    std::fs::remove_file(dir.join("registry/projects/prod.jsonnet")).unwrap();
    let output = bounded(dir, ["build"]);
    insta::assert_snapshot!(output.report(), @"
    status: 0
    ----- stdout -----
    warning[generated-kept]: `generated/terraform/projects/prod.auto.tfvars.json` was not removed, though the registry no longer produces it: it changed since `registry build` wrote it
    --> generated/terraform/projects/prod.auto.tfvars.json
     = note: kept as it is
     = help: remove it by hand if it is not needed

    checked 1 team, 0 projects, 0 clusters, 0 services: 1 warning
    generated: 3 written, 2 removed, 4 unchanged
    ----- stderr -----
    ");
    assert_eq!(std::fs::read_to_string(&project).unwrap(), edited);
    let check = bounded(dir, ["check", "--format", "concise"]);
    assert_eq!(check.status, 1);
    assert!(check.stdout.contains("error[generated-extra]"));
}

/// A file no longer produced that is now a link, or a FIFO, is kept and never followed or
/// opened, and the warning says what it is now.
#[test]
fn a_file_no_longer_produced_that_is_now_a_link_or_a_fifo_is_kept_and_said_so() {
    for (what, spoil) in [
        (
            "a symbolic link",
            &(|path: &Path| link("/etc/passwd", path)) as Spoil,
        ),
        ("a FIFO", &(|path: &Path| fifo(path)) as Spoil),
    ] {
        let test = built();
        let dir = test.path();
        let project = dir.join("generated/terraform/projects/prod.auto.tfvars.json");
        std::fs::remove_file(&project).unwrap();
        spoil(&project);
        std::fs::remove_file(dir.join("registry/projects/prod.jsonnet")).unwrap();
        let output = bounded(dir, ["build", "--format", "concise"]);
        assert_eq!(output.status, 0, "{what}: {}", output.report());
        assert!(
            output.stdout.contains(&format!(
                "`generated/terraform/projects/prod.auto.tfvars.json` was not removed, though the \
                 registry no longer produces it: it is {what} now"
            )),
            "{what}: {}",
            output.report()
        );
        assert_nothing_leaked(&output);
        assert!(Path::new("/etc/passwd").is_file());
        assert!(
            std::fs::symlink_metadata(&project).is_ok(),
            "{what}: removed"
        );
    }
}

#[test]
fn a_manifest_from_an_older_build_without_hashes_removes_nothing() {
    let test = built();
    let dir = test.path();
    std::fs::write(
        dir.join("generated/manifest.json"),
        "{\"apiVersion\": \"registry.dev/v1\", \"files\": {\"terraform/projects/prod.auto.tfvars.json\": [\"project/prod\"]}}\n",
    )
    .unwrap();
    std::fs::remove_file(dir.join("registry/projects/prod.jsonnet")).unwrap();
    let output = bounded(dir, ["build", "--format", "concise"]);
    assert_eq!(output.status, 0, "{}", output.report());
    assert!(
        output
            .stdout
            .contains("it was recorded without a hash, by an older build"),
        "{}",
        output.report()
    );
    assert!(
        dir.join("generated/terraform/projects/prod.auto.tfvars.json")
            .exists()
    );
}

#[test]
fn what_a_killed_build_left_is_never_reported_and_the_next_build_removes_it() {
    let test = built();
    let dir = test.path();
    let generated = dir.join("generated");
    std::fs::write(generated.join(".registry-4242-0000beef-0.tmp"), "half").unwrap();
    std::fs::write(
        generated.join("terraform/.registry-4242-0000beef-1.tmp"),
        "",
    )
    .unwrap();
    link(
        "/etc/passwd",
        &generated.join(".registry-4242-0000beef-2.tmp"),
    );
    // A file a killed build wrote, for an entity since removed, known only from its journal.
    let orphan = generated.join("terraform/projects/gone.auto.tfvars.json");
    std::fs::write(&orphan, "{}\n").unwrap();
    std::fs::write(
        generated.join(".registry-journal.tmp"),
        format!(
            "{:x} 3 terraform/projects/gone.auto.tfvars.json\n",
            sha2::Sha256::digest(b"{}\n")
        ),
    )
    .unwrap();
    let check = bounded(dir, ["check", "--format", "concise"]);
    insta::assert_snapshot!(check.report(), @r"
    status: 1
    ----- stdout -----
    generated/terraform/projects/gone.auto.tfvars.json: error[generated-extra]: `generated/terraform/projects/gone.auto.tfvars.json` is not produced by the registry
    checked 1 team, 1 project, 0 clusters, 0 services: 1 error
    ----- stderr -----
    ");
    let output = bounded(dir, ["build"]);
    assert!(
        output
            .stdout
            .ends_with("generated: 0 written, 1 removed, 10 unchanged\n"),
        "{}",
        output.report()
    );
    let left: Vec<String> = state(dir)
        .into_keys()
        .filter(|path| path.contains(".registry-") || path.contains("gone"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert!(Path::new("/etc/passwd").is_file());
    assert_eq!(bounded(dir, ["check"]).status, 0);
}

#[test]
fn builds_at_once_that_prune_the_same_file_all_succeed() {
    let test = built();
    let dir = test.path();
    for round in 0..5 {
        let project = dir.join("registry/projects/prod.jsonnet");
        if round % 2 == 0 {
            std::fs::remove_file(&project).unwrap();
        } else {
            std::fs::write(&project, PROJECT).unwrap();
        }
        let children: Vec<_> = (0..4)
            .map(|_| {
                registry(dir)
                    .args(["build"])
                    .spawn(Stdio::piped(), Stdio::piped())
            })
            .collect();
        for child in children {
            let output = child.wait_with_output().unwrap();
            assert!(
                output.status.success(),
                "round {round}: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(String::from_utf8_lossy(&output.stdout).ends_with(" unchanged\n"));
        }
        let check = bounded(dir, ["check"]);
        assert_eq!(check.status, 0, "round {round}: {}", check.report());
    }
}

#[test]
fn a_build_waits_for_the_directory_lock_and_a_check_for_the_build() {
    let test = built();
    let dir = test.path();
    let generated = dir.join("generated");
    std::fs::write(
        dir.join("registry/teams/payments.jsonnet"),
        TEAM.replace("Payments", "All payments"),
    )
    .unwrap();
    let before = state(&generated);
    for (command, status) in [("check", 1), ("build", 0)] {
        let held = std::fs::File::open(&generated).unwrap();
        rustix::fs::flock(&held, rustix::fs::FlockOperation::LockExclusive).unwrap();
        let mut child = registry(dir)
            .args([command])
            .spawn(Stdio::null(), Stdio::null());
        std::thread::sleep(Duration::from_millis(1500));
        assert!(
            child.try_wait().unwrap().is_none(),
            "{command} did not wait for the lock"
        );
        assert_eq!(
            state(&generated),
            before,
            "{command} wrote under another's lock"
        );
        drop(held);
        assert_eq!(child.wait().unwrap().code(), Some(status), "{command}");
    }
    assert_ne!(state(&generated), before);
    assert_eq!(bounded(dir, ["check"]).status, 0);
}

#[test]
fn a_reader_of_a_file_keeps_the_whole_old_version_while_a_build_replaces_it() {
    use std::io::Read as _;
    let test = built();
    let dir = test.path();
    let teams = dir.join("generated/terraform/teams.auto.tfvars.json");
    let old = std::fs::read(&teams).unwrap();
    let mut reader = std::fs::File::open(&teams).unwrap();
    std::fs::write(
        dir.join("registry/teams/payments.jsonnet"),
        TEAM.replace("Payments", "All payments"),
    )
    .unwrap();
    assert_eq!(bounded(dir, ["build"]).status, 0);
    let mut seen = Vec::new();
    reader.read_to_end(&mut seen).unwrap();
    assert_eq!(seen, old, "the file was rewritten in place");
    let new = std::fs::read(&teams).unwrap();
    assert_ne!(new, old);
    assert!(String::from_utf8(new).unwrap().contains("All payments"));
}

/// Runs the binary in `dir` under `umask`, which must succeed.
fn with_umask(dir: &Path, umask: &str, args: &[&str]) {
    let binary = env!("CARGO_BIN_EXE_registry");
    let mut all = vec![
        "-c",
        "umask \"$0\" && shift && exec \"$@\"",
        umask,
        "--",
        binary,
    ];
    all.extend(args);
    let output = std::process::Command::new("sh")
        .args(&all)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn files_get_the_mode_the_umask_gives_and_keep_their_own() {
    let test = repository();
    let dir = test.path();
    with_umask(dir, "027", &["build"]);
    let generated = dir.join("generated");
    let teams = generated.join("terraform/teams.auto.tfvars.json");
    assert_eq!(mode(&teams), 0o640);
    assert_eq!(mode(&generated.join("registry.json")), 0o640);
    assert_eq!(mode(&generated.join("terraform/projects")), 0o750);
    assert_eq!(mode(&generated), 0o750);
    std::fs::set_permissions(&teams, std::fs::Permissions::from_mode(0o604)).unwrap();
    std::fs::write(
        dir.join("registry/teams/payments.jsonnet"),
        TEAM.replace("Payments", "All payments"),
    )
    .unwrap();
    std::fs::write(
        dir.join("registry/projects/dev.jsonnet"),
        PROJECT.replace("name: 'prod'", "name: 'dev'"),
    )
    .unwrap();
    with_umask(dir, "022", &["build"]);
    assert!(
        std::fs::read_to_string(&teams)
            .unwrap()
            .contains("All payments")
    );
    assert_eq!(mode(&teams), 0o604, "a rewritten file keeps its mode");
    assert_eq!(
        mode(&generated.join("terraform/projects/dev.auto.tfvars.json")),
        0o644
    );

    // `fetch --output` writes the same way.
    commit(dir, "registry");
    let store = format!("file://{}", dir.join("published").display());
    with_umask(dir, "022", &["publish", "--to", &store]);
    let fetched = dir.join("fetched.json");
    with_umask(dir, "077", &["fetch", &store, "--output", "fetched.json"]);
    assert_eq!(mode(&fetched), 0o600);
    std::fs::set_permissions(&fetched, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(&fetched, "stale").unwrap();
    with_umask(dir, "077", &["fetch", &store, "--output", "fetched.json"]);
    assert_eq!(mode(&fetched), 0o644);
    assert_ne!(std::fs::read(&fetched).unwrap(), b"stale");
    let names: Vec<String> = state(dir)
        .into_keys()
        .filter(|name| name.contains(".registry-"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn special_files_under_the_root_are_reported_and_never_opened() {
    let test = Test::registry()
        .file(
            "registry/teams/payments.jsonnet",
            "(import 'pipe.libsonnet') + { name: 'payments', description: 'Payments', slack: '#payments', members: [] }\n",
        )
        .file("registry/lib/real.libsonnet", "{}\n");
    let root = test.path().join("registry");
    fifo(&root.join("teams/fifo.jsonnet"));
    fifo(&root.join("lib/pipe.libsonnet"));
    fifo(&root.join("notes.txt"));
    let _socket = std::os::unix::net::UnixListener::bind(root.join("lib/socket")).unwrap();
    let output = bounded(test.path(), ["check"]);
    insta::assert_snapshot!(output.report(), @"
    status: 1
    ----- stdout -----
    error[unreadable-file]: `lib/pipe.libsonnet` is a FIFO, so it is never read
    --> registry/lib/pipe.libsonnet
     = note: not a regular file: never opened
     = help: remove it: a registry holds only regular files, directories and links to them

    error[unreadable-file]: `lib/socket` is a socket, so it is never read
    --> registry/lib/socket
     = note: not a regular file: never opened
     = help: remove it: a registry holds only regular files, directories and links to them

    error[unreadable-file]: `notes.txt` is a FIFO, so it is never read
    --> registry/notes.txt
     = note: not a regular file: never opened
     = help: remove it: a registry holds only regular files, directories and links to them

    error[unreadable-file]: `teams/fifo.jsonnet` is a FIFO, so it is never read
    --> registry/teams/fifo.jsonnet
     = note: not a regular file: never opened
     = help: remove it: a registry holds only regular files, directories and links to them

    error[jsonnet-eval]: `lib/pipe.libsonnet` is a FIFO, so it is never read
     --> registry/teams/payments.jsonnet:1:2
      |
    1 | (import 'pipe.libsonnet') + { name: 'payments', description: 'Payments', slack: '#payments', members: [] }
      |  ^^^^^^ evaluation failed here

    checked 2 teams, 0 projects, 0 clusters, 0 services: 5 errors
    ----- stderr -----
    ");
}

#[test]
fn files_too_large_are_reported_and_never_read() {
    let test = Test::registry().file("registry/teams/payments.jsonnet", TEAM);
    let root = test.path().join("registry");
    for (path, size) in [
        ("lib/huge.json", 1_u64 << 40),
        ("teams/big.jsonnet", (16 << 20) + 1),
    ] {
        std::fs::create_dir_all(root.join(path).parent().unwrap()).unwrap();
        std::fs::File::create(root.join(path))
            .unwrap()
            .set_len(size)
            .unwrap();
    }
    std::fs::write(root.join("lib/edge.json"), vec![b' '; 16 << 20]).unwrap();
    let output = bounded(test.path(), ["check", "--format", "concise"]);
    insta::assert_snapshot!(output.report(), @r"
    status: 1
    ----- stdout -----
    registry/lib/huge.json: error[unreadable-file]: `lib/huge.json` is larger than 16 MiB (1099511627776 bytes), so it is never read
    registry/teams/big.jsonnet: error[unreadable-file]: `teams/big.jsonnet` is larger than 16 MiB (16777217 bytes), so it is never read
    checked 2 teams, 0 projects, 0 clusters, 0 services: 2 errors
    ----- stderr -----
    ");
}

#[test]
fn links_under_the_root_that_loop_dangle_or_lead_out_each_have_their_message() {
    let test = Test::registry()
        .file("registry/teams/payments.jsonnet", TEAM)
        .file(
            "registry/shared/team.libsonnet",
            "{ description: 'Risk' }\n",
        )
        .file(
            "registry/teams/risk.jsonnet",
            "(import 'alias.libsonnet') + { name: 'risk', slack: '#risk', members: [] }\n",
        )
        .file("outside/services/api.jsonnet", "{}\n");
    let root = test.path().join("registry");
    std::fs::create_dir_all(root.join("lib")).unwrap();
    link(
        "../shared/team.libsonnet",
        &root.join("lib/alias.libsonnet"),
    );
    link("loop.jsonnet", &root.join("teams/loop.jsonnet"));
    link("b.jsonnet", &root.join("teams/a.jsonnet"));
    link("a.jsonnet", &root.join("teams/b.jsonnet"));
    link("gone.jsonnet", &root.join("teams/dangling.jsonnet"));
    link("/dev/zero", &root.join("teams/zero.jsonnet"));
    link("../outside/services", &root.join("services"));
    link("/etc", &root.join("clusters"));
    let output = bounded(test.path(), ["check", "--format", "concise"]);
    assert_nothing_leaked(&output);
    insta::assert_snapshot!(output.report(), @r"
    status: 1
    ----- stdout -----
    registry/clusters: error[unreadable-file]: `clusters` is a symbolic link leading outside the registry root
    registry/services: error[unreadable-file]: `services` is a symbolic link leading outside the registry root
    registry/teams/a.jsonnet: error[unreadable-file]: `teams/a.jsonnet` is a symbolic link loop (to `b.jsonnet`), so it is never read
    registry/teams/b.jsonnet: error[unreadable-file]: `teams/b.jsonnet` is a symbolic link loop (to `a.jsonnet`), so it is never read
    registry/teams/dangling.jsonnet: error[unreadable-file]: `teams/dangling.jsonnet` is a symbolic link to `gone.jsonnet`, which does not exist, so it is never read
    registry/teams/loop.jsonnet: error[unreadable-file]: `teams/loop.jsonnet` is a symbolic link loop (to `loop.jsonnet`), so it is never read
    registry/teams/zero.jsonnet: error[import-escape]: `teams/zero.jsonnet` links outside the registry root
    checked 7 teams, 0 projects, 0 clusters, 0 services: 7 errors
    ----- stderr -----
    ");
}

#[test]
fn library_paths_that_swallow_a_kind_or_leave_the_root_are_refused() {
    let small = crate::test::project_root().join("tests/fixtures/good/small");
    let test = Test::new();
    crate::test::copy_dir(&small, &test.path().join("registry"));
    let settings = test.path().join("registry/registry.jsonnet");
    let original = std::fs::read_to_string(&settings).unwrap();
    std::fs::write(
        &settings,
        original.replace(
            "generatedPath: 'generated',",
            "generatedPath: 'generated',\n  libraryPaths: ['lib', 'services', '.', '../shared', 'teams/sub'],",
        ),
    )
    .unwrap();
    let output = bounded(test.path(), ["check", "--format", "concise"]);
    insta::assert_snapshot!(output.report(), @"
    status: 1
    ----- stdout -----
    registry/registry.jsonnet:6:25: error[invalid-library-path]: library path `services` is the `services` directory, so it cannot hold helpers
    registry/registry.jsonnet:6:37: error[invalid-library-path]: library path `.` is the registry root itself, so it cannot hold helpers
    registry/registry.jsonnet:6:42: error[invalid-library-path]: library path `../shared` climbs outside the registry root, so it cannot hold helpers
    registry/registry.jsonnet:6:55: error[invalid-library-path]: library path `teams/sub` is inside the `teams` directory, so it cannot hold helpers
    checked 3 teams, 2 projects, 3 clusters, 5 services: 4 errors
    ----- stderr -----
    ");
    let build = bounded(test.path(), ["build"]);
    assert_eq!(build.status, 1);
    assert!(!test.path().join("generated").exists());
}

#[test]
fn a_git_tree_reads_links_as_the_working_tree_does() {
    let test = Test::registry()
        .file("registry/teams/payments.jsonnet", TEAM)
        .file(
            "registry/shared/team.libsonnet",
            "{ description: 'Risk' }\n",
        )
        .file(
            "registry/teams/risk.jsonnet",
            "(import 'alias.libsonnet') + { name: 'risk', slack: '#risk', members: [] }\n",
        );
    let root = test.path().join("registry");
    std::fs::create_dir_all(root.join("lib")).unwrap();
    link(
        "../shared/team.libsonnet",
        &root.join("lib/alias.libsonnet"),
    );
    link("loop.jsonnet", &root.join("teams/loop.jsonnet"));
    link("gone.jsonnet", &root.join("teams/dangling.jsonnet"));
    link("/etc", &root.join("clusters"));
    link("../../outside", &root.join("services"));
    commit(test.path(), "links");
    let disk = bounded(test.path(), ["check", "--format", "concise"]);
    let git = bounded(test.path(), ["diff", "--base", "HEAD"]);
    assert_eq!(disk.status, 1, "{}", disk.report());
    assert_eq!(git.status, 1, "{}", git.report());
    let problems = |text: &str| -> Vec<String> {
        text.lines()
            .filter_map(|line| line.split_once("error[").map(|(_, rest)| rest.to_owned()))
            .collect()
    };
    let on_disk = problems(&disk.stdout);
    assert_eq!(on_disk.len(), 4, "{}", disk.report());
    let (base, head) = git
        .stdout
        .split_once("the working tree has problems")
        .unwrap_or_else(|| panic!("{}", git.report()));
    assert_eq!(problems(base), on_disk, "{}", git.report());
    assert_eq!(problems(head), on_disk, "{}", git.report());
}

/// A directory nested past sixteen levels in the output directory is reported by `check` where
/// the listing stops, and nothing below it is looked into, by `check` or by `build`.
#[test]
fn directories_nested_past_the_depth_limit_are_not_looked_into() {
    let test = built();
    let generated = test.path().join("generated");
    let deepest = (0..20).fold(generated.clone(), |dir, _| dir.join("d"));
    std::fs::create_dir_all(&deepest).unwrap();
    std::fs::write(deepest.join("below.yaml"), "{}\n").unwrap();
    let cut = format!("`generated{}`", "/d".repeat(16));
    let check = bounded(test.path(), ["check", "--format", "concise"]);
    assert_eq!(check.status, 1, "{}", check.report());
    assert_eq!(count(&check.stdout, &cut), 1, "{}", check.report());
    let build = bounded(test.path(), ["build"]);
    assert_eq!(build.status, 0, "{}", build.report());
    for output in [&check, &build] {
        let report = output.report();
        assert!(!report.contains("below.yaml"), "{report}");
        assert!(
            !report.contains(&format!("{}/d", &cut[..cut.len() - 1])),
            "{report}"
        );
    }
    assert!(deepest.join("below.yaml").is_file());
}
