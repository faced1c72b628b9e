# Sourced by the benchmarks: sets $java to a JDK >= 21 (JAVA_HOME, PATH, then /usr/lib/jvm) and
# builds the distribution when it is missing.
root="${root:?}"
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
