#!/usr/bin/env bash
# Notifications against intake: `POST /api/v1/requests` at 16 connections
# with notifications off, their row alone, held and on, in the same run,
# alternating; and the rate at which the acknowledgements (one per request,
# to its requester) reach an SMTP sink on loopback.
#
#   off   the commit before notifications ($BASELINE, 65ca48c): no outbox
#         row at all. The honest "without them": the current binary always
#         writes the outbox row in the request's transaction, whatever the
#         mail settings.
#   row   this commit with its delivery job idle (it looks once, at start):
#         the outbox row written in the request's transaction, and nothing
#         else. The cost of the row alone.
#   held  this commit with no SMTP server and mail_keep off: the outbox row
#         is written and fanned out into a delivery row, which waits.
#   on    this commit sending through the sink (plain SMTP on loopback,
#         bench/notify-driver): written, fanned out and delivered while the
#         intake runs.
#   paced as on, but the requests come at a steady RATE (1000/s, far above
#         any desk's) instead of as fast as the server answers: whether
#         delivery keeps up, as the lag of the k-th acknowledgement behind
#         the k-th answered request.
#
#   bash bench/notify.sh                          # sqlite and postgres, 3 rounds
#   BACKENDS=sqlite RUNS=1 N=5000 bash bench/notify.sh
#
# Knobs: N (requests per run, 20000), C (16), RUNS (rounds of the five
# modes, 3), RATE (the paced run's requests per second, 1000), BACKENDS ("sqlite postgres"), DRAIN_SECS (how long to wait
# after the intake for the acknowledgements, 60), PG_URL (a server where the
# script may create and drop kept_notify_bench), PORT (18282), SINK_PORT
# (2526), BASELINE (65ca48c), KEPT and BASE (binaries to use instead of
# building this checkout and the baseline). Needs curl, python3, sqlite3
# and psql. Writes under ${BENCH_DIR:-/tmp/kept-notify}; prints a line per
# run (intake; for held and on, the events fanned out; for on, the mail the
# sink got) and a summary per backend.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${N:-20000}
C=${C:-16}
RUNS=${RUNS:-3}
RATE=${RATE:-1000}
BACKENDS=${BACKENDS:-"sqlite postgres"}
DRAIN_SECS=${DRAIN_SECS:-60}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-18282}
SINK_PORT=${SINK_PORT:-2526}
BASELINE=${BASELINE:-65ca48c}
W=${BENCH_DIR:-/tmp/kept-notify}
BASE_URL="http://127.0.0.1:${PORT}"
mkdir -p "$W"

log() { printf '== %s\n' "$*" >&2; }

log "building the driver (release)"
cargo build --release --manifest-path bench/notify-driver/Cargo.toml >&2
DRIVER=$ROOT/bench/notify-driver/target/release/notify-driver
# Kept's own crates, cleaned before each build: the baseline shares this
# checkout's target directory (the dependencies are compiled once), and
# cargo would otherwise take one checkout's crates for the other's.
OWN=(-p kept-calendar -p kept-domain -p kept-store -p kept-app -p kept-server -p kept-cli)
if [ -z "${BASE:-}" ]; then
    if [ ! -f "$W/baseline-src/Cargo.toml" ]; then
        mkdir -p "$W/baseline-src"
        git archive "$BASELINE" | tar -x -C "$W/baseline-src"
    fi
    log "building kept at $BASELINE (release)"
    cargo clean --release "${OWN[@]}" >&2
    cargo build --release -p kept-cli --manifest-path "$W/baseline-src/Cargo.toml" \
        --target-dir "$ROOT/target" >&2
    cp "$ROOT/target/release/kept" "$W/kept-baseline"
    BASE=$W/kept-baseline
fi
if [ -z "${KEPT:-}" ]; then
    log "building kept (release)"
    cargo clean --release "${OWN[@]}" >&2
    cargo build --release -p kept-cli >&2
    KEPT=$ROOT/target/release/kept
fi

SERVER_PID=
SINK_PID=
stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID"
        # A server with mail still to send finishes its delivery pass before
        # it stops (the backlog, however long); the rows wait in the
        # database, so it is killed after a moment.
        for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=
}
stop_sink() {
    if [ -n "$SINK_PID" ]; then
        kill "$SINK_PID" 2>/dev/null || true
        wait "$SINK_PID" 2>/dev/null || true
    fi
    SINK_PID=
}
trap 'stop_server; stop_sink' EXIT

api() { # METHOD PATH [BODY]
    curl -sf -X "$1" "$BASE_URL/api/v1$2" -H "Authorization: Bearer $TOKEN" \
        -H 'Content-Type: application/json' ${3:+--data "$3"}
}
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

fresh_database() { # BACKEND: sets URL
    case $1 in
        sqlite)
            rm -f "$W"/notify.db "$W"/notify.db-wal "$W"/notify.db-shm
            URL="sqlite://$W/notify.db" ;;
        postgres)
            psql "$PG_URL/postgres" -qc 'DROP DATABASE IF EXISTS kept_notify_bench' >/dev/null
            psql "$PG_URL/postgres" -qc 'CREATE DATABASE kept_notify_bench' >/dev/null
            URL="$PG_URL/kept_notify_bench" ;;
    esac
}

# The FM contract of DESIGN.md, as bench/ingest.sh seeds it; the bench's
# admin raises every request, so each one's acknowledgement goes to them.
seed() {
    local me provider client store service contract
    me=$(api GET /me | field "['user']['id']")
    provider=$(api POST /parties '{"kind":"organisation","name":"Brightwell"}' | field "['id']")
    client=$(api POST /parties '{"kind":"organisation","name":"Harbour Retail"}' | field "['id']")
    store=$(api POST /parties "{\"kind\":\"site\",\"name\":\"Harbour Leeds\",\"parent_id\":\"$client\"}" | field "['id']")
    service=$(api POST /services "{\"provider_id\":\"$provider\",\"name\":\"Reactive maintenance\",\"default_effort\":\"2h\",\"default_targets\":{\"first_response\":\"8h\",\"resolution\":\"40h\"}}" | field "['id']")
    contract=$(api POST /contracts "{\"name\":\"Harbour FM\",\"provider_id\":\"$provider\",\"client_id\":\"$client\",\"customer_ids\":[\"$store\"],\"service_ids\":[\"$service\"],\"steering_group\":[\"$me\"],\"quorum\":\"all\"}" | field "['id']")
    api POST "/contracts/$contract/terms/versions" "{\"effective_from\":\"2026-01-01T00:00:00Z\",\"terms\":{\"sla\":[{\"service_id\":\"$service\",\"priority\":\"normal\",\"first_response\":\"4h\",\"resolution\":\"16h\"}]}}" >/dev/null
    printf '%s' "{\"contract_id\":\"$contract\",\"customer_id\":\"$store\",\"service_id\":\"$service\",\"kind\":\"incident\",\"subject\":\"Leaking tap in the staff toilet\",\"description\":\"Water on the floor by the afternoon.\"}" >"$W/body.json"
}

# Waits until the sink has logged N messages or DRAIN_SECS have passed.
drain() { # SINK_LOG
    local deadline=$((SECONDS + DRAIN_SECS))
    while [ "$SECONDS" -lt "$deadline" ] && [ "$(wc -l <"$1")" -lt "$N" ]; do
        sleep 1
    done
}

# What the delivery job did, from the database (the server stopped): the
# events in the outbox, those fanned out, when the last was (microseconds;
# empty when none was), and the deliveries sent.
job_figures() { # BACKEND
    local q="SELECT (SELECT COUNT(*) FROM outbox), (SELECT COUNT(dispatched_at) FROM outbox), \
        (SELECT MAX(dispatched_at) FROM outbox), (SELECT COUNT(*) FROM deliveries WHERE state = 'sent')"
    case $1 in
        sqlite) sqlite3 -separator ' ' "$W/notify.db" "$q" ;;
        postgres) psql "$URL" -tAF ' ' -c "$q" ;;
    esac
}

run_one() { # BACKEND MODE ROUND
    local backend=$1 mode=$2 round=$3 bin=$KEPT tag="$1-$2-$3"
    fresh_database "$backend"
    local -a env=(KEPT_DATABASE_URL="$URL" KEPT_ADDR=127.0.0.1:$PORT KEPT_LOG_LEVEL=warn)
    case $mode in
        off) bin=$BASE ;;
        row) env+=(KEPT_OUTBOX_INTERVAL_MS=86400000) ;;
        on | paced)
            : >"$W/sink-$tag.log"
            "$DRIVER" sink "$SINK_PORT" "$W/sink-$tag.log" >/dev/null &
            SINK_PID=$!
            env+=(KEPT_SMTP_HOST=127.0.0.1 KEPT_SMTP_PORT=$SINK_PORT KEPT_SMTP_TLS=none) ;;
    esac
    env "${env[@]}" "$bin" migrate >/dev/null
    printf 'bench password 1\n' | env "${env[@]}" "$bin" user add --email bench@example.com --name "Bench Admin" --admin >/dev/null
    TOKEN=$(env "${env[@]}" "$bin" token create --email bench@example.com | awk '{print $NF}')
    env "${env[@]}" "$bin" serve >"$W/serve-$tag.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do curl -sf "$BASE_URL/healthz" >/dev/null && break; sleep 0.1; done
    seed
    log "$tag: $N requests at $C connections"
    local -a pace=()
    [ "$mode" = paced ] && pace=("$RATE" "$W/done-$tag.log")
    "$DRIVER" load "$BASE_URL/api/v1/requests" "$TOKEN" "$W/body.json" "$N" "$C" "${pace[@]}" >"$W/load-$tag.json"
    if [ "$mode" = on ] || [ "$mode" = paced ]; then
        drain "$W/sink-$tag.log"
        stop_sink
    fi
    stop_server
    [ "$mode" = off ] || job_figures "$backend" >"$W/job-$tag.txt"
    python3 - "$tag" "$W/load-$tag.json" "$W/sink-$tag.log" "$N" "$W/job-$tag.txt" "$W/done-$tag.log" <<'PY'
import json, os, sys
tag, load, sink, n, job = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3], int(sys.argv[4]), sys.argv[5]
done = sys.argv[6]
line = (f"{tag:18} intake {load['rps']:7.0f} req/s  p50 {load['p50_ms']:6.2f} ms  "
        f"p99 {load['p99_ms']:7.2f} ms  status {load['statuses']} errors {load['errors']}")
if os.path.exists(job) and "-row-" not in tag:
    events, fanned, last, sent = (int(x or 0) for x in open(job).read().strip().split(" "))
    line += f"  | fanned out {fanned} of {events} events"
    if fanned:
        line += f", {fanned / ((last - load['began_us']) / 1e6):.0f}/s from the first request"
if os.path.exists(sink):
    rows = [l.split() for l in open(sink) if l.strip()]
    at = [int(r[0]) for r in rows]
    ids = {r[1] for r in rows}
    during = sum(1 for t in at if t <= load["ended_us"])
    line += f"  | mail: {len(at)} of {n} delivered, {len(at) - len(ids)} twice, {during} during the intake"
    if len(at) > 1:
        span = (at[-1] - load["began_us"]) / 1e6
        line += f", {len(at) / span:.1f} messages/s from the first request"
    if len(at) >= n:
        line += f", the last {(at[-1] - load['ended_us']) / 1e6:.1f} s after the intake ended"
    if os.path.exists(done):
        # The k-th message to reach the sink against the k-th request
        # answered: how far delivery runs behind intake.
        answered = [int(l) for l in open(done) if l.strip()]
        lags = sorted((a - d) / 1000 for a, d in zip(sorted(at), answered))
        if lags:
            pick = lambda p: lags[min(len(lags) - 1, int(len(lags) * p))]
            line += f"  | lag behind intake: p50 {pick(0.5):.0f} ms, p99 {pick(0.99):.0f} ms, max {lags[-1]:.0f} ms"
print(line)
PY
}

summary() { # BACKEND
    python3 - "$W" "$1" "$RUNS" <<'PY'
import json, statistics, sys
w, backend, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
rps = {m: [json.load(open(f"{w}/load-{backend}-{m}-{r}.json"))["rps"] for r in range(1, runs + 1)]
       for m in ("off", "row", "held", "on")}
mean = {m: statistics.mean(v) for m, v in rps.items()}
print(f"{backend}: intake, mean of {runs} runs: off {mean['off']:.0f} req/s; " + "; ".join(
    f"{m} {mean[m]:.0f} ({mean[m] / mean['off']:.1%} of off)" for m in ("row", "held", "on")))
PY
}

for backend in $BACKENDS; do
    for round in $(seq "$RUNS"); do
        for mode in off row held on paced; do
            run_one "$backend" "$mode" "$round"
        done
    done
    summary "$backend"
done
