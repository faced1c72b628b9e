#!/bin/sh
# Removes the CT-Ops agent installed by install.sh: stops and removes the service, the files in
# /opt/ct-ops-agent and the configuration. --purge also removes the data dir (the agent's identity)
# and the ct-ops user. --root DIR acts under DIR (packaging, tests).
set -eu
root=""
purge=no
die() { echo "uninstall.sh: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
  case "$1" in
    --root) [ $# -ge 2 ] || die "--root needs a value"; root="${2%/}"; shift 2 ;;
    --purge) purge=yes; shift ;;
    *) die "unknown option '$1'" ;;
  esac
done
if [ -z "$root" ] && [ "$(id -u)" -ne 0 ]; then
  die "must run as root; nothing was changed"
fi
if [ -z "$root" ]; then
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now ct-ops-agent.service 2>/dev/null || true
  else
    pkill -f /opt/ct-ops-agent/bin/ct-ops-agent 2>/dev/null || true
    [ -f /etc/rc.local ] && sed -i '/ct-ops-agent/d' /etc/rc.local
  fi
fi
rm -f "$root/etc/systemd/system/ct-ops-agent.service"
[ -z "$root" ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ] && systemctl daemon-reload || true
rm -rf "$root/opt/ct-ops-agent" "$root/etc/ct-ops/agent.toml" "$root/etc/ct-ops/ca.crt"
if [ "$purge" = yes ]; then
  rm -rf "$root/var/lib/ct-ops/agent"
  [ -z "$root" ] && id ct-ops >/dev/null 2>&1 && userdel ct-ops 2>/dev/null || true
fi
echo "CT-Ops agent removed"
