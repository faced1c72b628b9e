#!/usr/bin/env bash
# Check result storage benchmark: seeds HOSTS hosts with CHECKS checks each into a throw-away
# embedded PostgreSQL, feeds the ingest's check result writer as heartbeats bring results (as fast
# as it stores them) and prints results stored per second and the CPU they cost (the writer's
# threads and PostgreSQL, ms per 1,000 results): the first results, then steady windows of SECONDS.
#
# Usage: bench/check-results.sh [HOSTS] [CHECKS] [SECONDS]      defaults: 100000 5 60
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/bench/jdk.sh"

exec "$java" -Xmx2g -Dlogback.configurationFile=none -cp "$root/dist/target/ct-ops/lib/*" \
  io.ctops.loadtest.CheckResultsBench "${1:-100000}" "${2:-5}" "${3:-60}" 2> >(grep -v '^\s*$' | grep -E 'ERROR|Exception' >&2 || true)
