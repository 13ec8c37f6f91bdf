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
#   SKIP_CRITERION=1 SKIP_CALLGRIND=1 OPEN_SIZES=1000 bash bench/planner.sh  # the API only
#   SKIP_CRITERION=1 SKIP_CALLGRIND=1 RATES="max 2000" DBS="sqlite postgres" bash bench/planner.sh
#
# The API part runs the quotes as fast as the connections go ("max"), and
# then paced at each other rate in RATES (quotes a second, spread over the
# C connections), on each database in DBS (PostgreSQL at PG_URL, where the
# script creates and drops kept_quote_bench).
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

if [ -z "${SKIP_CALLGRIND:-}" ]; then
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
fi

# ---------------------------------------------------------------------------
# A quote through the API: `POST /api/v1/promises/quote` at C connections
# against a team of 20 members on office hours holding OPEN open requests
# (raised through the API, assigned to the team at intake as the service's
# default team), on SQLite. The first quote builds the team's plan from the
# database; a plan is kept five seconds, so the run rebuilds it every five.
[ -n "${SKIP_API:-}" ] && exit 0
C=${C:-16}
QUOTES=${QUOTES:-5000}
RATES=${RATES:-max}
DBS=${DBS:-sqlite}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-18283}
BASE_URL="http://127.0.0.1:${PORT}"
cargo build -q --release -p kept-cli
cargo build -q --release --manifest-path bench/notify-driver/Cargo.toml
KEPT=target/release/kept
DRIVER=bench/notify-driver/target/release/notify-driver
SERVER_PID=
trap '[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null' EXIT
api() { # METHOD PATH [BODY]
  curl -sf -X "$1" "$BASE_URL/api/v1$2" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' ${3:+--data "$3"}
}
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

for DB in $DBS; do
for OPEN in ${OPEN_SIZES:-1000 10000}; do
  rm -f "$OUT"/quote.db*
  if [ "$DB" = postgres ]; then
    psql -q "$PG_URL/postgres" -c 'DROP DATABASE IF EXISTS kept_quote_bench' -c 'CREATE DATABASE kept_quote_bench'
    export KEPT_DATABASE_URL="$PG_URL/kept_quote_bench"
  else
    export KEPT_DATABASE_URL="sqlite://$OUT/quote.db"
  fi
  export KEPT_ADDR=127.0.0.1:$PORT KEPT_LOG_LEVEL=warn
  "$KEPT" migrate >/dev/null
  printf 'bench password 1\n' | "$KEPT" user add --email bench@example.com --name "Bench Admin" --admin >/dev/null
  TOKEN=$("$KEPT" token create --email bench@example.com | awk '{print $NF}')
  "$KEPT" serve >"$OUT/serve.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do curl -sf "$BASE_URL/healthz" >/dev/null && break; sleep 0.1; done
  me=$(api GET /me | field "['user']['id']")
  provider=$(api POST /parties '{"kind":"organisation","name":"Brightwell"}' | field "['id']")
  client=$(api POST /parties '{"kind":"organisation","name":"Harbour Retail"}' | field "['id']")
  store=$(api POST /parties "{\"kind\":\"site\",\"name\":\"Harbour Leeds\",\"parent_id\":\"$client\"}" | field "['id']")
  team=$(api POST /parties "{\"kind\":\"team\",\"name\":\"Operations\",\"parent_id\":\"$provider\"}" | field "['id']")
  calendar=$(api POST /calendars "{\"name\":\"Office\",\"owner_id\":\"$provider\",\"toml\":\"zone = \\\"Europe/London\\\"\\n[week]\\nmon = [\\\"09:00-17:30\\\"]\\ntue = [\\\"09:00-17:30\\\"]\\nwed = [\\\"09:00-17:30\\\"]\\nthu = [\\\"09:00-17:30\\\"]\\nfri = [\\\"09:00-17:30\\\"]\\n\"}" | field "['id']")
  for i in $(seq 20); do
    user=$(api POST /users "{\"email\":\"member$i@example.com\",\"name\":\"Member $i\",\"parent_id\":\"$provider\",\"password\":null}" | field "['id']")
    api PUT "/teams/$team/members/$user" "{\"calendar_id\":\"$calendar\",\"share_percent\":$((50 + i * 2))}" >/dev/null
  done
  service=$(api POST /services "{\"provider_id\":\"$provider\",\"name\":\"Reactive maintenance\",\"default_effort\":\"2h\",\"default_team_id\":\"$team\",\"default_targets\":{\"first_response\":\"8h\",\"resolution\":\"40h\"}}" | field "['id']")
  contract=$(api POST /contracts "{\"name\":\"Harbour FM\",\"provider_id\":\"$provider\",\"client_id\":\"$client\",\"customer_ids\":[\"$store\"],\"service_ids\":[\"$service\"],\"calendar_id\":\"$calendar\",\"steering_group\":[\"$me\"],\"quorum\":\"all\"}" | field "['id']")
  printf '%s' "{\"contract_id\":\"$contract\",\"customer_id\":\"$store\",\"service_id\":\"$service\",\"kind\":\"incident\",\"subject\":\"Leaking tap\"}" >"$OUT/request.json"
  # Each request is promised as it is accepted: quoted on the team's plan
  # and added to it.
  raised=$("$DRIVER" load "$BASE_URL/api/v1/requests" "$TOKEN" "$OUT/request.json" "$OPEN" "$C")
  python3 - "$DB" "$OPEN" "$C" "$raised" <<'PY'
import json, sys
db, open_, c, r = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
print(f"api intake ({db}): {open_} requests promised on the team's plan as accepted, {c} connections: "
      f"{r['rps']:.0f} requests/s, p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, statuses {r['statuses']}")
PY
  # The acknowledgements' fan-out (no mail is configured) finishes first.
  sleep 3
  printf '%s' "{\"contract_id\":\"$contract\",\"service_id\":\"$service\",\"effort\":\"3h\"}" >"$OUT/quote.json"
  # One quote first, so that the run starts with the plan built.
  api POST /promises/quote "$(cat "$OUT/quote.json")" >"$OUT/quote-answer.json"
  for RATE in $RATES; do
    if [ "$RATE" = max ]; then
      result=$("$DRIVER" load "$BASE_URL/api/v1/promises/quote" "$TOKEN" "$OUT/quote.json" "$QUOTES" "$C")
    else
      result=$("$DRIVER" load "$BASE_URL/api/v1/promises/quote" "$TOKEN" "$OUT/quote.json" "$QUOTES" "$C" "$RATE" "$OUT/done.log")
    fi
    python3 - "$DB" "$OPEN" "$C" "$RATE" "$result" "$OUT/quote-answer.json" <<'PY'
import json, sys
db, open_, c, rate, r, answer = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5]), json.load(open(sys.argv[6]))
paced = "as fast as they go" if rate == "max" else f"paced at {rate}/s"
print(f"api quote ({db}): team of 20 with {open_} open requests, {c} connections {paced}: "
      f"{r['rps']:.0f} quotes/s, p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, statuses {r['statuses']}")
PY
  done
  python3 -c "import json,sys; print('           e.g.', json.load(open(sys.argv[1]))['reason'])" "$OUT/quote-answer.json"
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
done
done
