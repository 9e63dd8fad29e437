#!/usr/bin/env bash
# Audit figures: durable chained append from N concurrent writers, and verification of 1,000,000 records.
# Usage: bench/audit.sh [append [writers] [seconds] | verify [records]]   (default: both)
# Uses TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/bench) or an embedded PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test >/dev/null
java_bin=""
for j in "${JAVA_HOME:-/nonexistent}/bin/java" $(ls -d /usr/lib/jvm/*/bin/java 2>/dev/null | sort -r); do
  v=$("$j" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | cut -d. -f1) || continue
  if [ -n "$v" ] && [ "$v" -ge 21 ]; then java_bin="$j"; break; fi
done
[ -n "$java_bin" ] || { echo "audit.sh: needs a JDK 21+" >&2; exit 1; }
run() { "$java_bin" -Xmx512m --enable-native-access=ALL-UNNAMED -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  com.liftos.security.audit.bench.AuditBench "$@"; }
cli_verify() {  # the real CLI in its own JVM, over the schema the verify run filled
  url=$(grep -o 'DATABASE_URL=.*' "$1" | tail -1 | cut -d= -f2-)
  data=$(mktemp -d)
  start=$(date +%s.%N)
  DATABASE_URL="$url" LIFTOS_DATA_DIR="$data" "$java_bin" -XX:+UseSerialGC -Xmx256m --enable-native-access=ALL-UNNAMED \
    -cp "target/classes:$(cat target/test-classpath.txt)" com.liftos.security.Main audit verify 2>&1 | grep -v '^{' || true
  end=$(date +%s.%N)
  echo "liftos audit verify (whole process, JVM start included): $(echo "$end - $start" | bc) s"
  rm -rf "$data"
}
if [ $# -gt 0 ]; then run "$@"; else
  run append 16 20
  log=$(mktemp); run verify 1000000 | tee "$log"; cli_verify "$log"; rm -f "$log"
fi
