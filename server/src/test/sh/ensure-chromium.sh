#!/usr/bin/env bash
# The browser tests drive Debian's Chromium through its chromedriver (no browser is downloaded by
# a test tool). Install both when they are missing; do nothing when they are there.
set -euo pipefail
if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
  exit 0
fi
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null; then
    echo "browser tests need chromium and chromium-driver; install them as root:" \
      "apt-get install -y chromium chromium-driver" >&2
    exit 1
  fi
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
echo "installing chromium and chromium-driver for the browser tests"
if ! "${sudo[@]}" apt-get install -y -q chromium chromium-driver; then
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" apt-get install -y -q chromium chromium-driver
fi
