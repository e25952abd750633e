# The usual tasks. CI does not need `just`: `.ci/run` calls cargo directly.

# list the recipes
[group('help')]
default:
    @just --list

# type-check everything
[group('dev')]
check:
    cargo check --all-targets

# run the tests (nextest when installed)
[group('dev')]
test *ARGS:
    cargo nextest run {{ARGS}} || cargo test {{ARGS}}

# review changed snapshots
[group('dev')]
snap:
    cargo insta test --review

# formatting, clippy, and forbidden words
[group('dev')]
lint:
    cargo fmt --check
    cargo clippy --all-targets -- -D warnings
    bash .ci/forbid

# what CI runs
[group('dev')]
ci:
    bash .ci/run

# scaffold a bad-registry fixture for a diagnostic code
[group('dev')]
fixture CODE NAME:
    mkdir -p tests/fixtures/bad/{{CODE}}/{{NAME}}
    printf "{ org: 'acme', repo: 'https://github.com/acme/platform.git' }\n" > tests/fixtures/bad/{{CODE}}/{{NAME}}/registry.jsonnet

# run the tool
[group('run')]
run *ARGS:
    cargo run -- {{ARGS}}

# the benchmark: synthetic registries of growing size, release build
[group('bench')]
bench *SIZES:
    bench/run.sh {{SIZES}}

# mutation-test the modules that guard (cargo-mutants): a mutant that survives is a guard no test covers
[group('dev')]
mutants *ARGS:
    cargo mutants --test-tool nextest -f src/scan/mod.rs -f src/evaluate/resolver.rs -f src/evaluate/imports.rs -f src/outdir/mod.rs -f src/outdir/write.rs -f src/outdir/compare.rs -f src/outdir/index.rs -f src/outdir/manifest.rs -f src/store/publish.rs -f src/store/verify.rs -f src/store/fetch.rs {{ARGS}}

# fuzz TARGET (jsonnet, data or publication) for SECONDS, on the stable toolchain
[group('fuzz')]
fuzz TARGET SECONDS='600':
    mkdir -p fuzz/corpus/{{TARGET}}
    RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none {{TARGET}} fuzz/corpus/{{TARGET}} fuzz/seeds/{{TARGET}} -- -max_total_time={{SECONDS}} -timeout=10 -rss_limit_mb=4096
