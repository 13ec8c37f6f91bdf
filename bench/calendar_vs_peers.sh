#!/usr/bin/env bash
# Kept's business-hours arithmetic against its peers: the same due instants
# and the same elapsed business time, computed by every engine in one run,
# checked line by line against Kept's answers, with each engine's throughput.
#
# Calendar: Mon-Fri 09:00-17:00 Europe/London, closed on the England and Wales
# bank holidays 2025-2028 (bench/data/england-and-wales.ics; Kept reads the same
# calendar from bench/data/london-9-17.toml).
#
# Engines (each installed by this script from its registry, idempotently):
#   kept                  crates/calendar, the reference (always run)
#   ule-hours, workclock  crates.io, in bench/calendar-peers (a Cargo workspace of
#                         its own: not a member of Kept's, not Kept's dependencies)
#   moment-business-time  npm, with moment-timezone, in $SCRATCH
#   businesstimedelta     PyPI (with pytz)
#   business-hours        Debian libbusiness-hours-perl (Request Tracker's engine),
#                         run with TZ=Europe/London: it has no zones of its own
#
# Workloads: `add` of 0h, 4h, 8h, 40h and 400h to N starts at distinct minutes of
# 2026 (sampled without replacement, seed 2026, in random order), and `elapsed`
# over ELAPSED_N (from, to) pairs, to = from + 0..60 days (seed 2027). Every
# runner speaks the protocol in bench/calendar-peers/protocol/src/lib.rs and
# times only its compute loop; the calendar's build is reported separately.
#
# Usage:
#   bash bench/calendar_vs_peers.sh              # everything (about 20 minutes)
#   bash bench/calendar_vs_peers.sh callgrind    # instructions per add (Rust engines)
# Environment:
#   ENGINES="ule-hours workclock"  peers to run (kept always runs: it is the reference)
#   WORKLOADS="add:4h elapsed"     default "add:0h add:4h add:8h add:40h add:400h elapsed"
#   N=100000 ELAPSED_N=1000000     input sizes
#   NO_CAPS=1                      run the slow peers on the whole input (hours)
#   SCRATCH=/tmp/kept-calendar-peers  where npm installs the JavaScript peer
#   KEEP=1                         keep the work directory (inputs and answers)
#   CALLGRIND_N=10000              adds per engine in callgrind mode
#
# Caps: the interpreted peers are run on the first CAP lines of the same input
# where the whole input would take many minutes (table below, measured on the
# 2-core machine: Business::Hours does ~650 adds/s at 4h and ~60/s at 400h).
# Their per_sec is over the lines they ran, and the table says "capped from".
# Every engine does the full 100,000 adds of 4h.
#
# Exit status: non-zero if any disagreement is UNEXPLAINED or a runner failed.
# Labels are documented in bench/calendar-peers/harness.py.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
peers="$here/calendar-peers"
target="$peers/target/release"
mode=${1:-run}

N=${N:-100000}
ELAPSED_N=${ELAPSED_N:-1000000}
ENGINES=${ENGINES:-"ule-hours workclock moment-business-time businesstimedelta business-hours"}
WORKLOADS=${WORKLOADS:-"add:0h add:4h add:8h add:40h add:400h elapsed"}
NO_CAPS=${NO_CAPS:-0}
SCRATCH=${SCRATCH:-${TMPDIR:-/tmp}/kept-calendar-peers}
KEEP=${KEEP:-0}
CALLGRIND_N=${CALLGRIND_N:-10000}

export HOLIDAYS_ICS="$here/data/england-and-wales.ics"
export KEPT_CALENDAR_TOML="$here/data/london-9-17.toml"
export PEERS_NODE_DIR="$SCRATCH"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
say() { printf '%s\n' "$*" >&2; }
wants() { case " $ENGINES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# ---------------------------------------------------------------- installing

install_business_hours() {
  if ! perl -MBusiness::Hours -e 1 2>/dev/null; then
    say "installing libbusiness-hours-perl (apt)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libbusiness-hours-perl >/dev/null
  fi
}

install_businesstimedelta() {
  if ! python3 -c 'import businesstimedelta, pytz' 2>/dev/null; then
    say "installing businesstimedelta and pytz (pip)"
    python3 -m pip install -q --disable-pip-version-check -r "$peers/requirements.txt"
  fi
}

install_moment_business_time() {
  mkdir -p "$SCRATCH"
  if ! cmp -s "$peers/package.json" "$SCRATCH/package.json" \
    || [ ! -d "$SCRATCH/node_modules/moment-business-time" ] \
    || [ ! -d "$SCRATCH/node_modules/moment-timezone" ]; then
    say "installing moment, moment-timezone and moment-business-time (npm) into $SCRATCH"
    cp "$peers/package.json" "$SCRATCH/package.json"
    (cd "$SCRATCH" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}

build_rust() {
  local -a packages=(-p kept-engine)
  if wants ule-hours || wants workclock || [ "$mode" = callgrind ]; then
    packages+=(-p calendar-peers)
  fi
  say "building the Rust engines (release, lto=fat, codegen-units=1)"
  cargo build --release --quiet --manifest-path "$peers/Cargo.toml" "${packages[@]}"
}

# ---------------------------------------------------------------- running

# Sets RUNNER to the command line of engine $1.
RUNNER=()
runner() {
  case $1 in
    kept) RUNNER=("$target/kept-engine") ;;
    ule-hours) RUNNER=("$target/peer-ule-hours") ;;
    workclock) RUNNER=("$target/peer-workclock") ;;
    moment-business-time) RUNNER=(node "$peers/peer_moment_business_time.js") ;;
    businesstimedelta) RUNNER=(python3 "$peers/peer_businesstimedelta.py") ;;
    business-hours) RUNNER=(env TZ=Europe/London perl "$peers/peer_business_hours.pl") ;;
    *)
      say "unknown engine: $1"
      exit 2
      ;;
  esac
}

seconds_of() {
  case $1 in
    *h) echo $((${1%h} * 3600)) ;;
    *)
      say "a budget is written in hours, such as 4h: $1"
      exit 2
      ;;
  esac
}

# The lines an engine runs of a workload: 0 is the whole input. Measured
# rates (lines/s) are in the comments; each capped run takes 30 s to 2 min.
cap() {
  local engine=$1 workload=$2
  [ "$NO_CAPS" = 1 ] && { echo 0; return; }
  case "$engine $workload" in
    "business-hours add:0h") echo 20000 ;;          # ~225/s (machine busy)
    "business-hours add:8h") echo 20000 ;;          # ~380/s
    "business-hours add:40h") echo 10000 ;;         # ~105/s
    "business-hours add:400h") echo 2000 ;;         # ~60/s, every answer past the 30-day cap
    "business-hours elapsed") echo 50000 ;;         # ~1,200/s
    "businesstimedelta add:400h") echo 20000 ;;     # ~175/s
    "businesstimedelta elapsed") echo 20000 ;;      # ~400/s
    "moment-business-time add:400h") echo 10000 ;;  # ~110/s
    "moment-business-time elapsed") echo 20000 ;;   # ~700/s
    *) echo 0 ;;
  esac
}

run_workload() {
  local workload=$1 op budget_label="" budget input kept_out report
  local -a opargs
  case $workload in
    add:*)
      op=add
      budget_label=${workload#add:}
      budget=$(seconds_of "$budget_label")
      input="$work/starts.txt"
      ;;
    elapsed)
      op=elapsed
      input="$work/pairs.txt"
      ;;
    *)
      say "unknown workload: $workload (add:4h, add:8h, ..., elapsed)"
      exit 2
      ;;
  esac
  say "== $workload"

  kept_out="$work/kept.$workload.out"
  runner kept
  if [ "$op" = add ]; then opargs=(add "$budget" "$input" "$kept_out"); else opargs=(elapsed "$input" "$kept_out"); fi
  report=$("${RUNNER[@]}" "${opargs[@]}")
  say "$report"
  python3 "$peers/harness.py" record --engine kept --op "$op" --budget-label "$budget_label" \
    --report "$report" --results "$results"

  local engine lines in out status
  for engine in $ENGINES; do
    [ "$engine" = kept ] && continue
    lines=$(cap "$engine" "$workload")
    in=$input
    if [ "$lines" != 0 ]; then
      in="$work/$workload.first-$lines.txt"
      [ -f "$in" ] || head -n "$lines" "$input" >"$in"
    fi
    out="$work/$engine.$workload.out"
    runner "$engine"
    if [ "$op" = add ]; then opargs=(add "$budget" "$in" "$out"); else opargs=(elapsed "$in" "$out"); fi
    status=0
    report=$("${RUNNER[@]}" "${opargs[@]}" 2>"$work/$engine.$workload.err") || status=$?
    if [ "$status" != 0 ]; then
      say "$engine: runner failed (exit $status): $(tail -n 3 "$work/$engine.$workload.err")"
      python3 "$peers/harness.py" record --engine "$engine" --op "$op" --budget-label "$budget_label" \
        --results "$results" --problem "runner exited $status"
      continue
    fi
    say "$report$([ "$lines" != 0 ] && printf ' (capped: first %s lines)' "$lines")"
    if [[ $report == *unsupported* ]]; then
      python3 "$peers/harness.py" record --engine "$engine" --op "$op" --budget-label "$budget_label" \
        --results "$results" --unsupported
      continue
    fi
    python3 "$peers/harness.py" compare --op "$op" --budget-label "$budget_label" \
      --input "$in" --ours "$kept_out" --theirs "$out" --report "$report" \
      --results "$results" --capped-from "$([ "$lines" != 0 ] && wc -l <"$input" || echo 0)" >&2
  done
}

# Instructions per `add` of 4h for the three Rust engines, counted by callgrind.
# Method: --toggle-collect on the runner's `compute_add` function, which is the
# timed loop and nothing else (the input is already parsed and converted, the
# calendar built and, for Kept, its 2026-2027 index warmed), divided by the
# number of adds. As a cross-check, the whole program is also counted at
# CALLGRIND_N adds and at 1 add; (difference) / (CALLGRIND_N - 1) includes
# reading and writing each line.
callgrind_mode() {
  command -v valgrind >/dev/null || {
    say "installing valgrind (apt)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
  }
  build_rust
  python3 "$peers/harness.py" gen "$work" "$CALLGRIND_N" 0
  head -n 1 "$work/starts.txt" >"$work/one.txt"
  local engine loop whole one
  printf '%-10s %14s %26s\n' engine "instr/add" "whole program, per add" >&2
  for engine in kept ule-hours workclock; do
    runner "$engine"
    valgrind --tool=callgrind --callgrind-out-file="$work/cg.$engine.loop" \
      --toggle-collect='*compute_add*' "${RUNNER[@]}" add 14400 "$work/starts.txt" "$work/o" >/dev/null 2>"$work/cg.err" \
      || { cat "$work/cg.err" >&2; exit 1; }
    valgrind --tool=callgrind --callgrind-out-file="$work/cg.$engine.all" \
      "${RUNNER[@]}" add 14400 "$work/starts.txt" "$work/o" >/dev/null 2>>"$work/cg.err"
    valgrind --tool=callgrind --callgrind-out-file="$work/cg.$engine.one" \
      "${RUNNER[@]}" add 14400 "$work/one.txt" "$work/o" >/dev/null 2>>"$work/cg.err"
    loop=$(sed -n 's/^totals: *//p' "$work/cg.$engine.loop")
    whole=$(sed -n 's/^totals: *//p' "$work/cg.$engine.all")
    one=$(sed -n 's/^totals: *//p' "$work/cg.$engine.one")
    awk -v e="$engine" -v l="$loop" -v w="$whole" -v o="$one" -v n="$CALLGRIND_N" \
      'BEGIN { printf "%-10s %14.0f %26.0f\n", e, l / n, (w - o) / (n - 1) }'
  done
  say "($CALLGRIND_N adds of 4h each; callgrind, Ir = instructions executed)"
}

work=$(mktemp -d "${TMPDIR:-/tmp}/kept-calendar-vs-peers.XXXXXX")
if [ "$KEEP" = 1 ]; then say "work directory: $work"; else trap 'rm -rf "$work"' EXIT; fi

case $mode in
  callgrind)
    callgrind_mode
    exit 0
    ;;
  run) ;;
  *)
    say "usage: $0 [run|callgrind]"
    exit 2
    ;;
esac

for engine in $ENGINES; do runner "$engine"; done # refuses unknown names early
wants business-hours && install_business_hours
wants businesstimedelta && install_businesstimedelta
wants moment-business-time && install_moment_business_time
build_rust

say "inputs: $N starts, $ELAPSED_N pairs"
python3 "$peers/harness.py" gen "$work" "$N" "$ELAPSED_N"
results="$work/results.jsonl"
for workload in $WORKLOADS; do run_workload "$workload"; done

echo
python3 "$peers/harness.py" summary "$results"
