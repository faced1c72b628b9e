#!/usr/bin/env bash
# Idle agent footprint: starts a throw-away `ctops server`, then runs one real agent at a 30 s
# heartbeat interval, lets it warm up (registration, the first software scan) and samples its RSS
# and CPU time from /proc over the measuring window. Measured twice, one after the other: started
# by `ctops agent run` (the tarball's runtime) and by the agent bundle's bin/ct-ops-agent (its own
# small runtime), both with the JVM options in lib/agent-jvm.options.
# Targets: RSS under 80 MiB, CPU under 1 % of one core.
#
# Usage: bench/agent-idle.sh        Environment: BENCH_WARMUP (90 s), BENCH_WINDOW (180 s)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
warmup="${BENCH_WARMUP:-90}"
window="${BENCH_WINDOW:-180}"
ctops="$root/dist/target/ct-ops/bin/ctops"
bundle="$(ls -d "$root"/dist/target/agent-bundle/ct-ops-agent-* 2>/dev/null | head -n 1 || true)"
[ -x "$ctops" ] && [ -n "$bundle" ] || (cd "$root" && ./mvnw -q -DskipTests package)
bundle="$(ls -d "$root"/dist/target/agent-bundle/ct-ops-agent-* | head -n 1)"

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

# measure LABEL COMMAND...: one agent, its own data dir (a new host each time), then stopped
measure() {
  local label="$1"
  shift
  local dir="$work/$label"
  mkdir -p "$dir"
  cat >"$dir/agent.toml" <<TOML
[ingest]
address = "localhost:$INGEST_GRPC_PORT"
ca_cert_file = "$CT_OPS_DATA_DIR/tls/server.crt"
[agent]
org_token = "$token"
data_dir = "$dir/data"
heartbeat_interval_secs = 30
TOML
  env -u CT_OPS_DATA_DIR "$@" --config "$dir/agent.toml" >"$dir/agent.log" 2>&1 &
  local agent=$!
  pids+=("$agent")
  sleep "$warmup"
  grep -q 'event=connected ' "$dir/agent.log" \
    || { echo "agent did not connect:"; cat "$dir/agent.log"; exit 1; }

  local ticks start_ticks start_time end elapsed cpu median_rss max_rss rss=()
  ticks="$(getconf CLK_TCK)"
  start_ticks="$(awk '{print $14 + $15}' "/proc/$agent/stat")"
  start_time="$(date +%s.%N)"
  end=$(($(date +%s) + window))
  while [ "$(date +%s)" -lt "$end" ]; do
    rss+=("$(awk '/VmRSS/ {print $2}' "/proc/$agent/status")")
    sleep 5
  done
  elapsed="$(echo "$(date +%s.%N) - $start_time" | bc -l)"
  cpu="$(echo "($(awk '{print $14 + $15}' "/proc/$agent/stat") - $start_ticks) / $ticks / $elapsed * 100" | bc -l)"
  median_rss="$(printf '%s\n' "${rss[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
  max_rss="$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)"
  local scanned="no"
  grep -qE 'event=task_finished .*exit_code=0' "$dir/agent.log" && scanned="yes"
  printf 'agent idle (%s): interval=30s window=%ss rss_median_mib=%.1f rss_max_mib=%.1f cpu_percent_of_one_core=%.2f first_scan_done=%s\n' \
    "$label" "$window" "$(echo "$median_rss/1024" | bc -l)" "$(echo "$max_rss/1024" | bc -l)" "$cpu" "$scanned"
  kill -TERM "$agent"
  wait "$agent" 2>/dev/null || true
}

measure ctops-agent-run "$ctops" agent run
measure agent-bundle "$bundle/bin/ct-ops-agent"
