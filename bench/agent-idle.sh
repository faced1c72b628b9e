#!/usr/bin/env bash
# Idle agent footprint: starts a throw-away `ctops server`, runs one real agent (`ctops agent run`,
# with the JVM flags the launcher gives the agent) at a 30 s heartbeat interval, lets it warm up,
# then samples its RSS and CPU time from /proc for the measuring window.
# Targets: RSS under 80 MiB, CPU under 1 % of one core.
#
# Usage: bench/agent-idle.sh        Environment: BENCH_WARMUP (60 s), BENCH_WINDOW (180 s)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
warmup="${BENCH_WARMUP:-60}"
window="${BENCH_WINDOW:-180}"
ctops="$root/dist/target/ct-ops/bin/ctops"
[ -x "$ctops" ] || (cd "$root" && ./mvnw -q -DskipTests package)

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export CT_OPS_DATA_DIR="$work/server"
export INGEST_GRPC_PORT="$(port)" INGEST_HTTP_PORT="$(port)" WEB_HTTP_PORT="$(port)"
unset DATABASE_URL INGEST_TLS_CERT INGEST_TLS_KEY
"$ctops" server >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 240); do grep -q event=server_ready "$work/server.log" && break; sleep 0.25; done
token="$("$ctops" token create --auto-approve --name idle-bench 2>/dev/null)"

cat >"$work/agent.toml" <<TOML
[ingest]
address = "localhost:$INGEST_GRPC_PORT"
ca_cert_file = "$CT_OPS_DATA_DIR/tls/server.crt"
[agent]
org_token = "$token"
data_dir = "$work/agent"
heartbeat_interval_secs = 30
TOML
env -u CT_OPS_DATA_DIR "$ctops" agent run --config "$work/agent.toml" >"$work/agent.log" 2>&1 &
agent=$!
pids+=("$agent")
sleep "$warmup"
grep -q 'msg="connected; heartbeating"' "$work/agent.log" || { echo "agent did not connect:"; cat "$work/agent.log"; exit 1; }

ticks="$(getconf CLK_TCK)"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$agent/stat"; }
start_ticks="$(cpu_ticks)"
start_time="$(date +%s.%N)"
rss=()
end=$(( $(date +%s) + window ))
while [ "$(date +%s)" -lt "$end" ]; do
  rss+=("$(awk '/VmRSS/ {print $2}' "/proc/$agent/status")")
  sleep 5
done
elapsed="$(echo "$(date +%s.%N) - $start_time" | bc -l)"
cpu="$(echo "($(cpu_ticks) - $start_ticks) / $ticks / $elapsed * 100" | bc -l)"
median_rss="$(printf '%s\n' "${rss[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
max_rss="$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)"
printf 'agent idle: interval=30s window=%ss rss_median_mib=%.1f rss_max_mib=%.1f cpu_percent_of_one_core=%.2f\n' \
  "$window" "$(echo "$median_rss/1024" | bc -l)" "$(echo "$max_rss/1024" | bc -l)" "$cpu"
