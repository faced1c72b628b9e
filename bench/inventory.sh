#!/usr/bin/env bash
# Software inventory benchmark: seeds HOSTS hosts with PACKAGES packages each (default 10,000 ×
# 1,500 = 15 million rows; several minutes and a few GiB of disk) into a throw-away embedded
# PostgreSQL, then prints how long a 20,000-package scan takes to store (first and re-scans) and
# the fleet search's p50/p95 for a package on every host (capped at 5,000 answers), on about
# half, on a few hosts, and on none.
#
# Usage: bench/inventory.sh [HOSTS] [PACKAGES] [REPETITIONS]     defaults: 10000 1500 30
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/bench/jdk.sh"

exec "$java" -Xmx2g -Dlogback.configurationFile=none -cp "$root/dist/target/ct-ops/lib/*" \
  io.ctops.loadtest.InventoryBench "${1:-10000}" "${2:-1500}" "${3:-30}"
