#!/usr/bin/env bash
# Host list benchmark: seeds HOSTS hosts (default 100,000) into a throw-away embedded PostgreSQL,
# starts the real web role on it, and prints p50/p95 of the host list over HTTP for every sort
# column and direction, every status filter, OS filters, searches, a 200-row page, the last page,
# the fleet overview (cache bypassed) and the whole Hosts page.
#
# Usage: bench/hostlist.sh [HOSTS] [REPETITIONS]      defaults: 100000 30
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -d "$root/dist/target/ct-ops/lib" ]; then
  (cd "$root" && ./mvnw -q -DskipTests package)
fi

java=""
for candidate in "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java || true)" /usr/lib/jvm/*/bin/java; do
  [ -n "$candidate" ] && [ -x "$candidate" ] || continue
  major="$("$candidate" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {split($2, v, "."); print v[1]; exit}')"
  if [ -n "$major" ] && [ "$major" -ge 21 ]; then java="$candidate"; break; fi
done
[ -n "$java" ] || { echo "bench: needs a JDK >= 21" >&2; exit 1; }

exec "$java" -Xmx1g -Dlogback.configurationFile=none -cp "$root/dist/target/ct-ops/lib/*" \
  io.ctops.loadtest.HostListBench "${1:-100000}" "${2:-30}" 2> >(grep -v '^\s*$' | grep -E 'ERROR|Exception' >&2 || true)
