//! Integration tests: the real binary on real registries, in one test binary.

mod build;
mod check;
mod consumers;
mod corpus;
mod diff;
mod publish;
mod readme;
mod stores;
mod test;

/// Every `.rs` file here is a module of this binary, so no test is silently left out.
#[test]
fn no_forgotten_test_files() {
    let main = include_str!("main.rs");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/integration");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|extension| extension == "rs") {
            let stem = path.file_stem().unwrap().to_str().unwrap();
            if stem != "main" {
                assert!(
                    main.contains(&format!("mod {stem};")),
                    "tests/integration/{stem}.rs is not listed in main.rs"
                );
            }
        }
    }
}
