#!/usr/bin/env bash
# Host list benchmark: seeds HOSTS hosts (default 100,000) into a throw-away embedded PostgreSQL,
# starts the real web role on it, and prints p50/p95 of the host list over HTTP for every sort
# column and direction, every status filter, OS filters, searches, a 200-row page, the last page,
# the fleet overview (cache bypassed) and the whole Hosts page.
#
# Usage: bench/hostlist.sh [HOSTS] [REPETITIONS]      defaults: 100000 30
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/bench/jdk.sh"

exec "$java" -Xmx1g -Dlogback.configurationFile=none -cp "$root/dist/target/ct-ops/lib/*" \
  io.ctops.loadtest.HostListBench "${1:-100000}" "${2:-30}" 2> >(grep -v '^\s*$' | grep -E 'ERROR|Exception' >&2 || true)
