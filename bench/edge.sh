#!/usr/bin/env bash
# Edge figures: rate-limit decisions (JMH, in-process and against Redis) and an authenticated GET /v1/me through
# the whole gate (auth, rate limit on Redis, IP allow-list, tenant, RBAC, risk) with wrk.
# Usage: bench/edge.sh [jmh|wrk|all]   (needs wrk, psql, Redis at $BENCH_REDIS_URL or redis://127.0.0.1:6379)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
redis=${BENCH_REDIS_URL:-redis://127.0.0.1:6379}

if [ "$what" = jmh ] || [ "$what" = all ]; then
  BENCH_REDIS_URL=$redis bench/jmh.sh 'RateLimitBench' -f1 -wi 2 -w 3 -i 5 -r 5
fi

if [ "$what" = wrk ] || [ "$what" = all ]; then
  [ -f target/liftos-security.jar ] || ./mvnw -q -o -DskipTests -Dspotbugs.skip package
  port=18482
  data=$(mktemp -d /tmp/liftos-edge-bench-XXXX)
  db="liftos_edge_bench_$$"
  psql -h 127.0.0.1 -U postgres -q -c "CREATE DATABASE $db"
  export LIFTOS_DATA_DIR="$data" LIFTOS_HTTP_PORT=$port DATABASE_URL="postgresql://postgres@127.0.0.1:5432/$db" \
    REDIS_URL="$redis" SECURITY_RATE_LIMITING_ENABLED=true LIFTOS_RATE_LIMIT_IP_PER_HOUR=1000000000 \
    LIFTOS_BOOTSTRAP_ADMIN_EMAIL=bench@example.test LIFTOS_BOOTSTRAP_ADMIN_PASSWORD='Bench-Admin-Pass1!' LIFTOS_LOG_LEVEL=WARN
  bin/liftos serve >"$data/serve.log" 2>&1 & pid=$!
  trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE $db"; rm -rf "$data"' EXIT
  until curl -sf -o /dev/null "http://127.0.0.1:$port/health"; do sleep 0.1; done
  curl -s "http://127.0.0.1:$port/health"; echo
  token=$(curl -sf -H 'Content-Type: application/json' -d '{"email":"bench@example.test","password":"Bench-Admin-Pass1!"}' \
    "http://127.0.0.1:$port/v1/auth/login" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
  org=$(curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/me" | sed -n 's/.*"org_id":"\([^"]*\)".*/\1/p')
  # a budget large enough that every request is admitted: the figure is the cost of deciding, not of refusing
  curl -sf -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"api_rate_limits":{"api":{"limit":1000000000,"window":3600}}}' "http://127.0.0.1:$port/v1/orgs/$org/security-config" >/dev/null
  curl -s -D - -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/me" | grep -i '^x-ratelimit'
  # Warm-up: the JIT compiles the chain for ~10 s of a core; measuring before it is done measures the compiler.
  wrk -t2 -c16 -d30s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/me" >/dev/null
  rates=()
  for run in 1 2 3; do
    wrk -t2 -c16 -d20s --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/me" >"$data/wrk.txt"
    echo "run $run: $(awk '/Requests\/sec/ {print $2}' "$data/wrk.txt") req/s, p50 $(awk '$1=="50%" {print $2}' "$data/wrk.txt"), p99 $(awk '$1=="99%" {print $2}' "$data/wrk.txt"), non-2xx $(awk '/Non-2xx/ {print $5}' "$data/wrk.txt")"
    rates+=("$(awk '/Requests\/sec/ {print $2}' "$data/wrk.txt")")
  done
  printf '%s\n' "${rates[@]}" | sort -n | awk '{a[NR]=$1} END {print "MEDIAN: " a[int((NR+1)/2)] " req/s"}'
  curl -s -o /dev/null -w 'after the run: %{http_code}\n' -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/me"
fi
