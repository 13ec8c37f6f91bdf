#!/usr/bin/env bash
# Request intake throughput: `POST /api/v1/requests` on a database already
# holding 100,000 requests, at 16 concurrent connections, on SQLite
# (synchronous NORMAL and FULL) and PostgreSQL; beside it, the storage floor
# (the same rows inserted by bench/ingest-floor, one transaction per
# request, on the same database and settings) and our ratio to it. Then the
# read workload: pages of the queue (`GET /api/v1/requests`) in each order
# and with each status filter, at the same 16 connections, on the database
# the preload, the measured requests and the floor left (the floor's rows
# included: a page of them that does not answer 200 fails the run).
#
#   bash bench/ingest.sh                      # everything
#   BACKENDS="sqlite" N=20000 bash bench/ingest.sh
#   BACKENDS=sqlite PRELOAD=1000000 N=0 BEFORE=/tmp/old/kept bash bench/ingest.sh
#
# Knobs: N (measured requests, default 20000; 0 skips the intake and the
# floor), PRELOAD (100000), C (16), BACKENDS ("sqlite sqlite-full postgres"),
# PG_URL (a server where the script may create and drop the database
# kept_ingest_bench), PORT (18181), READ_SECS (seconds per read query, 10;
# 0 skips the reads), KEPT_BIN (a `kept` binary to run instead of building
# this checkout's). BEFORE names an older `kept` binary: it then sets up
# and preloads the database and runs the read workload first, the current
# `kept` migrates that same database (timed) and runs it again, and the
# summary gives each query's latency before and after.
# RT=1 also runs the peer, Request Tracker 5 creating RT_N (2000) tickets
# through REST 2 at the same concurrency with its SLA on and mail off
# (../shared/peers/rt5, as root; its set-up takes about ten minutes).
# ORDERS_N (5000; 0 skips) runs the order workload after the reads: orders
# of 10 boxes by C café sites, each with a year of weekly orders of its own
# (imported with `kept import orders`), one site's order after another's
# (oha -Z), ORDERS_N in all at C connections, against a service
# with the quantity check on and one with it off, alternating ORDER_ROUNDS
# (5) rounds each; it prints each mode's median round and the median of the
# rounds' on/off ratios (goal: the check costs no more than 15%). Rounds
# alternate which mode runs first. ORDER_AA=1 runs "on" with the check off
# too, for the noise floor of the ratio.
# Installs oha (cargo install oha --locked) when missing. Writes under
# ${BENCH_DIR:-/tmp/kept-ingest}; prints one summary line per backend, and
# one per read query.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${N:-20000}
PRELOAD=${PRELOAD:-100000}
C=${C:-16}
BACKENDS=${BACKENDS:-"sqlite sqlite-full postgres"}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-18181}
READ_SECS=${READ_SECS:-10}
ORDERS_N=${ORDERS_N:-5000}
ORDER_ROUNDS=${ORDER_ROUNDS:-5}
BEFORE=${BEFORE:-}
W=${BENCH_DIR:-/tmp/kept-ingest}
BASE="http://127.0.0.1:${PORT}"
mkdir -p "$W"

log() { printf '== %s\n' "$*" >&2; }

command -v oha >/dev/null || { log "installing oha"; cargo install oha --locked >&2; }
export PATH="$HOME/.cargo/bin:$PATH"
log "building kept and the storage floor (release)"
[ -n "${KEPT_BIN:-}" ] || cargo build --release -p kept-cli >&2
[ "$N" = 0 ] || cargo build --release --manifest-path bench/ingest-floor/Cargo.toml >&2
KEPT=${KEPT_BIN:-$ROOT/target/release/kept}
FLOOR=$ROOT/bench/ingest-floor/target/release/ingest-floor
FIRST=${BEFORE:-$KEPT}

SERVER_PID=
stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=
}
trap stop_server EXIT

serve() { # BINARY LOG
    "$1" serve >"$2" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done
}

# The queue pages the read workload asks for: a label and a query string.
READS=(
    "urgency|"
    "urgency, page 2|CURSOR"
    "urgency, status=new|status=new"
    "urgency, status=open|status=open"
    "urgency, sla=breached|sla=breached"
    "newest|order=newest"
    "newest, status=new|order=newest&status=new"
    "newest, status=open|order=newest&status=open"
)

read_workload() { # BACKEND LABEL: each queue page for READ_SECS at C connections
    local backend=$1 label=$2 n=0 entry name query cursor
    cursor=$(api GET "/requests?limit=50" | field "['next_cursor']")
    for entry in "${READS[@]}"; do
        name=${entry%%|*}; query=${entry#*|}
        [ "$query" = CURSOR ] && query="cursor=$cursor"
        log "$backend ($label): GET /api/v1/requests?$query for ${READ_SECS}s at $C connections"
        # Requests still running at the deadline are waited for, so a slow
        # page still counts (at least C of them).
        oha --no-tui --output-format json -z "${READ_SECS}s" -w -c "$C" -H "Authorization: Bearer $TOKEN" \
            "$BASE/api/v1/requests?$query" >"$W/read-$backend-$label-$n.json"
        printf '%s\n' "$name" >"$W/read-$backend-$label-$n.name"
        n=$((n + 1))
    done
}

api() { # METHOD PATH [BODY]
    curl -sf -X "$1" "$BASE/api/v1$2" -H "Authorization: Bearer $TOKEN" \
        -H 'Content-Type: application/json' ${3:+--data "$3"}
}
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

run_backend() { # sqlite | sqlite-full | postgres
    local backend=$1 url sync=normal floor_mode=
    case $backend in
        sqlite) url="sqlite://$W/ingest.db" ;;
        sqlite-full) url="sqlite://$W/ingest.db"; sync=full; floor_mode=full ;;
        postgres)
            psql "$PG_URL/postgres" -qc 'DROP DATABASE IF EXISTS kept_ingest_bench' >/dev/null
            psql "$PG_URL/postgres" -qc 'CREATE DATABASE kept_ingest_bench' >/dev/null
            url="$PG_URL/kept_ingest_bench" ;;
    esac
    rm -f "$W"/ingest.db "$W"/ingest.db-wal "$W"/ingest.db-shm "$W"/read-"$backend"-*
    export KEPT_DATABASE_URL=$url KEPT_SQLITE_SYNCHRONOUS=$sync KEPT_LOG_LEVEL=warn
    export KEPT_ADDR=127.0.0.1:$PORT
    "$FIRST" migrate >/dev/null
    printf 'bench password 1\n' | "$FIRST" user add --email bench@example.com --name "Bench Admin" --admin >/dev/null
    TOKEN=$("$FIRST" token create --email bench@example.com | awk '{print $NF}')
    serve "$FIRST" "$W/serve-$backend.log"

    # The FM contract of DESIGN.md: a provider, a client with a store, a
    # service, a contract and terms in force (4 h first response, 16 h
    # resolution at normal priority).
    local me provider client store service contract
    me=$(api GET /me | field "['user']['id']")
    provider=$(api POST /parties '{"kind":"organisation","name":"Brightwell"}' | field "['id']")
    client=$(api POST /parties '{"kind":"organisation","name":"Harbour Retail"}' | field "['id']")
    store=$(api POST /parties "{\"kind\":\"site\",\"name\":\"Harbour Leeds\",\"parent_id\":\"$client\"}" | field "['id']")
    service=$(api POST /services "{\"provider_id\":\"$provider\",\"name\":\"Reactive maintenance\",\"default_effort\":\"2h\",\"default_targets\":{\"first_response\":\"8h\",\"resolution\":\"40h\"}}" | field "['id']")
    contract=$(api POST /contracts "{\"name\":\"Harbour FM\",\"provider_id\":\"$provider\",\"client_id\":\"$client\",\"customer_ids\":[\"$store\"],\"service_ids\":[\"$service\"],\"steering_group\":[\"$me\"],\"quorum\":\"all\"}" | field "['id']")
    api POST "/contracts/$contract/terms/versions" "{\"effective_from\":\"2026-01-01T00:00:00Z\",\"terms\":{\"sla\":[{\"service_id\":\"$service\",\"priority\":\"normal\",\"first_response\":\"4h\",\"resolution\":\"16h\"}]}}" >/dev/null
    local body="{\"contract_id\":\"$contract\",\"customer_id\":\"$store\",\"service_id\":\"$service\",\"kind\":\"incident\",\"subject\":\"Leaking tap in the staff toilet\",\"description\":\"Water on the floor by the afternoon.\"}"

    log "$backend: preloading $PRELOAD requests"
    oha --no-tui -n "$PRELOAD" -c "$C" -m POST -H "Authorization: Bearer $TOKEN" \
        -H 'Content-Type: application/json' -d "$body" "$BASE/api/v1/requests" >"$W/preload-$backend.txt"
    if [ -n "$BEFORE" ]; then
        [ "$READ_SECS" = 0 ] || read_workload "$backend" before
        stop_server
        log "$backend: migrating the database to this version"
        local t0 t1
        t0=$(date +%s.%N)
        "$KEPT" migrate >/dev/null
        t1=$(date +%s.%N)
        python3 -c "print(f'$backend: migration to this version took {$t1 - $t0:.1f} s')" | tee "$W/migrate-$backend.txt" >&2
        serve "$KEPT" "$W/serve-$backend-after.log"
    fi
    if [ "$N" -gt 0 ]; then
        log "$backend: measuring $N requests at $C connections"
        oha --no-tui --output-format json -n "$N" -c "$C" -m POST -H "Authorization: Bearer $TOKEN" \
            -H 'Content-Type: application/json' -d "$body" "$BASE/api/v1/requests" >"$W/run-$backend.json"
        local peak_kb
        peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status")
        stop_server

        log "$backend: storage floor, $N requests"
        local floor_url=$url
        [ "$backend" = postgres ] || floor_url="sqlite://$W/ingest.db"
        "$FLOOR" "$floor_url" "$N" "$C" "$contract" "$store" "$me" "$service" $floor_mode >"$W/floor-$backend.txt"

        python3 - "$backend" "$W/run-$backend.json" "$W/floor-$backend.txt" "$peak_kb" <<'PY'
import json, re, sys
backend, run, floor, peak_kb = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
r = json.load(open(run))
summary, pct = r["summary"], r["latencyPercentiles"]
rps = summary["requestsPerSec"]
codes = r.get("statusCodeDistribution", {})
floor_rps = float(re.search(r"= (\d+) requests/s", open(floor).read()).group(1))
print(f"{backend:12} {rps:8.0f} req/s  p50 {pct['p50']*1000:6.2f} ms  p99 {pct['p99']*1000:6.2f} ms  "
      f"peak RSS {peak_kb/1024:5.1f} MB  floor {floor_rps:8.0f} req/s  ratio {rps/floor_rps:5.1%}  "
      f"status {codes}")
PY
        serve "$KEPT" "$W/serve-$backend-reads.log"
    fi
    [ "$READ_SECS" = 0 ] || read_workload "$backend" after
    [ "$ORDERS_N" = 0 ] || order_workload "$backend"
    stop_server
    [ "$READ_SECS" = 0 ] || read_summary "$backend"
}

# The CPU time, in seconds, so far: of `kept serve`, of the whole machine
# (every core busy), and of this script's finished children (oha), so a
# run's CPU per order can be told apart from its load generator's.
cpu_now() {
    local hz
    hz=$(getconf CLK_TCK)
    printf '%s %s %s' \
        "$(awk -v hz="$hz" '{ print ($14 + $15) / hz }' "/proc/$SERVER_PID/stat")" \
        "$(awk -v hz="$hz" '/^cpu / { print ($2 + $3 + $4 + $7 + $8 + $9) / hz }' /proc/stat)" \
        "$(times | awk 'NR == 2 { n = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); n += a[1] * 60 + a[2] } print n }')"
}

order_workload() { # BACKEND: order intake with the quantity check on and off
    local backend=$1 me provider cafe on off contract round mode site sites=()
    me=$(api GET /me | field "['user']['id']")
    provider=$(api POST /parties '{"kind":"organisation","name":"Crate & Co"}' | field "['id']")
    cafe=$(api POST /parties '{"kind":"organisation","name":"Corner Cafe"}' | field "['id']")
    # As many sites as connections, each with a history of its own, so that
    # no read of one order serves another's.
    for i in $(seq "$C"); do
        sites+=("$(api POST /parties "{\"kind\":\"site\",\"name\":\"Corner Cafe $i\",\"parent_id\":\"$cafe\"}" | field "['id']")")
    done
    local goods='"unit":"box","pack_size":100,"default_targets":{"first_response":"2h","delivery":"24h"}'
    on=$(api POST /services "{\"provider_id\":\"$provider\",\"name\":\"Boxed goods\",$goods,\"ordering\":{\"max_quantity\":5000}}" | field "['id']")
    off=$(api POST /services "{\"provider_id\":\"$provider\",\"name\":\"Boxed goods, unchecked\",$goods,\"ordering\":{\"max_quantity\":5000,\"check\":{\"enabled\":false}}}" | field "['id']")
    local customers
    customers=$(printf '"%s",' "${sites[@]}")
    contract=$(api POST /contracts "{\"name\":\"Cafe supplies\",\"provider_id\":\"$provider\",\"client_id\":\"$cafe\",\"customer_ids\":[${customers%,}],\"service_ids\":[\"$on\",\"$off\"],\"steering_group\":[\"$me\"],\"quorum\":\"all\"}" | field "['id']")
    python3 - "$on" "$off" "${sites[@]}" >"$W/orders-$backend.csv" <<'PY'
import datetime, sys
on, off, sites = sys.argv[1], sys.argv[2], sys.argv[3:]
print("customer,service,quantity,ordered_at")
today = datetime.date.today()
for site in sites:
    for service in (on, off):
        for week in range(1, 53):
            print(f"{site},{service},{8 + week % 5},{today - datetime.timedelta(weeks=week)}")
PY
    "$KEPT" import orders "$W/orders-$backend.csv" >&2
    for mode in off on; do
        local service=$off
        # ORDER_AA=1 runs both modes with the check off: the noise floor.
        [ "$mode" = on ] && [ "${ORDER_AA:-0}" != 1 ] && service=$on
        for site in "${sites[@]}"; do
            printf '{"contract_id":"%s","customer_id":"%s","service_id":"%s","kind":"order","subject":"Weekly boxes","lines":[{"quantity":10}]}\n' \
                "$contract" "$site" "$service"
        done >"$W/orders-$backend-$mode.bodies"
    done
    # Rounds alternate which mode goes first (off-on, on-off, ...): the
    # database grows and the WAL fills through a round, so the mode always
    # run second would always run on the larger one.
    for round in $(seq "$ORDER_ROUNDS"); do
        local modes="off on"
        [ $((round % 2)) = 0 ] && modes="on off"
        for mode in $modes; do
            log "$backend: $ORDERS_N orders by $C sites with the quantity check $mode (round $round)"
            local before
            before="$(cpu_now)"
            oha --no-tui --output-format json -n "$ORDERS_N" -c "$C" -m POST -H "Authorization: Bearer $TOKEN" \
                -H 'Content-Type: application/json' -Z "$W/orders-$backend-$mode.bodies" \
                "$BASE/api/v1/requests" >"$W/orders-$backend-$mode-$round.json"
            echo "$before $(cpu_now)" >"$W/orders-$backend-$mode-$round.cpu"
        done
    done
    python3 - "$W" "$backend" "$ORDER_ROUNDS" <<'PY'
import json, statistics, sys
w, backend, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
def run(name, r):
    return json.load(open(f"{w}/orders-{backend}-{name}-{r}.json"))
def cpu(name, r, orders):
    # µs per order: kept serve's CPU, and the machine's less oha's.
    b = [float(v) for v in open(f"{w}/orders-{backend}-{name}-{r}.cpu").read().split()]
    kept, busy, oha = b[3] - b[0], b[4] - b[1], b[5] - b[2]
    return kept / orders * 1e6, (busy - oha) / orders * 1e6
codes = {}
rates = {"off": [], "on": []}
p99s = {"off": [], "on": []}
kept_us = {"off": [], "on": []}
rest_us = {"off": [], "on": []}
for r in range(1, rounds + 1):
    for name in ("off", "on"):
        x = run(name, r)
        for k, v in x.get("statusCodeDistribution", {}).items():
            codes[k] = codes.get(k, 0) + v
        rates[name].append(x["summary"]["requestsPerSec"])
        p99s[name].append(x["latencyPercentiles"]["p99"] * 1000)
        k_us, r_us = cpu(name, r, sum(x.get("statusCodeDistribution", {}).values()))
        kept_us[name].append(k_us)
        rest_us[name].append(r_us)
# Each round's "on" beside its "off", run just before or just after it:
# the machine's drift between rounds cancels out of the ratio.
ratios = [on / off for off, on in zip(rates["off"], rates["on"])]
med = statistics.median
print(f"{backend:12} orders, check off {med(rates['off']):7.0f} req/s p99 {med(p99s['off']):6.2f} ms | "
      f"check on {med(rates['on']):7.0f} req/s p99 {med(p99s['on']):6.2f} ms | "
      f"on/off {med(ratios):6.1%} (rounds {', '.join(f'{x:.0%}' for x in ratios)})  status {codes}")
print(f"{backend:12} orders, CPU per order: kept serve {med(kept_us['off']):5.0f} µs off, {med(kept_us['on']):5.0f} µs on; "
      f"the machine less oha {med(rest_us['off']):5.0f} µs off, {med(rest_us['on']):5.0f} µs on")
if set(codes) != {"201"}:
    sys.exit(f"{backend}: an order did not answer 201")
PY
}

read_summary() { # BACKEND: one line per query; fails if any page did not answer 200
    python3 - "$W" "$1" <<'PY'
import glob, json, os, sys
w, backend = sys.argv[1], sys.argv[2]
def runs(label):
    out = {}
    for path in sorted(glob.glob(f"{w}/read-{backend}-{label}-*.json")):
        name = open(path[:-5] + ".name").read().strip()
        out[name] = json.load(open(path))
    return out
before, after = runs("before"), runs("after")
bad = False
for name, r in after.items():
    pct, codes = r["latencyPercentiles"], r.get("statusCodeDistribution", {})
    line = (f"{backend:12} {name:24} {r['summary']['requestsPerSec']:8.0f} req/s  "
            f"p50 {pct['p50']*1000:8.2f} ms  p99 {pct['p99']*1000:8.2f} ms  status {codes}")
    if name in before:
        b = before[name]["latencyPercentiles"]
        bcodes = before[name].get("statusCodeDistribution", {})
        line += (f"  | before p50 {b['p50']*1000:8.2f} ms  p99 {b['p99']*1000:8.2f} ms  "
                 f"({b['p50']/pct['p50']:.1f}x, {b['p99']/pct['p99']:.1f}x)  status {bcodes}")
    print(line)
    bad |= set(codes) - {"200"} != set()
if bad:
    print(f"{backend}: a queue page did not answer 200", file=sys.stderr)
    sys.exit(1)
PY
}

for backend in $BACKENDS; do
    run_backend "$backend"
done

if [ "${RT:-0}" = 1 ]; then
    peer=$ROOT/../shared/peers/rt5/setup_and_bench.sh
    [ -f "$peer" ] || { log "no RT peer at $peer"; exit 1; }
    log "Request Tracker 5: ${RT_N:-2000} tickets at $C connections (no mail, SLA on)"
    # RT refuses a cookie-authenticated REST 2 POST without the Origin a
    # browser sends; bench/rt5/sitecustomize.py adds it to the peer's client.
    RT_PEER_DIR=$W/rt-peer FRESH=${RT_FRESH:-0} N=${RT_N:-2000} C=$C RUNS=nomail \
        PYTHONPATH=$ROOT/bench/rt5 RT_ORIGIN=http://127.0.0.1:18080 \
        bash "$peer" >"$W/rt-peer.log" 2>&1
    grep -A2 "create run 'nomail'" "$W/rt-peer.log" | sed -n 2,3p
fi
