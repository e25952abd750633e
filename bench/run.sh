#!/usr/bin/env bash
# The benchmark: `registry` against the bare jrsonnet evaluator on synthetic registries of two
# shapes (bench/generate.py's and bench/generate_mixins.py's).
#
#   bench/run.sh                 # 1000 and 10000 services of each shape
#   bench/run.sh 1000 10000      # the sizes given
#
# Builds the release binary, installs the `jrsonnet` command-line tool if it is missing,
# generates the registries under bench/out/ (only when missing or made by another version of
# their generator), checks that each one is clean, then measures each step RUNS times with
# /usr/bin/time and prints a Markdown table of the medians, each as a ratio of jrsonnet's wall
# time in the same run. The steps, in order, each run as `registry --root DIR ...`:
#
#   check --no-cache          cold: everything evaluated, rendered and compared
#   check (empty cache)       the same, filling the cache
#   check (nothing changed)   from the cache
#   check (one edit)          one service's description changed, then
#   diff --base HEAD          that change against the committed registry
#   build --out {scratch}     a full write into an empty directory
#
# then the edit is undone. Exits non-zero if `registry check` reports any problem on a
# synthetic registry, or if a measured command fails.
#
# Environment: RUNS (default 3), SEED (default 42), SHAPES (default "generate generate_mixins"),
# JRSONNET (the jrsonnet binary to use), REGISTRY (a registry binary to measure instead of
# building the release one), CARGO_TARGET_DIR (as for cargo).
set -euo pipefail

DEFAULT_SIZES=(1000 10000)
read -r -a SHAPES <<< "${SHAPES:-generate generate_mixins}"
RUNS="${RUNS:-3}"
SEED="${SEED:-42}"

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH/.." && pwd)"
OUT="$BENCH/out"
TIME=/usr/bin/time

say() { printf '%s\n' "$*" >&2; }
die() { say "run.sh: $*"; exit 1; }

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=("${DEFAULT_SIZES[@]}")
for n in "${sizes[@]}"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "a size is a positive number of services, not \`$n\`"
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number"

# --- Tools -------------------------------------------------------------------------------------

if [ ! -x "$TIME" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    say "==> installing GNU time"
    apt-get update -qq > /dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time > /dev/null
  fi
  [ -x "$TIME" ] || die "$TIME is missing: install GNU time (Debian: apt-get install time)"
fi
command -v python3 > /dev/null || die "python3 is missing"
command -v git > /dev/null || die "git is missing"

if [ -z "${REGISTRY:-}" ]; then
  say "==> cargo build --release --locked"
  (cd "$REPO" && cargo build --release --locked)
  TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
  case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$REPO/$TARGET_DIR" ;; esac
  REGISTRY="$TARGET_DIR/release/registry"
fi
[ -x "$REGISTRY" ] || die "no registry binary at $REGISTRY"

# jrsonnet: the version embedded in `registry` (from Cargo.lock), so both evaluate with the
# same engine; if that does not install, whatever `cargo install` picks.
if [ -z "${JRSONNET:-}" ]; then
  export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
  if ! command -v jrsonnet > /dev/null; then
    version="$(awk -F'"' '/^name = "jrsonnet-evaluator"$/ { getline; print $2; exit }' "$REPO/Cargo.lock")"
    say "==> cargo install --locked jrsonnet ${version:+--version $version}"
    if ! { [ -n "$version" ] && cargo install --locked jrsonnet --version "$version"; }; then
      cargo install --locked jrsonnet || die "could not install jrsonnet; set JRSONNET to a jrsonnet binary"
    fi
  fi
  JRSONNET="$(command -v jrsonnet)"
fi
[ -x "$JRSONNET" ] || die "no jrsonnet binary at $JRSONNET"

# --- Helpers -----------------------------------------------------------------------------------

# The median of the numbers on stdin (the lower middle one for an even count).
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

SCRATCH="$OUT/.scratch"
# The service file edited for "one edit", put back however the run ends.
edited=""
cleanup() {
  if [ -n "$edited" ] && [ -f "$SCRATCH/original.jsonnet" ]; then cp "$SCRATCH/original.jsonnet" "$edited"; fi
  rm -rf "$SCRATCH"
}
trap cleanup EXIT

# measure LABEL STDOUT [--status N] COMMAND...: runs COMMAND under /usr/bin/time, its standard
# output to STDOUT, and appends `LABEL wall cpu rss_kib` to $SAMPLES. Fails the benchmark unless
# COMMAND exits N (default 0).
measure() {
  local label="$1" stdout="$2" want=0 status=0
  shift 2
  if [ "$1" = --status ]; then want="$2"; shift 2; fi
  "$TIME" -f '%e %U %S %M' -o "$SCRATCH/time" "$@" > "$stdout" 2> "$SCRATCH/stderr" || status=$?
  if [ "$status" -ne "$want" ]; then
    say "run.sh: \`$*\` exited $status, not $want:"
    [ "$stdout" = /dev/null ] || tail -n 40 "$stdout" >&2
    tail -n 40 "$SCRATCH/stderr" >&2
    exit 1
  fi
  tail -n 1 "$SCRATCH/time" | awk -v label="$label" '{ printf "%s\t%s\t%.2f\t%s\n", label, $1, $2 + $3, $4 }' >> "$SAMPLES"
}

# The median of column $1 of $SAMPLES over the rows of label $2.
sample() { awk -F'\t' -v label="$2" -v c="$1" '$1 == label { print $c }' "$SAMPLES" | median; }

# --- Registries --------------------------------------------------------------------------------

# The repository holding the registry of shape $1 with $2 services: bench/out/<shape>-<n>, the
# registry root at its `registry/` and the output directory at its `generated/registry`, so
# that both are inside the repository as `registry` requires.
registry_dir() { echo "$OUT/$1-$2"; }

mkdir -p "$OUT"
for shape in "${SHAPES[@]}"; do
  [ -f "$BENCH/$shape.py" ] || die "no generator bench/$shape.py"
  for n in "${sizes[@]}"; do
    dir="$(registry_dir "$shape" "$n")"
    expected="$(sha256sum "$BENCH/$shape.py" | cut -d' ' -f1) $n $SEED"
    if [ "$(cat "$dir/registry/.generator" 2> /dev/null)" != "$expected" ]; then
      say "==> generating $n services of shape $shape in ${dir#"$REPO/"}"
      rm -rf "$dir"
      python3 "$BENCH/$shape.py" "$n" "$dir/registry" --seed "$SEED" >&2
    fi
    # `publish` and `diff` read the registry from git: each registry is a repository of one
    # commit.
    if [ ! -d "$dir/.git" ]; then
      git -C "$dir" init -q
      git -C "$dir" add -A
      git -C "$dir" -c user.name=bench -c user.email=bench@example.com commit -q -m "$n services"
    fi
    # `check` compares the generated files with what the registry produces: write them first.
    say "==> registry build ($(basename "$dir"))"
    "$REGISTRY" --root "$dir/registry" --color never --no-cache build > "$OUT/build.log" 2>&1 || {
      tail -n 40 "$OUT/build.log" >&2
      die "registry build failed on the synthetic registry $(basename "$dir")"
    }
    status=0
    "$REGISTRY" --root "$dir/registry" --color never --no-cache check > "$OUT/check.log" 2>&1 || status=$?
    if [ "$status" -ne 0 ] || ! tail -n 1 "$OUT/check.log" | grep -q ': no problems$'; then
      tail -n 40 "$OUT/check.log" >&2
      die "registry check reported problems on the synthetic registry $(basename "$dir") (exit $status)"
    fi
    say "    $(tail -n 1 "$OUT/check.log")"
  done
done

# --- Measurements ------------------------------------------------------------------------------

# The service file edited for "one edit": the last in path order.
edited_file() { find "$1/services" -name '*.jsonnet' | LC_ALL=C sort | tail -n 1; }

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
rows=()
mkdir -p "$SCRATCH"
export XDG_CACHE_HOME="$SCRATCH/xdg"
for shape in "${SHAPES[@]}"; do
  for n in "${sizes[@]}"; do
    dir="$(registry_dir "$shape" "$n")"
    SAMPLES="$SCRATCH/samples-$shape-$n"
    : > "$SAMPLES"
    file="$(edited_file "$dir/registry")"
    cp "$file" "$SCRATCH/original.jsonnet"
    edited="$file"
    labels=(
      "jrsonnet -J lib all.libsonnet"
      "check --no-cache"
      "check, empty cache"
      "check, nothing changed"
      "check, one service edited"
      "diff --base HEAD, one service edited"
      "build --out EMPTY"
    )
    for run in $(seq "$RUNS"); do
      say "==> $shape, $n services, run $run of $RUNS"
      export REGISTRY_CACHE_DIR="$SCRATCH/cache"
      rm -rf "$REGISTRY_CACHE_DIR"
      r=("$REGISTRY" --root "$dir/registry" --color never)
      measure "${labels[0]}" /dev/null "$JRSONNET" -J "$dir/registry/lib" "$dir/registry/all.libsonnet"
      measure "${labels[1]}" "$SCRATCH/stdout" "${r[@]}" --no-cache check
      measure "${labels[2]}" "$SCRATCH/stdout" "${r[@]}" check
      measure "${labels[3]}" "$SCRATCH/stdout" "${r[@]}" check
      printf '\n+ { description: "edited in run %s" }\n' "$run" >> "$file"
      # The edit makes generated files stale: `check` reports them (exit 1), as it should.
      measure "${labels[4]}" "$SCRATCH/stdout" --status 1 "${r[@]}" check
      measure "${labels[5]}" "$SCRATCH/stdout" "${r[@]}" diff --base HEAD
      cp "$SCRATCH/original.jsonnet" "$file"
      rm -rf "$SCRATCH/out"
      measure "${labels[6]}" /dev/null "${r[@]}" --no-cache build --out "$SCRATCH/out"
      rm -rf "$SCRATCH/out"
    done
    edited=""
    base="$(sample 2 "${labels[0]}")"
    for label in "${labels[@]}"; do
      wall="$(sample 2 "$label")"
      cpu="$(sample 3 "$label")"
      rss="$(sample 4 "$label")"
      rows+=("$(awk -v shape="$shape" -v n="$n" -v label="$label" -v wall="$wall" -v cpu="$cpu" -v rss="$rss" -v base="$base" \
        'BEGIN { printf "| %s | %d | `%s` | %.2f | %.2f | %.0f | %s |", shape, n, label, wall, cpu, rss / 1024,
                 (base > 0 ? sprintf("%.2f", wall / base) : "-") }')")
    done
  done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- Report ------------------------------------------------------------------------------------

{
  echo "registry $("$REGISTRY" --version | awk '{ print $NF }') ($(cd "$REPO" && git describe --always --dirty 2> /dev/null || echo '?')), $("$JRSONNET" --version 2>&1 | head -n 1), $(rustc --version 2> /dev/null | cut -d' ' -f1-2)"
  echo "$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); load average $load_before before, $load_after after; median of $RUNS runs"
  echo
  echo "| shape | services | step | wall s | cpu s | peak MiB | wall / jrsonnet |"
  echo "| --- | ---: | --- | ---: | ---: | ---: | ---: |"
  printf '%s\n' "${rows[@]}"
} | tee "$OUT/results.md"
