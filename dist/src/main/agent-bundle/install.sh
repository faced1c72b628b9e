#!/bin/sh
# Installs the CT-Ops agent from this bundle: a ct-ops system user, the files in
# /opt/ct-ops-agent, the configuration in /etc/ct-ops/agent.toml (0600), the data dir
# /var/lib/ct-ops/agent, and a systemd service (enabled and started). Without systemd it starts
# the agent as a background process and adds it to /etc/rc.local so it starts at boot.
#
# Usage: sudo ./install.sh [--token TOKEN] [--address HOST:PORT] [--ca-cert FILE]
#                          [--ca-sha256 HEX] [--bundle ZIP --sha256 HEX] [--root DIR] [--no-start]
#                          [--no-host-actions]
# A token and an address are required, from the options or from the bundle's agent.toml.
# --ca-sha256 and --sha256 pin the CA certificate and the zip this folder was unpacked from: on a
# mismatch it stops and installs nothing.
# --root DIR installs under DIR instead of / (packaging, tests; nothing is started).
# With systemd, a polkit rule lets the ct-ops user manage units (service actions and the remote
# uninstall from the web app); --no-host-actions writes no rule and turns host actions off.
set -eu

here="$(cd "$(dirname "$0")" && pwd)"
root=""
token=""
address=""
ca_cert=""
ca_sha256=""
bundle_zip=""
bundle_sha256=""
start=yes
host_actions=yes
die() { echo "install.sh: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
  case "$1" in
    --token) [ $# -ge 2 ] || die "--token needs a value"; token="$2"; shift 2 ;;
    --address) [ $# -ge 2 ] || die "--address needs a value"; address="$2"; shift 2 ;;
    --ca-cert) [ $# -ge 2 ] || die "--ca-cert needs a value"; ca_cert="$2"; shift 2 ;;
    --ca-sha256) [ $# -ge 2 ] || die "--ca-sha256 needs a value"; ca_sha256="$2"; shift 2 ;;
    --bundle) [ $# -ge 2 ] || die "--bundle needs a value"; bundle_zip="$2"; shift 2 ;;
    --sha256) [ $# -ge 2 ] || die "--sha256 needs a value"; bundle_sha256="$2"; shift 2 ;;
    --root) [ $# -ge 2 ] || die "--root needs a value"; root="${2%/}"; start=no; shift 2 ;;
    --no-start) start=no; shift ;;
    --no-host-actions) host_actions=no; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

if [ -z "$root" ] && [ "$(id -u)" -ne 0 ]; then
  die "must run as root (sudo ./install.sh ...); nothing was changed"
fi

# What the bundle's own agent.toml says (an offline bundle comes with it filled in).
toml_value() { sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\"\(.*\)\"[[:space:]]*$/\1/p" "$here/agent.toml" | head -n 1; }
[ -n "$token" ] || token="$(toml_value org_token)"
[ -n "$address" ] || address="$(toml_value address)"
# the generic bundle's template values are not settings
case "$token" in *replace-with-your-token*) token="" ;; esac
[ "$address" = "ingest.example.com:9443" ] && address=""
[ -n "$token" ] || die "an enrolment token is required (--token TOKEN); nothing was changed"
[ -n "$address" ] || die "the ingest address is required (--address HOST:PORT); nothing was changed"
case "$address" in *:[0-9]*) ;; *) die "--address must be HOST:PORT, got '$address'; nothing was changed" ;; esac
if [ -n "$ca_cert" ] && [ ! -r "$ca_cert" ]; then
  die "cannot read the CA certificate '$ca_cert'; nothing was changed"
fi
if [ -z "$ca_cert" ] && [ -f "$here/ca.crt" ]; then
  ca_cert="$here/ca.crt"
fi

# Pinned downloads: whoever could alter them on the way would control a root install and the
# agent's trust anchor, so a mismatch stops everything before the first change.
pinned() { # FILE EXPECTED WHAT
  case "$2" in
    *[!0-9a-fA-F]*) die "$3: '$2' is not a SHA-256 (64 hex digits); nothing was changed" ;;
  esac
  [ "${#2}" -eq 64 ] || die "$3: '$2' is not a SHA-256 (64 hex digits); nothing was changed"
  command -v sha256sum >/dev/null 2>&1 || die "sha256sum is needed to check $3; nothing was changed"
  actual="$(sha256sum <"$1" | cut -d' ' -f1)"
  expected="$(printf '%s' "$2" | tr 'A-F' 'a-f')"
  [ "$actual" = "$expected" ] || die "$3 does not match its pinned SHA-256 (expected $expected, got $actual): the download was altered or is incomplete; nothing was installed"
}
if [ -n "$ca_sha256" ]; then
  [ -n "$ca_cert" ] || die "--ca-sha256 needs the certificate (--ca-cert FILE); nothing was changed"
  pinned "$ca_cert" "$ca_sha256" "the CA certificate '$ca_cert'"
fi
if [ -n "$bundle_sha256" ] || [ -n "$bundle_zip" ]; then
  [ -n "$bundle_zip" ] || die "--sha256 needs the zip it pins (--bundle FILE); nothing was changed"
  [ -n "$bundle_sha256" ] || die "--bundle needs its SHA-256 (--sha256 HEX); nothing was changed"
  [ -r "$bundle_zip" ] || die "cannot read the bundle '$bundle_zip'; nothing was changed"
  pinned "$bundle_zip" "$bundle_sha256" "the agent bundle '$bundle_zip'"
fi

opt="$root/opt/ct-ops-agent"
etc="$root/etc/ct-ops"
data="$root/var/lib/ct-ops/agent"
unit_dir="$root/etc/systemd/system"

# The user the service runs as (only on a real install).
if [ -z "$root" ] && ! id ct-ops >/dev/null 2>&1; then
  if command -v useradd >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /var/lib/ct-ops --shell /usr/sbin/nologin ct-ops
  else
    adduser -S -D -H -h /var/lib/ct-ops -s /sbin/nologin ct-ops
  fi
fi

mkdir -p "$opt" "$etc" "$data"
cp -R "$here/bin" "$here/lib" "$here/runtime" "$opt/"
cp "$here/uninstall.sh" "$opt/uninstall.sh"
chmod 0755 "$opt/bin/ct-ops-agent" "$opt/uninstall.sh"

ca_line='ca_cert_file = ""'
if [ -n "$ca_cert" ]; then
  cp "$ca_cert" "$etc/ca.crt"
  chmod 0644 "$etc/ca.crt"
  ca_line='ca_cert_file = "/etc/ct-ops/ca.crt"'
fi
umask 077
cat >"$etc/agent.toml" <<TOML
# CT-Ops agent configuration, written by install.sh. See agent.toml in the bundle for every key.
[ingest]
address = "$address"
$ca_line

[agent]
org_token = "$token"
data_dir = "/var/lib/ct-ops/agent"
heartbeat_interval_secs = 30

[actions]
# Service start/stop/restart and the remote uninstall, asked for in the web app.
enabled = $([ "$host_actions" = yes ] && echo true || echo false)
TOML
chmod 0600 "$etc/agent.toml"
umask 022

if [ -z "$root" ]; then
  chown ct-ops:ct-ops "$etc/agent.toml" "$data"
  chmod 0700 "$data"
fi

systemd=no
if [ -n "$root" ] || [ -d /run/systemd/system ]; then
  systemd=yes
  mkdir -p "$unit_dir"
  cat >"$unit_dir/ct-ops-agent.service" <<UNIT
# CT-Ops agent — installed by install.sh from the agent bundle.
[Unit]
Description=CT-Ops agent
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
User=ct-ops
Group=ct-ops
ExecStart=/opt/ct-ops-agent/bin/ct-ops-agent --config /etc/ct-ops/agent.toml
Restart=always
RestartSec=5
# Exit codes 2 (token rejected) and 3 (agent revoked) need an operator; do not loop on them.
RestartPreventExitStatus=2 3
NoNewPrivileges=yes
PrivateTmp=yes
ProtectSystem=full
ReadWritePaths=/var/lib/ct-ops/agent

[Install]
WantedBy=multi-user.target
UNIT
  if [ "$host_actions" = yes ]; then
    # The agent runs as ct-ops with NoNewPrivileges: systemd asks polkit whether it may start, stop
    # and restart units and start its uninstaller in a transient unit (systemd-run). This allows
    # it any unit, and the uninstaller runs as root.
    mkdir -p "$root/etc/polkit-1/rules.d"
    cat >"$root/etc/polkit-1/rules.d/50-ct-ops-agent.rules" <<'RULES'
// CT-Ops agent, written by install.sh (removed by uninstall.sh; install.sh --no-host-actions
// writes none): the agent's user may manage systemd units, for operators' service actions and
// the agent's remote uninstall.
polkit.addRule(function(action, subject) {
    if (action.id == "org.freedesktop.systemd1.manage-units" && subject.user == "ct-ops") {
        return polkit.Result.YES;
    }
});
RULES
    chmod 0644 "$root/etc/polkit-1/rules.d/50-ct-ops-agent.rules"
  fi
fi

if [ "$start" = yes ]; then
  if [ "$systemd" = yes ]; then
    systemctl daemon-reload
    systemctl enable --now ct-ops-agent.service
    echo "installed and started: systemctl status ct-ops-agent"
  else
    # No systemd: a detached background process now, and at boot through rc.local.
    launch='su -s /bin/sh ct-ops -c "setsid /opt/ct-ops-agent/bin/ct-ops-agent --config /etc/ct-ops/agent.toml >>/var/lib/ct-ops/agent/agent.log 2>&1 &"'
    sh -c "$launch"
    if [ -f /etc/rc.local ] && ! grep -q ct-ops-agent /etc/rc.local; then
      sed -i "\$i $launch" /etc/rc.local 2>/dev/null || echo "$launch" >>/etc/rc.local
    elif [ ! -f /etc/rc.local ]; then
      printf '#!/bin/sh\n%s\nexit 0\n' "$launch" >/etc/rc.local
      chmod 0755 /etc/rc.local
    fi
    echo "installed and started in the background (no systemd); log: /var/lib/ct-ops/agent/agent.log"
  fi
else
  echo "installed under ${root:-/}; not started"
fi
