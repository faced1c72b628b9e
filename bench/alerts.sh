#!/usr/bin/env bash
# Alert evaluation benchmark: seeds HOSTS hosts (default 100,000) and 20 rules of every kind and
# selector into a throw-away embedded PostgreSQL and prints p50/p99 of the evaluator's cycles:
# steady (nothing changed, nothing written) and after 1 % of the hosts' CPU moved between cycles.
#
# Usage: bench/alerts.sh [HOSTS] [CYCLES]      defaults: 100000 30
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/bench/jdk.sh"

exec "$java" -Xmx1g -Dlogback.configurationFile=none -cp "$root/dist/target/ct-ops/lib/*" \
  io.ctops.loadtest.AlertsBench "${1:-100000}" "${2:-30}" 2> >(grep -v '^\s*$' | grep -E 'ERROR|Exception' >&2 || true)
