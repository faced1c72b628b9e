#!/usr/bin/env bash
# Checks the installable artifacts as an operator uses them, on a PATH without any Java:
# the server tarball's bin/ctops runs the server on its bundled runtime; the agent bundle's
# launcher runs the agent on its own runtime and connects; install.sh and uninstall.sh write and
# remove the expected files under a temporary root, and refuse bad input changing nothing.
# Usage: artifacts-smoke.sh TARGET_DIR VERSION   (run by `./mvnw verify` in the dist module)
set -uo pipefail

target="$(cd "$1" && pwd)"
version="$2"
work="$(mktemp -d)"
pids=()
passed=0
failed=0
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
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

# A PATH with every tool of this machine except Java, and no JAVA_HOME.
mkdir -p "$work/path"
for tool in /usr/local/bin/* /usr/bin/* /bin/* /usr/sbin/* /sbin/*; do
  name="$(basename "$tool")"
  case "$name" in java | javac | jar | jlink | jshell | jdeps | keytool | jps | jstack) continue ;; esac
  [ -e "$work/path/$name" ] || ln -s "$tool" "$work/path/$name" 2>/dev/null
done
nojava() { exec env -u JAVA_HOME -u DATABASE_URL -u INGEST_TLS_CERT -u INGEST_TLS_KEY PATH="$work/path" "$@"; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

check "no java on the stripped PATH" bash -c "! PATH='$work/path' command -v java"

# --- the server tarball
tar -C "$work" -xzf "$target/ct-ops-$version.tar.gz"
server_home="$work/ct-ops-$version"
check "tarball has bin, lib, runtime, systemd unit and env example" test -x "$server_home/bin/ctops" \
  -a -x "$server_home/runtime/bin/java" -a -f "$server_home/systemd/ct-ops.service" \
  -a -f "$server_home/config/ct-ops.env"
export CT_OPS_DATA_DIR="$work/server-data"
export INGEST_GRPC_PORT="$(port)" INGEST_HTTP_PORT="$(port)" WEB_HTTP_PORT="$(port)"
nojava "$server_home/bin/ctops" server >"$work/server.log" 2>&1 &
server=$!
pids+=("$server")
for _ in $(seq 1 240); do grep -q event=server_ready "$work/server.log" && break; sleep 0.25; done
check "bin/ctops server starts without a JDK on PATH" grep -q event=server_ready "$work/server.log" \
  || tail -n 20 "$work/server.log"
check "it runs on the bundled runtime" test "$(readlink -f "/proc/$server/exe")" = "$(readlink -f "$server_home/runtime/bin/java")"
check "the web app answers" bash -c "curl -fsS http://127.0.0.1:$WEB_HTTP_PORT/setup | grep -q 'Set up CT-Ops'"
check "the server serves the agent bundle it ships" bash -c \
  "curl -fsS -o '$work/downloaded.zip' http://127.0.0.1:$WEB_HTTP_PORT/api/agent/download && cmp -s '$work/downloaded.zip' '$target/ct-ops-agent-$version-linux-amd64.zip'"
check "and the CA certificate agents trust" bash -c \
  "curl -fsS http://127.0.0.1:$WEB_HTTP_PORT/api/agent/ca.crt | cmp -s - '$CT_OPS_DATA_DIR/tls/server.crt'"
token="$(nojava "$server_home/bin/ctops" token create --auto-approve --name artifacts 2>/dev/null)"
check "an enrolment token is created" test -n "$token"

# --- the agent bundle
unzip -q "$target/ct-ops-agent-$version-linux-amd64.zip" -d "$work"
bundle="$work/ct-ops-agent-$version"
check "bundle has its runtime, launcher, template and installers" test -x "$bundle/runtime/bin/java" \
  -a -x "$bundle/bin/ct-ops-agent" -a -f "$bundle/agent.toml" -a -x "$bundle/install.sh" \
  -a -x "$bundle/uninstall.sh"
cat >"$work/agent.toml" <<TOML
[ingest]
address = "localhost:$INGEST_GRPC_PORT"
ca_cert_file = "$CT_OPS_DATA_DIR/tls/server.crt"
[agent]
org_token = "$token"
data_dir = "$work/agent-data"
heartbeat_interval_secs = 5
TOML
nojava "$bundle/bin/ct-ops-agent" --config "$work/agent.toml" >"$work/agent.log" 2>&1 &
agent=$!
pids+=("$agent")
for _ in $(seq 1 120); do grep -q 'event=connected ' "$work/agent.log" && break; sleep 0.25; done
check "the bundled agent connects and heartbeats" grep -q 'event=connected ' "$work/agent.log" \
  || tail -n 20 "$work/agent.log"
check "the agent runs on the bundle's runtime" test "$(readlink -f "/proc/$agent/exe")" = "$(readlink -f "$bundle/runtime/bin/java")"

# --- install.sh / uninstall.sh under a temporary root
root="$work/root"
out="$(sh "$bundle/install.sh" --root "$root" --address ingest.test:9443 2>&1)"
check "install.sh without a token stops with a clear message" bash -c "[[ '$out' == *'enrolment token is required'* ]]"
check "... and changes nothing" test ! -e "$root"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
  open="$(mktemp -d /tmp/ctops-install-XXXXXX)"
  chmod 0755 "$open"
  cp "$bundle/install.sh" "$open/"
  out="$(cd "$open" && setpriv --reuid=65534 --regid=65534 --clear-groups sh ./install.sh --token t --address h:1 2>&1)"
  rm -rf "$open"
  check "install.sh as a non-root user refuses" bash -c "[[ '$out' == *'must run as root'* ]]"
  check "... and installs nothing" test ! -e /opt/ct-ops-agent
fi
zeros="0000000000000000000000000000000000000000000000000000000000000000"
out="$(sh "$bundle/install.sh" --root "$root" --token "$token" --address ingest.test:9443 \
  --ca-cert "$CT_OPS_DATA_DIR/tls/server.crt" --ca-sha256 "$zeros" 2>&1)"
check "install.sh refuses a CA certificate that does not match its pin" bash -c "[[ '$out' == *'does not match its pinned SHA-256'* ]]"
check "... and changes nothing" test ! -e "$root"
out="$(sh "$bundle/install.sh" --root "$root" --token "$token" --address ingest.test:9443 \
  --bundle "$target/ct-ops-agent-$version-linux-amd64.zip" --sha256 "$zeros" 2>&1)"
check "install.sh refuses a bundle that does not match its pin" bash -c "[[ '$out' == *'does not match its pinned SHA-256'* ]]"
check "... and changes nothing" test ! -e "$root"
sh "$bundle/install.sh" --root "$root" --token "$token" --address ingest.test:9443 \
  --bundle "$target/ct-ops-agent-$version-linux-amd64.zip" \
  --sha256 "$(sha256sum <"$target/ct-ops-agent-$version-linux-amd64.zip" | cut -d' ' -f1)" \
  --ca-cert "$CT_OPS_DATA_DIR/tls/server.crt" \
  --ca-sha256 "$(sha256sum <"$CT_OPS_DATA_DIR/tls/server.crt" | cut -d' ' -f1)" >/dev/null 2>&1
check "install.sh puts the agent in /opt/ct-ops-agent" test -x "$root/opt/ct-ops-agent/bin/ct-ops-agent" \
  -a -x "$root/opt/ct-ops-agent/runtime/bin/java" -a -x "$root/opt/ct-ops-agent/uninstall.sh"
check "it writes agent.toml 0600 with the token and address" bash -c \
  "[ \"\$(stat -c %a '$root/etc/ct-ops/agent.toml')\" = 600 ] && grep -q 'org_token = \"$token\"' '$root/etc/ct-ops/agent.toml' && grep -q 'address = \"ingest.test:9443\"' '$root/etc/ct-ops/agent.toml'"
check "it keeps the CA certificate" cmp -s "$root/etc/ct-ops/ca.crt" "$CT_OPS_DATA_DIR/tls/server.crt"
check "it writes the systemd unit" grep -q '^ExecStart=/opt/ct-ops-agent/bin/ct-ops-agent --config /etc/ct-ops/agent.toml' \
  "$root/etc/systemd/system/ct-ops-agent.service"
check "it creates the data dir" test -d "$root/var/lib/ct-ops/agent"
sh "$root/opt/ct-ops-agent/uninstall.sh" --root "$root" --purge >/dev/null 2>&1
check "uninstall.sh --purge removes it all" bash -c \
  "[ ! -e '$root/opt/ct-ops-agent' ] && [ ! -e '$root/etc/ct-ops/agent.toml' ] && [ ! -e '$root/etc/systemd/system/ct-ops-agent.service' ] && [ ! -e '$root/var/lib/ct-ops/agent' ]"
size="$(stat -c %s "$target/ct-ops-agent-$version-linux-amd64.zip")"
echo "agent bundle: $((size / 1048576)) MiB"

echo "artifacts smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
