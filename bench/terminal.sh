#!/usr/bin/env bash
# Terminal benchmark: a WebSocket client where the browser would be, the real web and ingest roles
# and the real agent with a shell on a pseudo-terminal, on a throw-away embedded PostgreSQL. Prints
# the keystroke round trip (p50/p99 over KEYS keys, default 500), the throughput of cat of a 50 MiB
# file with the heap used meanwhile, and SESSIONS concurrent sessions (default 100) answering a
# command.
#
# Usage: bench/terminal.sh [KEYS] [SESSIONS]      defaults: 500 100
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/bench/jdk.sh"

exec "$java" -Xmx1g -Dlogback.configurationFile=none -cp "$root/dist/target/ct-ops/lib/*" \
  io.ctops.loadtest.TerminalBench "${1:-500}" "${2:-100}" 2> >(grep -v '^\s*$' | grep -E 'ERROR|Exception' >&2 || true)
