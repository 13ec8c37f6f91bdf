#!/usr/bin/env bash
# The planner: re-planning after one change, incrementally and from scratch
# (the naive baseline: no peer computes this), for one team of 10,000 open
# commitments over 20 members and for a database of 100,000 over 50 teams;
# a quote on the big team. Wall time by criterion (one thread, so one
# core), then instructions by callgrind: the example `replan` runs the same
# workload with CHANGES changes and with none, and the difference divided
# by CHANGES is the cost of one change (or quote); divided again by 10,000,
# per commitment of the team.
#
#   bash bench/planner.sh
#   SKIP_CRITERION=1 CHANGES=50 bash bench/planner.sh
#
# Needs valgrind. Writes under ${BENCH_DIR:-/tmp/kept-planner}.
set -euo pipefail
cd "$(dirname "$0")/.."
CHANGES=${CHANGES:-100}
OUT=${BENCH_DIR:-/tmp/kept-planner}
mkdir -p "$OUT"

echo "# $(date -u +%FT%TZ) on $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
if [ -z "${SKIP_CRITERION:-}" ]; then
  cargo bench -q -p kept-planner --bench planner 2>/dev/null \
    | grep -E '^(one team|database)|time:' | sed 's/^ *//'
fi

cargo build -q --release -p kept-planner --example replan
BIN=target/release/examples/replan
instructions() {
  valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.out" "$BIN" "$1" "$2" \
    2>&1 | awk '/refs:/ { gsub(",", "", $NF); print $NF }'
}
base=$(instructions incremental 0)
echo "callgrind: building the team and its plan: $base instructions"
for mode in incremental naive quote; do
  total=$(instructions "$mode" "$CHANGES")
  python3 - "$mode" "$base" "$total" "$CHANGES" <<'PY'
import sys
mode, base, total, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
each = (total - base) / n
print(f"callgrind: {mode:<11} {each:>14,.0f} instructions per change, {each / 10_000:>8,.1f} per commitment of the team")
PY
done
