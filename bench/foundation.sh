#!/usr/bin/env bash
# Foundation figures: start-to-ready (embedded, restart; external PostgreSQL), idle RSS of the JVM, /health throughput.
# Usage: bench/foundation.sh   (needs wrk, psql; builds the jar if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/liftos-security.jar ] || ./mvnw -q -DskipTests -Dspotbugs.skip package
port=18181
data=$(mktemp -d /tmp/liftos-bench-XXXX)
# The global per-IP ceiling (10,000/h) would answer most of this load with 429; lift it for the measurement.
export LIFTOS_RATE_LIMIT_IP_PER_HOUR=1000000000
export LIFTOS_DATA_DIR="$data" LIFTOS_HTTP_PORT=$port LIFTOS_BOOTSTRAP_ADMIN_PASSWORD='Bench-Admin-Pass1!' LIFTOS_LOG_LEVEL=WARN

ready_ms() { # starts the service, prints ms until /health answers 200, leaves it running (pid in $data/pid)
  local t0; t0=$(date +%s%N)
  bin/liftos serve >>"$data/serve.log" 2>&1 & echo $! >"$data/pid"
  until curl -sf -o /dev/null "http://127.0.0.1:$port/health"; do sleep 0.02; done
  echo $(( ($(date +%s%N) - t0) / 1000000 ))
}
stop() { local pid; pid=$(cat "$data/pid"); kill -TERM "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done; }

echo "first start (initdb + keys + bootstrap): $(ready_ms) ms"; stop
for i in 1 2 3; do echo "restart $i, embedded PostgreSQL: $(ready_ms) ms"; stop; done

db="liftos_bench_$$"; psql -h 127.0.0.1 -U postgres -q -c "CREATE DATABASE $db"
export DATABASE_URL="postgresql://postgres@127.0.0.1:5432/$db"
echo "first start, external PostgreSQL: $(ready_ms) ms"; stop
for i in 1 2 3; do echo "restart $i, external PostgreSQL: $(ready_ms) ms"; stop; done

ready_ms >/dev/null
pid=$(cat "$data/pid")
sleep 15
echo "idle RSS of the JVM after 15 s: $(( $(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024 )) MB"
wrk -t2 -c16 -d20s --latency "http://127.0.0.1:$port/health"
echo "RSS after load: $(( $(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024 )) MB"
stop
psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE $db"
rm -rf "$data"
