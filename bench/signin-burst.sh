#!/usr/bin/env bash
# Memory and throughput of password checking under a burst of sign-ins.
# Every attempt runs a full Argon2id verification (19 MiB, t=2), so this
# measures the bounded hashing pool: RSS before and after, and sign-ins/s.
# Usage: bash bench/signin-burst.sh [TOTAL=240] [CONCURRENCY=40]
set -euo pipefail
cd "$(dirname "$0")/.."
total=${1:-240}
concurrency=${2:-40}
cargo build --release -q
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export KEPT_DATABASE_URL="sqlite://$work/kept.db" KEPT_ADDR="127.0.0.1:$port"
# Throttling would answer 429 before hashing; switch it off for the measurement.
export KEPT_LOGIN_FAILURES_PER_ADDRESS=100000000 KEPT_LOGIN_FAILURES_PER_ACCOUNT=100000000
./target/release/kept serve >"$work/serve.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do grep -q "serving at" "$work/serve.log" && break; sleep 0.2; done
echo "idle RSS: $(ps -o rss= -p $pid) KiB"
python3 bench/signin_burst.py "http://127.0.0.1:$port" "$total" "$concurrency"
echo "after the burst RSS: $(ps -o rss= -p $pid) KiB"
