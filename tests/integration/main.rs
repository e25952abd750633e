//! Integration tests: the real binary on real registries, in one test binary.

mod argocd;
mod backstage;
mod build;
mod cache;
mod check;
mod codeowners;
mod completions;
mod consumers;
mod corpus;
mod diff;
mod explain;
mod graph;
mod hostile_eval;
mod hostile_outdir;
mod hostile_output;
mod hostile_trust;
mod kill;
mod linking;
mod locate;
mod monitoring;
mod new;
mod progress;
mod publish;
mod readme;
mod site;
mod stores;
mod test;
mod tools;

/// Every `.rs` file here, and in each directory module here, is a module of this binary, so no
/// test is silently left out.
#[test]
fn no_forgotten_test_files() {
    fn check(dir: &std::path::Path, parent: &str) {
        let listing = std::fs::read_to_string(dir.join(parent)).unwrap();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
            if path.is_dir() && path.join("mod.rs").is_file() {
                assert!(
                    listing.contains(&format!("mod {stem};")),
                    "{}/ is not listed in {parent}",
                    path.display()
                );
                check(&path, "mod.rs");
            } else if path.extension().is_some_and(|extension| extension == "rs")
                && path.file_name().unwrap() != parent
            {
                assert!(
                    listing.contains(&format!("mod {stem};")),
                    "{} is not listed in {parent}",
                    path.display()
                );
            }
        }
    }
    check(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/integration"),
        "main.rs",
    );
}
