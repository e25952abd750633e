#!/usr/bin/env bash
# The benchmark: `registry` against the bare jrsonnet evaluator on synthetic registries.
#
#   bench/run.sh                 # 1000, 10000 and 50000 services
#   bench/run.sh 1000 10000      # the sizes given
#
# Builds the release binary, installs the `jrsonnet` command-line tool if it is missing,
# generates the registries under bench/out/ (only when missing or made by another version of
# generate.py), checks that each one is clean, then measures each command RUNS times with
# /usr/bin/time and prints a Markdown table of the medians. Exits non-zero if `registry check`
# reports any problem on a synthetic registry, or if a measured command fails.
#
# Environment: RUNS (default 3), SEED (default 42), JRSONNET (the jrsonnet binary to use),
# REGISTRY (a registry binary to measure instead of building the release one),
# CARGO_TARGET_DIR (as for cargo).
set -euo pipefail

# The registry commands measured on each registry, besides the bare evaluator, run as
# `registry --root DIR <command>`. `{scratch}` becomes a new empty directory for each run
# (removed afterwards), for commands that write.
COMMANDS=(
  "check"
  "build --out {scratch}"
  "publish --to {scratch}"
)

DEFAULT_SIZES=(1000 10000 50000)
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
cleanup() { rm -rf "$SCRATCH"; }
trap cleanup EXIT

# measure LABEL STDOUT COMMAND...: runs COMMAND under /usr/bin/time, its standard output to
# STDOUT, and appends `LABEL wall cpu rss_kib` to $SAMPLES. Fails the benchmark if COMMAND fails.
measure() {
  local label="$1" stdout="$2"
  shift 2
  if ! "$TIME" -f '%e %U %S %M' -o "$SCRATCH/time" "$@" > "$stdout" 2> "$SCRATCH/stderr"; then
    say "run.sh: \`$*\` failed:"
    [ "$stdout" = /dev/null ] || tail -n 40 "$stdout" >&2
    tail -n 40 "$SCRATCH/stderr" >&2
    exit 1
  fi
  tail -n 1 "$SCRATCH/time" | awk -v label="$label" '{ printf "%s\t%s\t%.2f\t%s\n", label, $1, $2 + $3, $4 }' >> "$SAMPLES"
}

# The median of column $1 of $SAMPLES over the rows of label $2.
sample() { awk -F'\t' -v label="$2" -v c="$1" '$1 == label { print $c }' "$SAMPLES" | median; }

# --- Registries --------------------------------------------------------------------------------

mkdir -p "$OUT"
for n in "${sizes[@]}"; do
  dir="$OUT/$n"
  expected="$(sha256sum "$BENCH/generate.py" | cut -d' ' -f1) $n $SEED"
  if [ "$(cat "$dir/.generator" 2> /dev/null)" != "$expected" ]; then
    say "==> generating $n services in bench/out/$n"
    python3 "$BENCH/generate.py" "$n" "$dir" --seed "$SEED" >&2
    rm -rf "$OUT/generated/$n" "$dir/.git"
  fi
  # `publish` reads the registry from git: each registry is a repository of one commit.
  if [ ! -d "$dir/.git" ]; then
    git -C "$dir" init -q
    git -C "$dir" add -A
    git -C "$dir" -c user.name=bench -c user.email=bench@example.com commit -q -m "$n services"
  fi
  # `check` compares the generated files with what the registry produces: write them first.
  say "==> registry build (bench/out/generated/$n)"
  "$REGISTRY" --root "$dir" --color never build > "$OUT/build-$n.log" 2>&1 || {
    tail -n 40 "$OUT/build-$n.log" >&2
    die "registry build failed on the synthetic registry of $n services"
  }
  status=0
  "$REGISTRY" --root "$dir" --color never check > "$OUT/check-$n.log" 2>&1 || status=$?
  if [ "$status" -ne 0 ] || ! tail -n 1 "$OUT/check-$n.log" | grep -q ': no problems$'; then
    tail -n 40 "$OUT/check-$n.log" >&2
    die "registry check reported problems on the synthetic registry of $n services (exit $status; bench/out/check-$n.log)"
  fi
  say "    $(tail -n 1 "$OUT/check-$n.log")"
done

# --- Measurements ------------------------------------------------------------------------------

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
rows=()
for n in "${sizes[@]}"; do
  dir="$OUT/$n"
  mkdir -p "$SCRATCH"
  SAMPLES="$SCRATCH/samples-$n"
  : > "$SAMPLES"
  labels=("jrsonnet -J lib all.libsonnet")
  for command in "${COMMANDS[@]}"; do labels+=("registry $command"); done
  for run in $(seq "$RUNS"); do
    say "==> $n services, run $run of $RUNS"
    measure "${labels[0]}" /dev/null "$JRSONNET" -J "$dir/lib" "$dir/all.libsonnet"
    for command in "${COMMANDS[@]}"; do
      scratch="$SCRATCH/out"
      rm -rf "$scratch"
      mkdir -p "$scratch"
      read -r -a words <<< "${command//\{scratch\}/$scratch}"
      measure "registry $command" "$SCRATCH/stdout" "$REGISTRY" --root "$dir" --color never "${words[@]}"
      rm -rf "$scratch"
    done
  done
  base=""
  for label in "${labels[@]}"; do
    wall="$(sample 2 "$label")"
    cpu="$(sample 3 "$label")"
    rss="$(sample 4 "$label")"
    [ -n "$base" ] || base="$wall"
    rows+=("$(awk -v n="$n" -v label="$label" -v wall="$wall" -v cpu="$cpu" -v rss="$rss" -v base="$base" \
      'BEGIN { printf "| %d | `%s` | %.2f | %.2f | %.0f | %s |", n, label, wall, cpu, rss / 1024,
               (base > 0 ? sprintf("%.2f", wall / base) : "-") }')")
  done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- Report ------------------------------------------------------------------------------------

{
  echo "registry $("$REGISTRY" --version | awk '{ print $NF }') ($(cd "$REPO" && git describe --always --dirty 2> /dev/null || echo '?')), $("$JRSONNET" --version 2>&1 | head -n 1), $(rustc --version 2> /dev/null | cut -d' ' -f1-2)"
  echo "$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); load average $load_before before, $load_after after; median of $RUNS runs"
  echo
  echo "| services | command | wall s | cpu s | peak MiB | wall / jrsonnet |"
  echo "| ---: | --- | ---: | ---: | ---: | ---: |"
  printf '%s\n' "${rows[@]}"
} | tee "$OUT/results.md"
