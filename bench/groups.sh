#!/usr/bin/env bash
# Host groups benchmark: seeds HOSTS tagged hosts (default 100,000), 200 groups (half dynamic) and
# a user scoped to 20 of them into a throw-away embedded PostgreSQL, starts the real web role on it
# and prints p50/p95 of the scoped user's host list and of a group's hosts over HTTP, resolving a
# dynamic group, and a bulk tag of 10,000 hosts.
#
# Usage: bench/groups.sh [HOSTS] [REPETITIONS]      defaults: 100000 30
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/bench/jdk.sh"

exec "$java" -Xmx1g -Dlogback.configurationFile=none -cp "$root/dist/target/ct-ops/lib/*" \
  io.ctops.loadtest.GroupsBench "${1:-100000}" "${2:-30}" 2> >(grep -v '^\s*$' | grep -E 'ERROR|Exception' >&2 || true)
