#!/usr/bin/env bash
# End-to-end checks of the built distribution through its real launcher (bin/ctops):
# JDK discovery, admin commands on the embedded database, the server's start, refusal of a
# second server on the same data dir, clean shutdown, and one-line startup errors.
# Usage: launcher-smoke.sh DIST_DIR   (run by `./mvnw verify` in the dist module)
set -uo pipefail

dist="$(cd "$1" && pwd)"
ctops="$dist/bin/ctops"
work="$(mktemp -d)"
server_pid=""
passed=0
failed=0

cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT

check() {
  local description="$1"
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "ok   - $description"
  else
    failed=$((failed + 1))
    echo "FAIL - $description"
  fi
}

# Isolated from the developer's own ~/.ct-ops and from any DATABASE_URL in the environment.
unset DATABASE_URL INGEST_TLS_CERT INGEST_TLS_KEY
export CT_OPS_DATA_DIR="$work/data"
free_port() { java_for_tools -cp "$dist/lib/*" io.ctops.loadtest.FreePort; }
java_for_tools() {
  local candidate major
  for candidate in "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java || true)" /usr/lib/jvm/*/bin/java; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    major="$("$candidate" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {split($2, v, "."); print v[1]; exit}')"
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then "$candidate" "$@"; return; fi
  done
  return 1
}
INGEST_GRPC_PORT="$(free_port)"
INGEST_HTTP_PORT="$(free_port)"
WEB_HTTP_PORT="$(free_port)"
export INGEST_GRPC_PORT INGEST_HTTP_PORT WEB_HTTP_PORT

help_lists_commands() {
  local out
  out="$("$ctops" --help)" || return 1
  for command in server dev-tls token agent loadtest; do
    grep -q "^  $command " <<<"$out" || return 1
  done
}
check "ctops --help lists server, dev-tls, token, agent and loadtest" help_lists_commands

finds_jdk_without_java_home() {
  # The machine's default java may be older than 21; the launcher must look further.
  env -u JAVA_HOME PATH="/usr/bin:/bin" "$ctops" --version | grep -q '^ctops '
}
check "finds a JDK >= 21 with JAVA_HOME unset" finds_jdk_without_java_home

flag() { awk -v name="$1" '$2 == name { print $4; exit }'; }
server_roles_get_their_jvm_options() {
  local flags
  flags="$(CT_OPS_JAVA_OPTS=-XX:+PrintFlagsFinal "$ctops" server --help 2>&1)" || return 1
  [ "$(flag UseZGC <<<"$flags")" = "true" ] \
    && [ "$(flag MaxHeapSize <<<"$flags")" -le $((2048 * 1024 * 1024)) ] || return 1
  # CT_OPS_JAVA_OPTS comes last and wins; the agent keeps its own small options
  flags="$(CT_OPS_JAVA_OPTS="-Xmx3g -XX:+PrintFlagsFinal" "$ctops" web --help 2>&1)" || return 1
  [ "$(flag MaxHeapSize <<<"$flags")" = "$((3 * 1024 * 1024 * 1024))" ] || return 1
  flags="$(CT_OPS_JAVA_OPTS=-XX:+PrintFlagsFinal "$ctops" agent run --help 2>&1)" || return 1
  [ "$(flag UseSerialGC <<<"$flags")" = "true" ] && [ "$(flag UseZGC <<<"$flags")" = "false" ]
}
check "server roles run with lib/server-jvm.options and a capped heap; CT_OPS_JAVA_OPTS wins" \
  server_roles_get_their_jvm_options

load_tester_runs_without_leak_detection() {
  CT_OPS_JAVA_OPTS=-XshowSettings:properties "$ctops" loadtest --help 2>&1 \
    | grep -q 'io.grpc.netty.shaded.io.netty.leakDetection.level = disabled'
}
check "the load tester runs without netty's leak detector" load_tester_runs_without_leak_detection

token_create_prints_only_the_token() {
  local token
  token="$("$ctops" token create --auto-approve --name smoke 2>"$work/create.err")" || return 1
  [[ "$token" =~ ^ctops_[A-Za-z0-9_-]{43}$ ]] || return 1
  "$ctops" token list | grep -q ' smoke '
}
check "token create prints the token alone; token list shows it" token_create_prints_only_the_token

admin_command_leaves_no_database_running() {
  [ ! -e "$CT_OPS_DATA_DIR/pg/data/postmaster.pid" ]
}
check "an admin command with no server stops the database it started" admin_command_leaves_no_database_running

wait_for_log() {
  local file="$1" pattern="$2" seconds="$3"
  for _ in $(seq 1 $((seconds * 4))); do
    grep -q "$pattern" "$file" 2>/dev/null && return 0
    sleep 0.25
  done
  return 1
}

"$ctops" server >"$work/server.log" 2>&1 &
server_pid=$!
server_reports_ready() {
  wait_for_log "$work/server.log" "event=server_ready" 120 && return 0
  echo "--- server log (last 40 lines) ---"
  tail -n 40 "$work/server.log"
  if kill -0 "$server_pid" 2>/dev/null; then
    # what the server's threads are doing: the main thread's stack from a thread dump
    kill -QUIT "$(pgrep -n -P "$server_pid" java || echo "$server_pid")" 2>/dev/null
    sleep 2
    echo "--- main thread ---"
    awk '/^"main"/ {on = 1} on && /^$/ {exit} on' "$work/server.log"
  else
    echo "--- the server process has exited ---"
  fi
  return 1
}
check "ctops server starts and reports ready" server_reports_ready

ingest_answers_health_and_jwks() {
  local health jwks
  health="$(java_for_tools -cp "$dist/lib/*" io.ctops.loadtest.HttpGet "http://127.0.0.1:$INGEST_HTTP_PORT/healthz")" || return 1
  jwks="$(java_for_tools -cp "$dist/lib/*" io.ctops.loadtest.HttpGet "http://127.0.0.1:$INGEST_HTTP_PORT/.well-known/jwks.json")" || return 1
  [ "$health" = "ok" ] && grep -q '"alg":"RS256"' <<<"$jwks" \
    && [ -s "$CT_OPS_DATA_DIR/tls/server.crt" ] && [ -s "$CT_OPS_DATA_DIR/jwt_key.pem" ] \
    && [ "$(stat -c %a "$CT_OPS_DATA_DIR/jwt_key.pem")" = "600" ]
}
check "ingest serves /healthz and the JWKS; TLS material and the JWT key (0600) are created" ingest_answers_health_and_jwks

agent_connects_and_logs_structured_lines() {
  local token agent_pid status=0
  token="$("$ctops" token create --auto-approve --name smoke-agent 2>/dev/null)" || return 1
  cat >"$work/agent.toml" <<TOML
[ingest]
address = "localhost:$INGEST_GRPC_PORT"
ca_cert_file = "$CT_OPS_DATA_DIR/tls/server.crt"
[agent]
org_token = "$token"
data_dir = "$work/agent"
heartbeat_interval_secs = 2
TOML
  env -u CT_OPS_DATA_DIR "$ctops" agent run --config "$work/agent.toml" >"$work/agent.out" 2>"$work/agent.err" &
  agent_pid=$!
  wait_for_log "$work/agent.out" 'level=INFO event=connected ' 60 || { kill "$agent_pid"; cat "$work/agent.out" "$work/agent.err"; return 1; }
  kill -TERM "$agent_pid"
  wait "$agent_pid" || status=$?
  [ -s "$work/agent/agent_key.pem" ] && [ "$(stat -c %a "$work/agent/agent_key.pem")" = "600" ] \
    && [ "$(stat -c %a "$work/agent/agent_state.json")" = "600" ] \
    && { [ "$status" -eq 0 ] || [ "$status" -eq 143 ]; }
}
check "ctops agent run registers, heartbeats and logs structured lines to stdout" agent_connects_and_logs_structured_lines

loadtest_runs_and_cleans_up() {
  local token
  token="$("$ctops" token create --auto-approve --name smoke-load 2>/dev/null)" || return 1
  "$ctops" loadtest run --address "localhost:$INGEST_GRPC_PORT" \
    --ca-cert "$CT_OPS_DATA_DIR/tls/server.crt" --token "$token" --agents 5 --ramp 1s \
    --duration 3s --heartbeat-interval 1s --run-id smoke >"$work/load.out" 2>&1 \
    || { cat "$work/load.out"; return 1; }
  grep -q "loadtest summary: run smoke" "$work/load.out" \
    && grep -q "errors            none" "$work/load.out" \
    && "$ctops" loadtest cleanup --run-id smoke | grep -q "removed 5 hosts of run smoke"
}
check "ctops loadtest run drives virtual agents; cleanup removes their hosts" loadtest_runs_and_cleans_up

ingest_alone_requires_tls_and_database() {
  local status=0
  "$ctops" ingest >/dev/null 2>"$work/ingest.err" || status=$?
  [ "$status" -eq 1 ] && grep -qF "ctops: DATABASE_URL: is required for ctops ingest" "$work/ingest.err"
}
check "ctops ingest without DATABASE_URL stops naming the variable" ingest_alone_requires_tls_and_database

web_alone_requires_database() {
  local status=0
  "$ctops" web >/dev/null 2>"$work/web.err" || status=$?
  [ "$status" -eq 1 ] && grep -qF "ctops: DATABASE_URL: is required for ctops web" "$work/web.err"
}
check "ctops web without DATABASE_URL stops naming the variable" web_alone_requires_database

second_server_is_refused() {
  local err
  "$ctops" server 2>"$work/second.err" >/dev/null && return 1
  err="$(cat "$work/second.err")"
  grep -q "ctops: data directory $CT_OPS_DATA_DIR is in use by another ctops process" <<<"$err"
}
check "a second server on the same data dir is refused with a clear message" second_server_is_refused

admin_command_while_server_runs() {
  "$ctops" token list | grep -q ' smoke ' && [ -e "$CT_OPS_DATA_DIR/pg/data/postmaster.pid" ]
}
check "admin commands use the running server's database and leave it running" admin_command_while_server_runs

server_stops_cleanly() {
  kill -TERM "$server_pid"
  local status=0
  wait "$server_pid" || status=$?
  server_pid=""
  # 143 = terminated by SIGTERM after the shutdown hook ran
  { [ "$status" -eq 0 ] || [ "$status" -eq 143 ]; } || return 1
  grep -q "event=embedded_db_stopped" "$work/server.log" \
    && [ ! -e "$CT_OPS_DATA_DIR/pg/data/postmaster.pid" ]
}
check "SIGTERM stops the server and its database cleanly" server_stops_cleanly

one_line_error() {
  local expected="$1"
  shift
  local status=0
  env "$@" "$ctops" server >/dev/null 2>"$work/bad.err" || status=$?
  [ "$status" -eq 1 ] && [ "$(wc -l <"$work/bad.err")" -eq 1 ] && grep -qF "$expected" "$work/bad.err"
}
check "INGEST_GRPC_PORT=abc stops startup naming the variable" \
  one_line_error "ctops: INGEST_GRPC_PORT: must be a whole number, got 'abc'" INGEST_GRPC_PORT=abc
check "an unreadable TLS key stops startup naming the variable" \
  one_line_error "ctops: INGEST_TLS_KEY: file /nonexistent/server.key does not exist" \
  INGEST_TLS_CERT=/etc/hostname INGEST_TLS_KEY=/nonexistent/server.key
check "a DATABASE_URL that cannot connect stops startup naming the variable" \
  one_line_error "ctops: DATABASE_URL: cannot connect to jdbc:postgresql://127.0.0.1:1/ctops" \
  DATABASE_URL=postgres://ctops:secret@127.0.0.1:1/ctops

echo "launcher smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
