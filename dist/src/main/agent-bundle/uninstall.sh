#!/bin/sh
# Removes the CT-Ops agent installed by install.sh: stops the agent and removes the service, the
# polkit rule, the files in /opt/ct-ops-agent and the configuration. --purge also removes the data
# dir (the agent's identity) and the ct-ops user. --root DIR acts under DIR (packaging, tests): it
# stops an agent running from DIR/opt/ct-ops-agent and removes the files under DIR.
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
opt="$root/opt/ct-ops-agent"

# The agent's processes: its launcher and the Java it starts, named by their path under $opt
# (this script runs from $opt/uninstall.sh and does not match).
agent_pids() {
  command -v pgrep >/dev/null 2>&1 || return 0
  pattern="$(printf '%s' "$opt" | sed 's/[][\\.*^$+?(){}|]/\\&/g')/(bin/ct-ops-agent|runtime/bin/java)( |\$)"
  pgrep -f "$pattern" 2>/dev/null || true
}
# Stops them and waits (at most 15 s) so nothing writes to the files removed below.
stop_agent() {
  pids="$(agent_pids)"
  [ -n "$pids" ] || return 0
  kill $pids 2>/dev/null || true
  tries=0
  while [ -n "$(agent_pids)" ] && [ "$tries" -lt 30 ]; do
    sleep 0.5
    tries=$((tries + 1))
  done
  pids="$(agent_pids)"
  [ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
}

if [ -z "$root" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  systemctl disable --now ct-ops-agent.service 2>/dev/null || true
fi
stop_agent
if [ -z "$root" ] && [ -f /etc/rc.local ]; then
  sed -i '/ct-ops-agent/d' /etc/rc.local
fi
rm -f "$root/etc/systemd/system/ct-ops-agent.service" "$root/etc/polkit-1/rules.d/50-ct-ops-agent.rules"
[ -z "$root" ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ] && systemctl daemon-reload || true
rm -rf "$opt" "$root/etc/ct-ops/agent.toml" "$root/etc/ct-ops/ca.crt"
if [ "$purge" = yes ]; then
  rm -rf "$root/var/lib/ct-ops/agent"
  [ -z "$root" ] && id ct-ops >/dev/null 2>&1 && userdel ct-ops 2>/dev/null || true
fi
echo "CT-Ops agent removed"
