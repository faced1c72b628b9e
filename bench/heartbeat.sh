#!/usr/bin/env bash
# Heartbeat benchmark: starts `ctops server` (single profile, throw-away data dir, embedded
# PostgreSQL) on free ports, then for each fleet size opens one TLS heartbeat stream per virtual
# agent and prints heartbeats/s and the time from send to acknowledgement (ingest acknowledges a
# heartbeat once its sample is committed in PostgreSQL).
#
# Usage: bench/heartbeat.sh [AGENTS...]        default: 100 500 2000
# Environment: BENCH_INTERVAL (per-agent heartbeat interval, default 1s), BENCH_DURATION (30s),
#              BENCH_WARMUP (10s), BENCH_RUNS (3: each size is measured this many times).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100 500 2000)
interval="${BENCH_INTERVAL:-1s}"
duration="${BENCH_DURATION:-30s}"
warmup="${BENCH_WARMUP:-10s}"
runs="${BENCH_RUNS:-3}"

. "$root/bench/jdk.sh"

free_port() { "$java" -cp "$root/dist/target/ct-ops/lib/*" io.ctops.loadtest.FreePort; }
work="$(mktemp -d)"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

export CT_OPS_DATA_DIR="$work/data"
export INGEST_GRPC_PORT="$(free_port)" INGEST_HTTP_PORT="$(free_port)" WEB_HTTP_PORT="$(free_port)"
export INGEST_REGISTER_RATE_LIMIT=0
unset DATABASE_URL INGEST_TLS_CERT INGEST_TLS_KEY

"$root/dist/target/ct-ops/bin/ctops" server >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 240); do
  grep -q "event=server_ready" "$work/server.log" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.25
done
grep -q "event=server_ready" "$work/server.log" || { echo "server did not start" >&2; exit 1; }
token="$("$root/dist/target/ct-ops/bin/ctops" token create --auto-approve --name bench 2>/dev/null)"

echo "# heartbeat benchmark: $(nproc) cores, load generator on the same machine"
echo "# interval=$interval duration=$duration warmup=$warmup runs=$runs"
for agents in "${sizes[@]}"; do
  for run in $(seq 1 "$runs"); do
    "$java" -cp "$root/dist/target/ct-ops/lib/*" io.ctops.loadtest.HeartbeatBench \
      --address "localhost:$INGEST_GRPC_PORT" --ca-cert "$CT_OPS_DATA_DIR/tls/server.crt" \
      --token "$token" --agents "$agents" --interval "$interval" --duration "$duration" \
      --warmup "$warmup" | sed "s/^/run=$run /"
  done
done
server_pid_copy="$server_pid"
echo "# server: $(ps -o rss= -p "$server_pid_copy" | awk '{printf "RSS %.0f MiB", $1/1024}')"
