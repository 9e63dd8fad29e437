#!/usr/bin/env bash
# The console's audit search figure: an organization with N events (default 1,000,000), pages of its audit log
# asked through the HTTP API as the console asks them (docs/perf/console.md).
# Usage: bench/console.sh [events] [runs]. Uses TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/bench).
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test >/dev/null
java_bin="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
"$java_bin" -Xmx768m --enable-native-access=ALL-UNNAMED -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  com.liftos.security.console.bench.AuditSearchBench "$@" 2>&1 | grep -v '^{"ts"' || true
