#!/usr/bin/env bash
# Capacity benchmark: how many agents one box holds. Starts a throw-away single-profile server
# (`ctops server`: embedded PostgreSQL, ingest, web), registers the largest fleet once with the
# load tester (`ctops loadtest run`, identities kept in a file so later steps reuse them) and
# measures it in that run once every host's first software scan is stored (the scans get their own
# line), then each smaller fleet size at a 30 s heartbeat interval and, to find the highest
# heartbeat rate at which p99 stays under 100 ms, a fixed fleet at shorter intervals; each of those
# steps restarts the load tester, so its agents reconnect at once and the step measures from one
# interval after the last stream is open. The load tester runs on the same machine.
#
# For each step it prints: agents, interval, heartbeats acknowledged per second, check results sent
# per second (BENCH_CHECKS checks per host, defined through the API before the first step), p50/p99
# acknowledgement time, failed heartbeats, reconnects, the server JVM's CPU (% of one core) and
# peak RSS, PostgreSQL's and the load tester's CPU; at the end the database size per 1,000
# host-days of metrics.
#
# Usage: bench/capacity.sh
# Environment (defaults): BENCH_SIZES ("10000 30000 60000 100000"), BENCH_INTERVAL (30),
#   BENCH_STEADY (180 s measured per size), BENCH_LARGEST_STEADY (600 s for the largest size),
#   BENCH_RATE_AGENTS (20000), BENCH_RATE_INTERVALS ("10 5 4 3 2"), BENCH_RATE_STEADY (120 s),
#   BENCH_WARMUP (3600 s: the longest wait for registration and the first software scans; after
#   it the largest fleet's step is stopped), BENCH_INVENTORY_CONCURRENCY (16
#   inventories sent at once), BENCH_INVENTORY_PACKAGES (100 per inventory),
#   BENCH_REGISTER_RATE (150 registrations/s planned), BENCH_LOADTEST_HEAP (4g),
#   BENCH_SERVER_OPTS (JVM options for the server, e.g. -Xmx2g), BENCH_CHECKS (5 health checks every
#   host runs; 0: none), BENCH_CHECK_INTERVAL (60 s), BENCH_LOG_DIR (target/capacity-logs:
#   where the load tester's per-step summaries and the server's and PostgreSQL's logs are kept).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
read -r -a sizes <<<"${BENCH_SIZES:-10000 30000 60000 100000}"
interval="${BENCH_INTERVAL:-30}"
steady="${BENCH_STEADY:-180}"
largest_steady="${BENCH_LARGEST_STEADY:-600}"
rate_agents="${BENCH_RATE_AGENTS:-20000}"
read -r -a rate_intervals <<<"${BENCH_RATE_INTERVALS:-10 5 4 3 2}"
rate_steady="${BENCH_RATE_STEADY:-120}"
warmup="${BENCH_WARMUP:-3600}"
inventory_concurrency="${BENCH_INVENTORY_CONCURRENCY:-16}"
register_rate="${BENCH_REGISTER_RATE:-150}"
ctops="$root/dist/target/ct-ops/bin/ctops"
[ -x "$ctops" ] || (cd "$root" && ./mvnw -q -DskipTests package)

work="$(mktemp -d)"
server=""
logs="${BENCH_LOG_DIR:-$root/target/capacity-logs}"
cleanup() {
  [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  # the load tester's summaries (p90/p95/p99.9 of each step) and the server's and database's logs
  mkdir -p "$logs" && cp "$work"/*.log "$work"/*.json "$logs"/ 2>/dev/null || true
  cp "$work/server/pg/postgres.log" "$logs/postgres.log" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export CT_OPS_DATA_DIR="$work/server"
INGEST_GRPC_PORT="$(port)" INGEST_HTTP_PORT="$(port)" WEB_HTTP_PORT="$(port)"
export INGEST_GRPC_PORT INGEST_HTTP_PORT WEB_HTTP_PORT
# one address registers the whole fleet: lift the per-address registration limit
export INGEST_REGISTER_RATE_LIMIT=0
unset DATABASE_URL INGEST_TLS_CERT INGEST_TLS_KEY
CT_OPS_JAVA_OPTS="${BENCH_SERVER_OPTS:-}" "$ctops" server >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 480); do grep -q event=server_ready "$work/server.log" && break; sleep 0.25; done
grep -q event=server_ready "$work/server.log" || { echo "server did not start:"; cat "$work/server.log"; exit 1; }
token="$("$ctops" token create --auto-approve --name capacity-bench 2>/dev/null)"

# the health checks every host runs (the load tester's agents answer them with synthetic results,
# about 1 % failing), defined through the JSON API as an operator would
checks="${BENCH_CHECKS:-5}"
check_interval="${BENCH_CHECK_INTERVAL:-60}"
if [ "$checks" -gt 0 ]; then
  "$ctops" user create --email bench@example.com --role org_admin >/dev/null 2>&1
  key="$("$ctops" apikey create --user bench@example.com --name capacity-bench 2>/dev/null)"
  for i in $(seq 1 "$checks"); do
    curl -sf -o /dev/null -X POST "http://127.0.0.1:$WEB_HTTP_PORT/api/v1/checks" \
      -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
      -d "{\"name\": \"bench $i\", \"type\": \"port\", \"config\": {\"port\": $((8000 + i))}, \"interval_seconds\": $check_interval}" \
      || { echo "capacity: could not define check $i through the API"; exit 1; }
  done
  echo "capacity: $checks checks per host every ${check_interval}s"
fi

largest=0
for n in "${sizes[@]}" "$rate_agents"; do [ "$n" -gt "$largest" ] && largest="$n"; done

ticks_per_s="$(getconf CLK_TCK)"
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_pids() {
  local postmaster
  postmaster="$(head -n 1 "$CT_OPS_DATA_DIR/pg/data/postmaster.pid")"
  echo "$postmaster $(pgrep -P "$postmaster" | tr '\n' ' ')"
}
# live processes' own time, plus what the postmaster collected from backends that have exited
reaped_ticks() { awk '{ print $16 + $17 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_ticks() {
  local total=0 p postmaster
  postmaster="$(head -n 1 "$CT_OPS_DATA_DIR/pg/data/postmaster.pid")"
  for p in $(pg_pids); do total=$((total + $(cpu_ticks "$p"))); done
  echo "$((total + $(reaped_ticks "$postmaster")))"
}
rss_mib() { awk '/VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$1/status"; }

# first_at LOG EVENT: the elapsed seconds of the load tester's first live line in LOG showing EVENT:
# registered (every agent registered), scanning (an inventory sent) or scanned (every agent's
# inventory sent and none waiting)
first_at() {
  awk -v n="$largest" -v event="$2" '
    function count(key) { return match($0, key "=[0-9]+") ? substr($0, RSTART + length(key) + 1, RLENGTH - length(key) - 1) + 0 : -1 }
    /^\[ *[0-9]+s\]/ && ((event == "registered" && count("registrations active") >= n) ||
                        (event == "scanning" && count("scans sent") > 0) ||
                        (event == "scanned" && count("scans sent") >= n && count("waiting") == 0)) {
      sub(/s\].*/, ""); sub(/^\[ */, ""); print; exit }' "$1" 2>/dev/null
}

# exec: in the background, $! is then the load tester's JVM itself
loadtest() {
  CT_OPS_JAVA_OPTS="-Xmx${BENCH_LOADTEST_HEAP:-4g}" exec "$ctops" loadtest run \
    --address "localhost:$INGEST_GRPC_PORT" --ca-cert "$CT_OPS_DATA_DIR/tls/server.crt" \
    --token "$token" --identities "$work/identities" --stats-interval 30s \
    --inventory-packages "${BENCH_INVENTORY_PACKAGES:-100}" "$@"
}

rows=()
# measure AGENTS EVERY SECONDS [load tester flags]: one step, its row in the table
measure() {
  local agents="$1" every="$2" seconds="$3" log="$work/step-$1-$2.log" json="$work/step-$1-$2.json"
  shift 3
  # reconnecting agents are spread over at least 30 s (1,000 per second beyond that)
  local ramp="${step_ramp:-$(( agents / 1000 > 30 ? agents / 1000 : 30 ))}"
  loadtest --agents "$agents" --ramp "${ramp}s" --duration "${seconds}s" \
    --heartbeat-interval "${every}s" --output-json "$json" "$@" >"$log" 2>&1 &
  local tester=$! waited=0
  # measure the steady state only (after a previous step the hosts must reconnect first)
  until grep -q "steady state after" "$log" 2>/dev/null; do
    sleep 1
    waited=$((waited + 1))
    kill -0 "$tester" 2>/dev/null || break
    if [ "$waited" -gt "$patience" ]; then
      echo "capacity: step $agents@${every}s: no steady state after ${patience}s; stopping it"
      kill -TERM "$tester" 2>/dev/null || true
      break
    fi
  done
  local t0 s0 p0 l0 peak=0 rss
  t0="$(date +%s.%N)"; s0="$(cpu_ticks "$server")"; p0="$(pg_ticks)"; l0="$(cpu_ticks "$tester")"
  local end=$(( $(date +%s) + seconds - 2 ))
  while [ "$(date +%s)" -lt "$end" ] && kill -0 "$tester" 2>/dev/null; do
    rss="$(rss_mib "$server")"; [ "$rss" -gt "$peak" ] && peak="$rss"
    sleep 5
  done
  local elapsed s1 p1 l1
  elapsed="$(echo "$(date +%s.%N) - $t0" | bc -l)"
  s1="$(cpu_ticks "$server")"; p1="$(pg_ticks)"; l1="$(cpu_ticks "$tester")"
  wait "$tester" || true
  [ -s "$json" ] || { echo "step $agents@${every}s failed:"; tail -n 20 "$log"; return 0; }
  rows+=("$(python3 - "$json" "$every" "$peak" \
    "$(echo "($s1 - $s0) / $ticks_per_s / $elapsed * 100" | bc -l)" \
    "$(echo "($p1 - $p0) / $ticks_per_s / $elapsed * 100" | bc -l)" \
    "$(echo "($l1 - $l0) / $ticks_per_s / $elapsed * 100" | bc -l)" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
every, peak, server, pg, tester = sys.argv[2], sys.argv[3], *map(float, sys.argv[4:7])
rate = r["heartbeats_per_s"]
checks = r.get("check_results_sent", 0) / max(1.0, r["duration_s"])
print(f'{r["agents"]:>8,} {every:>5}s {rate:>9,.0f} {checks:>8,.0f} {r["ack_ms"]["p50"]:>8.1f} {r["ack_ms"]["p99"]:>8.1f}'
      f' {r["heartbeats_failed"]:>7,} {r["reconnects"]:>7,} {server:>8.0f}% {int(peak):>7,} {pg:>7.0f}% {tester:>7.0f}%')
PY
)")
  printf '%s\n' "${rows[-1]}"
}

header="  agents  every     hb/s  checks/s   p50 ms   p99 ms  failed  reconn  server%  rss MiB     pg%  tester%"
# The largest fleet is measured in the run that registers it, once every host's first software
# scan is stored (no scan asked for in 2 minutes): a heartbeat steady state without the storm of
# all agents reconnecting at once that every later step begins with.
largest_seconds="$steady"
for n in "${sizes[@]}"; do [ "$n" -eq "$largest" ] && largest_seconds="$largest_steady"; done
echo "capacity: registering $largest agents (heartbeat every ${interval}s); measuring them once" \
  "their first software scans are stored"
patience="$warmup"
echo
echo "$header"
step_ramp="$((largest / register_rate + 1))" measure "$largest" "$interval" "$largest_seconds" \
  --settle-scans 2m --inventory-concurrency "$inventory_concurrency"
patience=3600
for n in "${sizes[@]}"; do
  [ "$n" -eq "$largest" ] && continue
  if [ "$n" -eq "${sizes[-1]}" ]; then measure "$n" "$interval" "$largest_steady"; else measure "$n" "$interval" "$steady"; fi
done
echo
echo "highest rate with p99 under 100 ms ($rate_agents agents, shorter intervals):"
echo "$header"
for every in "${rate_intervals[@]}"; do
  measure "$rate_agents" "$every" "$rate_steady"
  p99="$(awk '{ print $6 }' <<<"${rows[-1]}")"
  if [ "$(echo "$p99 >= 100" | bc -l)" -eq 1 ]; then break; fi
done

# the fleet's first software scans, from the live lines of the run that registered it
register_log="$work/step-$largest-$interval.log"
registered="$(first_at "$register_log" registered)"
scanned="$(first_at "$register_log" scanned)"
first_scan="$(first_at "$register_log" scanning)"
echo
if [ -n "$scanned" ] && [ -n "$first_scan" ]; then
  echo "first software scans: $largest inventories of ${BENCH_INVENTORY_PACKAGES:-100} packages, the first" \
    "by ${first_scan}s, the last by ${scanned}s after the start (all registered by ${registered:-?}s):" \
    "$(echo "$largest / ($scanned - $first_scan + 30)" | bc) inventories/s or more"
else
  echo "first software scans: not all stored:" \
    "$(grep -o 'scans sent=[0-9]* waiting=[0-9]*' "$register_log" | tail -n 1)"
fi

. "$root/bench/jdk.sh"
footprint="$("$java" -cp "$root/dist/target/ct-ops/lib/*" -Dlogback.configurationFile=none \
  io.ctops.loadtest.DatabaseFootprint 2>/dev/null | tail -n 1)"
echo
echo "database: $footprint"
python3 - "$interval" $footprint <<'PY'
import sys
interval = int(sys.argv[1])
f = dict(kv.split("=") for kv in sys.argv[2:])
rows, size = int(f["metrics_rows"]), int(f["metrics_bytes"])
if rows:
    per_row = size / rows
    per_1000_host_days = per_row * (86400 / interval) * 1000
    print(f"metrics: {rows:,} samples in {size / 2**20:,.0f} MiB = {per_row:.0f} bytes per sample;"
          f" {per_1000_host_days / 2**30:.2f} GiB per 1,000 host-days at a {interval} s interval")
PY
