#!/usr/bin/env bash
# Alert delivery benchmark: the real web role (evaluation every 15 s, default grouping) on a
# throw-away embedded PostgreSQL with HOSTS hosts (default 100,000) and a real webhook receiver.
# Prints the time from a host's stored vitals crossing a threshold to the webhook receiving its
# rule's message (p50/p99 over RULES quiet rules, default 40), then how many messages the webhook
# gets when 10,000 hosts go offline at once.
#
# Usage: bench/alert-delivery.sh [HOSTS] [RULES]      defaults: 100000 40
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/bench/jdk.sh"

exec "$java" -Xmx1g -Dlogback.configurationFile=none -cp "$root/dist/target/ct-ops/lib/*" \
  io.ctops.loadtest.AlertDeliveryBench "${1:-100000}" "${2:-40}" 2> >(grep -v '^\s*$' | grep -E 'ERROR|Exception' >&2 || true)
