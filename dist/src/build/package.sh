#!/usr/bin/env bash
# Builds the installable artifacts from the laid-out distribution in TARGET/ct-ops:
#   TARGET/ct-ops/runtime                          the server's Java runtime (jlink), used by bin/ctops
#   TARGET/ct-ops-VERSION.tar.gz                   bin/, lib/, runtime/, config/, systemd/, agent/
#   TARGET/ct-ops-agent-VERSION-linux-amd64.zip    a small runtime, the agent's jars, agent.toml,
#                                                  install.sh and uninstall.sh
# Usage: package.sh TARGET VERSION
set -euo pipefail

target="$(cd "$1" && pwd)"
version="$2"
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dist="$target/ct-ops"

# Modules the server needs (jdeps over lib/, plus what is loaded reflectively: JDBC's XA types,
# DNS for JNDI, charsets and EC for TLS, JFR and management for metrics).
server_modules="java.base,java.compiler,java.desktop,java.instrument,java.logging,java.management"
server_modules="$server_modules,java.naming,java.net.http,java.security.jgss,java.sql"
server_modules="$server_modules,java.transaction.xa,java.xml,jdk.charsets,jdk.crypto.ec"
server_modules="$server_modules,jdk.httpserver,jdk.jfr,jdk.management,jdk.naming.dns"
server_modules="$server_modules,jdk.unsupported,jdk.zipfs"
# The agent: no desktop, no compiler, no HTTP server.
agent_modules="java.base,java.logging,java.management,java.naming,java.sql,java.xml"
agent_modules="$agent_modules,jdk.crypto.ec,jdk.unsupported"

java_major() {
  "$1" -XshowSettings:properties -version 2>&1 \
    | awk -F'= ' '/java.specification.version/ { split($2, v, "."); print v[1]; exit }'
}
jlink=""
for candidate in "${JAVA_HOME:+$JAVA_HOME/bin/jlink}" /usr/lib/jvm/*/bin/jlink; do
  [ -n "$candidate" ] && [ -x "$candidate" ] || continue
  major="$(java_major "$(dirname "$candidate")/java")"
  [ -n "$major" ] && [ "$major" -ge 21 ] || continue
  # a JDK can link when it ships jmods or was built with a linkable run-time image
  if [ -d "$(dirname "$candidate")/../jmods" ] || "$candidate" --help 2>&1 | grep -q .; then
    probe="$(mktemp -d)"
    if "$candidate" --add-modules java.base --output "$probe/rt" >/dev/null 2>&1; then
      jlink="$candidate"
      rm -rf "$probe"
      break
    fi
    rm -rf "$probe"
  fi
done
[ -n "$jlink" ] || { echo "package: needs a JDK >= 21 with jlink (jmods or a linkable runtime)" >&2; exit 1; }

# Class files stay uncompressed in the run-time image: a compressed image is inflated class by
# class into memory (the agent's RSS grew by ~8 MiB), and the tarball and the agent bundle are
# compressed as a whole anyway.
link() { # OUTPUT MODULES EXTRA...
  local output="$1" modules="$2"
  shift 2
  rm -rf "$output"
  "$jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
    "$@" --output "$output"
}

echo "package: server runtime ($jlink)"
link "$dist/runtime" "$server_modules" --generate-cds-archive >/dev/null
mkdir -p "$dist/systemd"
cp "$src/main/systemd/ct-ops.service" "$dist/systemd/"

echo "package: ct-ops-agent-$version-linux-amd64.zip"
bundle="$target/agent-bundle/ct-ops-agent-$version"
rm -rf "$target/agent-bundle"
mkdir -p "$bundle/lib"
link "$bundle/runtime" "$agent_modules" --generate-cds-archive >/dev/null
cp "$dist"/lib/ct-ops-agent-*.jar "$bundle/lib/"
cp "$src/main/lib/agent-jvm.options" "$dist/lib/"
cp "$src/main/lib/server-jvm.options" "$dist/lib/"
cp "$src/main/lib/agent-jvm.options" "$bundle/lib/"
IFS=':' read -r -a agent_jars < <(sed "s|LIB/||g" "$dist/lib/agent.classpath") || true
for jar in "${agent_jars[@]}"; do
  cp "$dist/lib/$jar" "$bundle/lib/"
done
# linux-amd64 only, and the agent uses the JDK's TLS: drop other platforms' native libraries and
# netty's BoringSSL (tcnative) from the bundle's copies of the jars
zip -q -d "$bundle"/lib/grpc-netty-shaded-*.jar 'META-INF/native/*tcnative*' \
  'META-INF/native/*aarch_64*' >/dev/null
jna_other="$(unzip -Z1 "$bundle"/lib/jna-[0-9]*.jar | grep -E '^com/sun/jna/[^/]+/[^/]+$' \
  | grep -Ev '^com/sun/jna/linux-x86-64/' | grep -E '\.(so|a|dll|jnilib|dylib)$' || true)"
if [ -n "$jna_other" ]; then
  # shellcheck disable=SC2086 # one entry per line
  zip -q -d "$bundle"/lib/jna-[0-9]*.jar $jna_other >/dev/null
fi
cp -R "$src/main/agent-bundle/bin" "$bundle/"
cp "$src/main/agent-bundle/install.sh" "$src/main/agent-bundle/uninstall.sh" "$bundle/"
cp "$src/main/config/agent.toml" "$bundle/agent.toml"
chmod 0755 "$bundle/bin/ct-ops-agent" "$bundle/install.sh" "$bundle/uninstall.sh"
rm -f "$target/ct-ops-agent-$version-linux-amd64.zip"
(cd "$target/agent-bundle" && zip -qr -X "$target/ct-ops-agent-$version-linux-amd64.zip" "ct-ops-agent-$version")
# the server serves the bundle to hosts (GET /api/agent/download): it ships inside the tarball
rm -rf "$dist/agent"
mkdir -p "$dist/agent"
cp "$target/ct-ops-agent-$version-linux-amd64.zip" "$dist/agent/"

echo "package: ct-ops-$version.tar.gz"
tar -C "$target" --owner=0 --group=0 --transform "s,^ct-ops,ct-ops-$version," \
  -czf "$target/ct-ops-$version.tar.gz" ct-ops

ls -l "$target/ct-ops-$version.tar.gz" "$target/ct-ops-agent-$version-linux-amd64.zip" \
  | awk '{printf "package: %s %.1f MiB\n", $NF, $5 / 1048576}'
