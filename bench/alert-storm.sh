#!/usr/bin/env bash
# Alert storm benchmark with real agents: starts a throw-away `ctops server` (defaults: rules
# evaluated every 15 s, a 30 s grouping window), a webhook receiver, a host offline rule routed to
# it, and AGENTS virtual agents of the load tester (default 10,000); once every agent is online it
# kills the load tester (every stream drops at once) and prints the webhook messages of the next
# WAIT seconds (default 180): how many, when, and how many hosts each names.
#
# Usage: bench/alert-storm.sh [AGENTS] [WAIT]      defaults: 10000 180
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
agents="${1:-10000}"
wait_s="${2:-180}"
ctops="$root/dist/target/ct-ops/bin/ctops"
[ -x "$ctops" ] || (cd "$root" && ./mvnw -q -DskipTests package)

work="$(mktemp -d -t ctops-alert-storm-XXXXXX)"
export CT_OPS_DATA_DIR="$work/data"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export WEB_HTTP_PORT="$(free_port)" INGEST_GRPC_PORT="$(free_port)" INGEST_HTTP_PORT="$(free_port)"
# every virtual agent registers from this one address
export INGEST_REGISTER_RATE_LIMIT=0
hook_port="$(free_port)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# the webhook: every request's arrival time and body, one JSON line each
python3 - "$hook_port" "$work/hook.log" <<'EOF' &
import http.server, json, sys, time
port, log = int(sys.argv[1]), sys.argv[2]
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(log, "a") as f:
            f.write(json.dumps({"at": time.time(), "body": body.decode()}) + "\n")
        self.send_response(204); self.end_headers()
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), Hook).serve_forever()
EOF
pids+=($!)

unset DATABASE_URL INGEST_TLS_CERT INGEST_TLS_KEY
"$ctops" server >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 480); do grep -q event=server_ready "$work/server.log" && break; sleep 0.25; done
grep -q event=server_ready "$work/server.log" || { echo "server did not start:"; cat "$work/server.log"; exit 1; }

echo "benchmark password" | "$ctops" user create --email bench@example.com --role org_admin --password-stdin >/dev/null
key="$("$ctops" apikey create --user bench@example.com --name storm-bench)"
api() { curl -sf -H "Authorization: Bearer $key" -H 'Content-Type: application/json' "$@"; }
base="http://127.0.0.1:$WEB_HTTP_PORT"
channel="$(api -X POST "$base/api/v1/notification-channels" \
  -d "{\"name\": \"storm hook\", \"kind\": \"webhook\", \"url\": \"http://127.0.0.1:$hook_port/hook\", \"secret\": \"a-benchmark-secret-of-some-length\"}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
api -X POST "$base/api/v1/alert-rules" \
  -d "{\"name\": \"storm rule\", \"kind\": \"host_offline\", \"severity\": \"critical\", \"channel_ids\": [\"$channel\"]}" >/dev/null

token="$("$ctops" token create --auto-approve --name storm-bench 2>/dev/null)"
CT_OPS_JAVA_OPTS="-Xmx2g" "$ctops" loadtest run --address "localhost:$INGEST_GRPC_PORT" \
  --ca-cert "$CT_OPS_DATA_DIR/tls/server.crt" --token "$token" --agents "$agents" \
  --ramp "$(( agents / 200 > 30 ? agents / 200 : 30 ))s" --duration 0 --heartbeat-interval 30s \
  --inventory-packages 10 --stats-interval 30s >"$work/loadtest.log" 2>&1 &
tester=$!
pids+=($tester)
online() { api "$base/api/v1/overview" | python3 -c 'import json,sys; print(json.load(sys.stdin)["online"])'; }
for _ in $(seq 1 1200); do
  [ "$(online)" -ge "$agents" ] && break
  sleep 1
done
echo "$(online) of $agents agents online"
sleep 40 # a quiet evaluation and grouping window first: nothing is offline
before="$(grep -c 'storm rule' "$work/hook.log" 2>/dev/null || true)"
start="$(date +%s.%N)"
kill -9 "$tester"
echo "load tester killed: every stream drops at once"
sleep "$wait_s"
echo "$(api "$base/api/v1/overview" | python3 -c 'import json,sys; print(json.load(sys.stdin)["offline"])') hosts offline now"
python3 - "$work/hook.log" "$start" "$before" "$wait_s" <<'EOF'
import json, sys
log, start, before, wait = sys.argv[1], float(sys.argv[2]), int(sys.argv[3] or 0), sys.argv[4]
lines = [json.loads(l) for l in open(log)] if __import__("os").path.exists(log) else []
storm = [l for l in lines if "storm rule" in l["body"]][before:]
print(f"webhook messages for the storm rule in the {wait} s after the kill: {len(storm)}")
for m in storm:
    body = json.loads(m["body"])
    print(f"  +{m['at'] - start:6.1f} s  {body['event']:8s} {body['host_count']:>6,} hosts")
EOF
