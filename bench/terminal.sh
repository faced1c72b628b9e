#!/usr/bin/env bash
# Terminal benchmark: a WebSocket client where the browser would be, the real web and ingest roles
# and the real agent with a shell on a pseudo-terminal, on a throw-away embedded PostgreSQL. Prints
# the keystroke round trip (p50/p99 over KEYS keys, default 500), the throughput of cat of a 50 MiB
# file (recorded, then not) with the heap used meanwhile, and SESSIONS concurrent sessions (default
# 100) answering a command; all with AGENTS virtual agents of the load tester (default 10,000)
# heartbeating to the same ingest.
#
# Usage: bench/terminal.sh [KEYS] [SESSIONS] [AGENTS]      defaults: 500 100 10000
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/bench/jdk.sh"

exec "$java" -Xmx3g -Dlogback.configurationFile=none -cp "$root/dist/target/ct-ops/lib/*" \
  io.ctops.loadtest.TerminalBench "${1:-500}" "${2:-100}" "${3:-10000}" 2> >(grep -v '^\s*$' | grep -E 'ERROR|Exception' >&2 || true)
