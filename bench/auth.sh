#!/usr/bin/env bash
# Reproduces the figures in docs/perf/auth.md: wrk -t2 -c16 -d20s on loopback against the packaged jar
# (client_credentials, refresh_token rotation, introspection, JWKS), password logins at Keycloak's Argon2id
# parameters and at ours (8 and 64 clients), peak heap under 500 concurrent logins, and the JMH verification figure.
# Needs: PostgreSQL at $BENCH_PG (default postgresql://postgres@127.0.0.1:5432), wrk, curl, psql, jstat.
# budgets: refresh (10,000 sessions) and client_credentials (100 clients) with rate limiting ON, from one address.
# grants: client_credentials only, with RS256 then ES256 then EdDSA signing keys (LIFTOS_JWT_ALGORITHM), once each.
# Usage: bench/auth.sh [all|http|grants|refresh|budgets|logins|logins-keycloak|logins-ours|heap|jmh]   (default all)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
PG=${BENCH_PG:-postgresql://postgres@127.0.0.1:5432}
DBNAME=${BENCH_DBNAME:-liftos_auth_bench}
PORT=${BENCH_PORT:-18080}
BASE=http://127.0.0.1:$PORT
ADMIN=bench-admin@example.test
ADMIN_PW='Bench-Adm1n-Pass!'
DURATION=${BENCH_DURATION:-20s}
RUNS=${BENCH_RUNS:-3}
out=$(mktemp -d)
pid=""

# The host (a VM) drifts, sometimes to a third of its speed: each section prints a single-core reading beside its
# figures, so a slow moment shows as one (3,860-3,910 RSA-2048 signatures/s is this machine's usual).
host_speed() { echo "  host: $(openssl speed -seconds 2 rsa2048 2>/dev/null | awk '/^rsa 2048/ {printf "%.0f", $6}') RSA-2048 signatures/s (openssl speed, one core) at $(date -u +%H:%M)"; }

stop() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; fi; }
trap 'stop' EXIT

start() {  # start [extra env...]: fresh jar process on the bench database, waits for /health
  stop
  env DATABASE_URL="$PG/$DBNAME" LIFTOS_DATA_DIR="$out/data" LIFTOS_HTTP_PORT=$PORT LIFTOS_LOG_LEVEL=INFO \
      LIFTOS_BOOTSTRAP_ADMIN_EMAIL=$ADMIN LIFTOS_BOOTSTRAP_ADMIN_PASSWORD="$ADMIN_PW" LIFTOS_DB_POOL_SIZE=32 \
      SECURITY_RATE_LIMITING_ENABLED=false "$@" bin/liftos serve >"$out/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 120); do
    if curl -sf "$BASE/health" >/dev/null 2>&1; then
      grep -o 'crypto provider: [^"]*' "$out/serve.log" | head -1 | sed 's/^/  /'
      return 0
    fi
    sleep 0.5
  done
  echo "service did not start; see $out/serve.log" >&2; cat "$out/serve.log" >&2; exit 1
}

fresh_db() {
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DBNAME" -c "CREATE DATABASE $DBNAME" >/dev/null
  rm -rf "$out/data"
}

login() {  # login email password -> full JSON
  curl -sf -H 'Content-Type: application/json' -H 'User-Agent: liftos-bench' \
    -d "{\"email\":\"$1\",\"password\":\"$2\"}" "$BASE/v1/auth/login"
}
field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }

median_wrk() {  # median_wrk label wrk-args...: one warm-up run (JIT), then RUNS runs, prints each and the median req/s
  local label=$1; shift
  local rates=()
  wrk "$@" >/dev/null 2>&1 || true
  for i in $(seq 1 "$RUNS"); do
    wrk --latency "$@" >"$out/wrk.txt" 2>&1
    local rps p99 non2xx
    rps=$(awk '/Requests\/sec/ {print $2}' "$out/wrk.txt")
    p99=$(awk '$1=="99%" {print $2}' "$out/wrk.txt")
    non2xx=$(awk '/Non-2xx/ {print $5}' "$out/wrk.txt"); non2xx=${non2xx:-0}
    echo "  $label run $i: $rps req/s, p99 $p99, non-2xx $non2xx"
    rates+=("$rps")
  done
  printf '%s\n' "${rates[@]}" | sort -n | awk -v l="$label" '{a[NR]=$1} END {print "  " l " MEDIAN: " a[int((NR+1)/2)] " req/s"}'
}

bench_client() {  # a service account of the admin's organization: sets the caller's cid, secret and basic
  local admin org sa
  admin=$(login $ADMIN "$ADMIN_PW" | field access_token)
  org=$(curl -sf -H "Authorization: Bearer $admin" "$BASE/v1/me" | field org_id)
  sa=$(curl -sf -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
       -d '{"name":"bench","permissions":["reveal:credentials"],"roles":["viewer"]}' "$BASE/v1/orgs/$org/service-accounts")
  cid=$(echo "$sa" | field client_id); secret=$(echo "$sa" | field client_secret)
  basic=$(printf '%s:%s' "$cid" "$secret" | base64 -w0)
}

http_figures() {
  fresh_db
  start
  local cid secret basic token
  bench_client
  token=$(curl -sf -u "$cid:$secret" -d grant_type=client_credentials "$BASE/oauth2/token" | field access_token)
  echo "== client_credentials grants (wrk -t2 -c16 -d$DURATION)"
  median_wrk client_credentials -t2 -c16 -d"$DURATION" -s bench/auth/form.lua "$BASE/oauth2/token" -- "grant_type=client_credentials" "$basic"
  echo "== introspection"
  median_wrk introspection -t2 -c16 -d"$DURATION" -s bench/auth/form.lua "$BASE/oauth2/introspect" -- "token=$token" "$basic"
  echo "== JWKS"
  median_wrk jwks -t2 -c16 -d"$DURATION" "$BASE/.well-known/jwks.json"
  refresh_runs
  stop
}

grant_figures() {  # client_credentials grants per signing algorithm, each on a fresh database
  for alg in ${BENCH_ALGS:-RS256 ES256 EdDSA}; do
    fresh_db
    start LIFTOS_JWT_ALGORITHM=$alg
    local cid secret basic
    bench_client
    echo "== client_credentials grants, $alg keys (wrk -t2 -c16 -d$DURATION)"
    host_speed
    median_wrk "client_credentials-$alg" -t2 -c16 -d"$DURATION" -s bench/auth/form.lua "$BASE/oauth2/token" -- "grant_type=client_credentials" "$basic"
    stop
  done
}

refresh_runs() {  # on the running service: one long warm-up, then RUNS measured runs, each on 128 fresh sessions
  echo "== refresh_token grants, each a durable rotation (64 live sessions per wrk thread)"
  local rates=()
  psql "$PG/$DBNAME" -qc "UPDATE org_security_config SET config = jsonb_set(config, '{max_concurrent_sessions}', '1000')" >/dev/null
  # Sessions for every run first, so no logins run between the measured runs; a 60 s warm-up because on two cores
  # C2 was still compiling through a 20 s one (jstat -compiler: 5 s of compile time in the next 20 s run).
  for run in $(seq 0 "$RUNS"); do
    : >"$out/tokens$run.txt"
    for _ in $(seq 1 128); do echo "$(login $ADMIN "$ADMIN_PW" | field refresh_token)" >>"$out/tokens$run.txt"; done
  done
  wrk -t2 -c16 -d"${BENCH_REFRESH_WARMUP:-60s}" -s bench/auth/refresh.lua "$BASE" -- "$out/tokens0.txt" 64 >/dev/null 2>&1
  for run in $(seq 1 "$RUNS"); do
    wrk --latency -t2 -c16 -d"$DURATION" -s bench/auth/refresh.lua "$BASE" -- "$out/tokens$run.txt" 64 >"$out/wrk.txt" 2>&1
    echo "  refresh run $run: $(awk '/Requests\/sec/ {print $2}' "$out/wrk.txt") req/s, p99 $(awk '$1=="99%" {print $2}' "$out/wrk.txt"), non-2xx $(awk '/Non-2xx/ {print $5}' "$out/wrk.txt")"
    rates+=("$(awk '/Requests\/sec/ {print $2}' "$out/wrk.txt")")
  done
  printf '%s\n' "${rates[@]}" | sort -n | awk '{a[NR]=$1} END {print "  refresh MEDIAN: " a[int((NR+1)/2)] " req/s"}'
}

refresh_figures() {
  fresh_db
  start
  refresh_runs
  stop
}

login_figures() {
  local label=$1; shift
  fresh_db
  start "$@"
  local admin org pw='Bench-Us3r-Pass!' users=64
  admin=$(login $ADMIN "$ADMIN_PW" | field access_token)
  org=$(curl -sf -H "Authorization: Bearer $admin" "$BASE/v1/me" | field org_id)
  psql "$PG/$DBNAME" -qc "UPDATE org_security_config SET config = jsonb_set(config, '{max_concurrent_sessions}', '100000')" >/dev/null
  for i in $(seq 1 $users); do
    curl -sf -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
         -d "{\"email\":\"bench-user-$i@example.test\",\"password\":\"$pw\",\"roles\":[\"viewer\"]}" "$BASE/v1/orgs/$org/users" >/dev/null
  done
  # Warm-up (JIT, known devices), then the measured runs: logins spread over the users, as in a real login flood.
  wrk -t2 -c16 -d10s -s bench/auth/logins.lua "$BASE" -- $users "$pw" >/dev/null 2>&1
  for c in 8 16 64; do
    echo "== password logins, $label, $c clients, $users users"
    median_wrk "logins-$label-c$c" -t2 -c$c -d"$DURATION" --timeout 10s -s bench/auth/logins.lua "$BASE" -- $users "$pw"
  done
  stop
}

budget_figures() {  # rate limiting ON, from one client address: realistic populations against the per-caller budgets
  fresh_db
  # Budgets in Redis when BENCH_REDIS is set (as a fleet runs), else in process. The per-address ceiling
  # (LIFTOS_RATE_LIMIT_IP_PER_HOUR, 10,000/h by default) is raised: a backend that refreshes for its users from one
  # address is given a ceiling of its own size; every per-caller budget stays at its default. Cheap Argon2 for setup
  # only (the population's logins are not measured).
  start SECURITY_RATE_LIMITING_ENABLED=true LIFTOS_RATE_LIMIT_IP_PER_HOUR=1000000000 \
        LIFTOS_ARGON2_MEMORY_KIB=8192 LIFTOS_ARGON2_ITERATIONS=1 ${BENCH_REDIS:+REDIS_URL=$BENCH_REDIS}
  echo "== population: 10,000 users with a session each, 100 service accounts"
  python3 bench/auth/population.py sessions "$BASE" $ADMIN "$ADMIN_PW" 10000 1 "$out/sessions.txt"
  python3 bench/auth/population.py clients "$BASE" $ADMIN "$ADMIN_PW" 100 "$out/clients.txt"
  echo "== client_credentials grants, 100 clients, rate limiting on (wrk -t2 -c16 -d$DURATION)"
  median_wrk clients-budgeted -t2 -c16 -d"$DURATION" -s bench/auth/clients.lua "$BASE" -- "$out/clients.txt"
  echo "== refresh_token grants, 10,000 sessions (5,000 per wrk thread), rate limiting on"
  local rates=()
  wrk -t2 -c16 -d"${BENCH_REFRESH_WARMUP:-60s}" -s bench/auth/refresh.lua "$BASE" -- "$out/sessions.txt" 5000 save >"$out/warm.txt" 2>&1
  for run in $(seq 1 "$RUNS"); do
    wrk --latency -t2 -c16 -d"$DURATION" -s bench/auth/refresh.lua "$BASE" -- "$out/sessions.txt" 5000 save >"$out/wrk.txt" 2>&1
    echo "  refresh-budgeted run $run: $(awk '/Requests\/sec/ {print $2}' "$out/wrk.txt") req/s, p99 $(awk '$1=="99%" {print $2}' "$out/wrk.txt"), non-2xx $(awk '/Non-2xx/ {print $5}' "$out/wrk.txt")"
    rates+=("$(awk '/Requests\/sec/ {print $2}' "$out/wrk.txt")")
  done
  printf '%s\n' "${rates[@]}" | sort -n | awk '{a[NR]=$1} END {print "  refresh-budgeted MEDIAN: " a[int((NR+1)/2)] " req/s"}'
  echo "  live sessions after the runs: $(wc -l <"$out/sessions.txt")"
  echo "  refreshes refused by a budget: $(psql "$PG/$DBNAME" -tAc "SELECT count(*) FROM audit_events WHERE event_type = 'RATE_LIMIT_EXCEEDED'") audited refusals"
  stop
}

heap_figure() {
  fresh_db
  start
  local user=$ADMIN pw=$ADMIN_PW
  echo "== peak heap and RSS, 500 concurrent logins for $DURATION (Argon2id 64 MiB, -Xmx768m)"
  jstat -gc "$(pgrep -f "liftos-security.jar serve" | head -1)" 250 >"$out/jstat.txt" &
  local jpid=$!
  wrk -t2 -c500 -d"$DURATION" --timeout 30s -s bench/auth/login.lua "$BASE" -- "{\"email\":\"$user\",\"password\":\"$pw\"}" >"$out/wrk.txt" 2>&1 || true
  kill $jpid 2>/dev/null || true
  awk 'NR>1 && $1 ~ /^[0-9.]+$/ {used=$3+$4+$6+$8; if (used>max) max=used} END {printf "  peak heap used: %.0f MiB\n", max/1024}' "$out/jstat.txt"
  # The hashes' memory is native (libsodium), outside the heap: the process's resident high-water mark shows it.
  awk '/VmHWM/ {printf "  peak RSS of the JVM: %.0f MiB\n", $2/1024}' "/proc/$(pgrep -f "liftos-security.jar serve" | head -1)/status"
  grep -E "Requests/sec|Non-2xx|Socket errors" "$out/wrk.txt" | sed 's/^/  /'
  curl -sf "$BASE/health" >/dev/null && echo "  service healthy after the flood"
  stop
}

jmh_figure() {
  echo "== JMH: in-process verification incl. revocation/session check, 1 thread"
  TEST_DATABASE_URL="$PG/postgres" LIFTOS_LOG_LEVEL=WARN bench/jmh.sh TokenVerifyBench -f1 -wi 3 -i 5 -w 2s -r 3s 2>&1 | grep -E "^Benchmark|TokenVerifyBench\."
  echo "== ops per CPU-second, 1 thread (TokenCpuCost)"
  java_bin=$(ls -d /usr/lib/jvm/*/bin/java | sort -r | head -1)
  TEST_DATABASE_URL="$PG/postgres" LIFTOS_LOG_LEVEL=WARN "$java_bin" --enable-native-access=ALL-UNNAMED \
    -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" com.liftos.security.auth.bench.TokenCpuCost | grep -v '^{'
}

if [ "$what" = all ] || [ "$what" = http ] || [ "$what" = refresh ] || [ "$what" = budgets ] || [ "$what" = logins ] || [ "$what" = logins-keycloak ] || [ "$what" = logins-ours ] || [ "$what" = heap ]; then
  ./mvnw -q -o package -DskipTests -Dspotbugs.skip
fi
host_speed
case $what in
  http) http_figures ;;
  grants) grant_figures ;;
  refresh) refresh_figures ;;
  budgets) budget_figures ;;
  logins) login_figures keycloak-7MiB-t5 LIFTOS_ARGON2_MEMORY_KIB=7168 LIFTOS_ARGON2_ITERATIONS=5; login_figures ours-64MiB-t3 ;;
  logins-keycloak) login_figures keycloak-7MiB-t5 LIFTOS_ARGON2_MEMORY_KIB=7168 LIFTOS_ARGON2_ITERATIONS=5 ;;
  logins-ours) login_figures ours-64MiB-t3 ;;
  heap) heap_figure ;;
  jmh) jmh_figure ;;
  all) http_figures; login_figures keycloak-7MiB-t5 LIFTOS_ARGON2_MEMORY_KIB=7168 LIFTOS_ARGON2_ITERATIONS=5
       login_figures ours-64MiB-t3; heap_figure; jmh_figure ;;
  *) echo "usage: bench/auth.sh [all|http|refresh|budgets|logins|logins-keycloak|logins-ours|heap|jmh]" >&2; exit 2 ;;
esac
host_speed
