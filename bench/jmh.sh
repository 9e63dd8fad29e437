#!/usr/bin/env bash
# Runs JMH benchmarks (classes under src/test/java/**/bench/) with a JDK 21+.
# Usage: bench/jmh.sh <benchmark regex> [JMH options...]   e.g. bench/jmh.sh VaultBench -f1 -wi 3 -i 5
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test >/dev/null
java_bin=""
for j in "${JAVA_HOME:-/nonexistent}/bin/java" $(ls -d /usr/lib/jvm/*/bin/java 2>/dev/null | sort -r); do
  v=$("$j" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | cut -d. -f1) || continue
  if [ -n "$v" ] && [ "$v" -ge 21 ]; then java_bin="$j"; break; fi
done
[ -n "$java_bin" ] || { echo "jmh.sh: needs a JDK 21+" >&2; exit 1; }
exec "$java_bin" --enable-native-access=ALL-UNNAMED -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" org.openjdk.jmh.Main "$@"
