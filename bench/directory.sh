#!/usr/bin/env bash
# Reproduces docs/perf/directory.md, the directory figures of issue 18: with 100,000 users and 1,000,000 sessions in
# one organization, a page of 50 users by `q` prefix (p99 < 20 ms), a user's sessions (p99 < 10 ms), and memory
# while paging through every user (flat).
# The population is written straight into PostgreSQL (bench/directory/population.sql) after the packaged jar has
# migrated a fresh database, then ANALYZEd; the figures are taken over HTTP against that jar with wrk, at one client
# (the latency of a request alone) and at 16 (the throughput of both cores, and latency under that load).
# Rate limiting is off for the whole run (SECURITY_RATE_LIMITING_ENABLED=false): the figures are the listing's cost.
# Needs: PostgreSQL at $BENCH_PG (default postgresql://postgres@127.0.0.1:5432, trust auth), wrk, curl, psql, python3,
# jstat/jcmd. Usage: bench/directory.sh [all|users|sessions|paging|explain]   (default all; the database is
# populated when it does not hold the population yet, BENCH_REPOPULATE=1 forces it)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
PG=${BENCH_PG:-postgresql://postgres@127.0.0.1:5432}
DBNAME=liftos_directory_bench
DB=$PG/$DBNAME
PORT=${BENCH_PORT:-18090}
BASE=http://127.0.0.1:$PORT
ADMIN=bench-admin@example.test
ADMIN_PW='Bench-Adm1n-Pass!'
DURATION=${BENCH_DURATION:-20s}
RUNS=${BENCH_RUNS:-2}
out=$(mktemp -d)
DATA=${BENCH_DATA:-/tmp/liftos-directory-bench}   # the service's keys: they outlive a run, as the database does
pid=""

# The host (a shared VM) drifts: each run prints a single-core reading beside its figures, and the load average
# (openssl speed divides by CPU time, so other processes competing for the two cores show in the load, not in it).
host_speed() { echo "  host: $(openssl speed -seconds 2 rsa2048 2>/dev/null | tail -1) (openssl speed rsa2048, one core) at $(date -u +%H:%M:%S), load average $(cut -d' ' -f1-3 /proc/loadavg)"; }

stop() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; fi; }
trap 'stop' EXIT

start() {  # fresh jar process on the bench database (migrates it on the first start), waits for /health
  stop
  env DATABASE_URL="$DB" LIFTOS_DATA_DIR="$DATA" LIFTOS_HTTP_PORT=$PORT LIFTOS_LOG_LEVEL=INFO \
      LIFTOS_BOOTSTRAP_ADMIN_EMAIL=$ADMIN LIFTOS_BOOTSTRAP_ADMIN_PASSWORD="$ADMIN_PW" \
      SECURITY_RATE_LIMITING_ENABLED=false bin/liftos serve >"$out/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 240); do
    if curl -sf "$BASE/health" >/dev/null 2>&1; then
      jvm=$pid   # env and bin/liftos exec: this is the JVM
      return 0
    fi
    sleep 0.5
  done
  echo "service did not start; see $out/serve.log" >&2; cat "$out/serve.log" >&2; exit 1
}

json() { python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }
admin_token() {
  curl -sf -H 'Content-Type: application/json' -H 'User-Agent: liftos-bench' \
    -d "{\"email\":\"$ADMIN\",\"password\":\"$ADMIN_PW\"}" "$BASE/v1/auth/login" | json access_token
}
org_id() { curl -sf -H "Authorization: Bearer $1" "$BASE/v1/me" | json org_id; }

populated() {
  [ "$(psql "$PG/postgres" -tAc "SELECT count(*) FROM pg_database WHERE datname = '$DBNAME'")" = 1 ] &&
    [ -d "$DATA" ] && [ "$(psql "$DB" -tAc "SELECT count(*) >= 100000 FROM known_devices" 2>/dev/null)" = t ]
}

populate() {
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DBNAME" -c "CREATE DATABASE $DBNAME" >/dev/null
  rm -rf "$DATA"
  start
  local token org hash t0
  token=$(admin_token); org=$(org_id "$token")
  # Every user gets the bootstrap admin's hash: a valid Argon2id hash (no login of theirs is measured).
  hash=$(psql "$DB" -tAc "SELECT password_hash FROM users WHERE email = '$ADMIN'")
  echo "== population: 100,000 users and 1,000,000 sessions in organization $org (bench/directory/population.sql)"
  t0=$(date +%s)
  psql "$DB" -q -v org="$org" -v hash="$hash" -f bench/directory/population.sql
  echo "  written and analyzed in $(( $(date +%s) - t0 )) s"
}

describe() {
  psql "$DB" -c "SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM auth_sessions) AS sessions,
                        (SELECT count(*) FROM auth_sessions WHERE ended_at IS NULL) AS live_sessions,
                        (SELECT count(*) FROM known_devices) AS known_devices,
                        (SELECT max(c) FROM (SELECT count(*) c FROM auth_sessions GROUP BY user_id) m) AS most_sessions_of_a_user,
                        pg_size_pretty(pg_total_relation_size('users')) AS users_size,
                        pg_size_pretty(pg_total_relation_size('auth_sessions')) AS sessions_size"
}

measure() {  # measure label paths-file: a warm-up, then RUNS runs at 1 client and RUNS at 16, each with the host's speed
  local label=$1 paths=$2 token=$3 c
  wrk -t2 -c16 -d10s -s bench/directory/paths.lua -H "Authorization: Bearer $token" "$BASE" -- "$paths" >/dev/null 2>&1
  for c in 1 16; do
    for i in $(seq 1 "$RUNS"); do
      echo "-- $label, $c client(s), run $i: wrk -t$(( c < 2 ? 1 : 2 )) -c$c -d$DURATION --latency -s bench/directory/paths.lua"
      host_speed
      wrk -t$(( c < 2 ? 1 : 2 )) -c$c -d"$DURATION" --latency -s bench/directory/paths.lua \
          -H "Authorization: Bearer $token" "$BASE" -- "$paths" >"$out/wrk.txt" 2>&1
      sed -n '/Latency Distribution/,$p' "$out/wrk.txt" | grep -vE '^\s*(Latency Distribution|Requests/sec|Transfer/sec)' | sed 's/^/  /'
      grep -E 'Requests/sec|Non-2xx|Socket errors' "$out/wrk.txt" | sed 's/^/  /'
      echo "  SUMMARY $label c$c run $i: p99 $(awk '$1=="99%" {print $2}' "$out/wrk.txt"), $(awk '/Requests\/sec/ {print $2}' "$out/wrk.txt") req/s, non-2xx $(awk '/Non-2xx/ {print $5}' "$out/wrk.txt" | grep . || echo 0)"
    done
  done
}

users_figures() {
  local token org
  token=$(admin_token); org=$(org_id "$token")
  python3 bench/directory/paths.py users "$DB" "$org" "$out/users-q.txt" "$out/users-q1.txt"
  echo "== a page of 50 users by q prefix (1, 2, 3, 5 characters, whole emails, display names), total included"
  measure users-q "$out/users-q.txt" "$token"
  echo "== a page of 50 users by a one-letter q prefix (the widest matches: thousands of users to count)"
  measure users-q1 "$out/users-q1.txt" "$token"
}

sessions_figures() {
  local token org
  token=$(admin_token); org=$(org_id "$token")
  python3 bench/directory/paths.py sessions "$BASE" "$token" "$DB" "$org" "$out/sessions-heavy.txt" "$out/sessions-ordinary.txt"
  echo "== a page of 50 sessions of the users with 2,000-5,000 sessions: every page, live and all, followed by cursor"
  measure sessions-heavy "$out/sessions-heavy.txt" "$token"
  echo "== the first page of sessions (all) of 1,000 ordinary users (about 10 sessions each)"
  measure sessions-ordinary "$out/sessions-ordinary.txt" "$token"
}

heap_used_mib() { jstat -gc "$jvm" | awk 'NR==2 {printf "%.0f", ($3+$4+$6+$8)/1024}'; }

paging_figures() {
  local token org jpid
  token=$(admin_token); org=$(org_id "$token")
  echo "== paging through every user, limit 200, following next_cursor (one client); the server's memory meanwhile"
  echo "   (JVM: bin/liftos defaults, -XX:+UseSerialGC -Xms32m -Xmx768m)"
  jcmd "$jvm" GC.run >/dev/null
  echo "  heap after a full GC before the walks: $(heap_used_mib) MiB"
  for i in $(seq 1 "$RUNS"); do
    echo "-- walk $i"
    host_speed
    jstat -gc "$jvm" 100 >"$out/jstat.txt" &
    jpid=$!
    python3 bench/directory/paging.py "$BASE" "$token" "$DB" "$org" "$jvm"
    kill $jpid 2>/dev/null || true; wait $jpid 2>/dev/null || true
    awk 'NR>1 && $1 ~ /^[0-9.]+$/ {used=($3+$4+$6+$8)/1024; if (n==0) first=used; n++; last=used; if (used>max) max=used}
         END {printf "  heap used (jstat every 100 ms, %d samples): start %.0f MiB, peak %.0f MiB, end %.0f MiB\n", n, first, max, last}' "$out/jstat.txt"
    jcmd "$jvm" GC.run >/dev/null
    echo "  heap after a full GC after walk $i: $(heap_used_mib) MiB"
  done
}

explain() {  # explain label sql params...: the plan as a prepared statement, custom and generic (pgJDBC prepares server-side)
  local label=$1 sql=$2; shift 2
  local args; args=$(printf "'%s'," "$@"); args=${args%,}
  echo "-- $label"
  for mode in force_custom_plan force_generic_plan; do
    echo "   plan_cache_mode=$mode (two executions first, then EXPLAIN ANALYZE of a third)"
    psql "$DB" -q -c "SET plan_cache_mode = $mode" -c "PREPARE q AS $sql" -c '\o /dev/null' -c "EXECUTE q($args)" \
      -c "EXECUTE q($args)" -c '\o' -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE q($args)" | grep -v '^\s*$' | sed 's/^/     /'
  done
}

explain_queries() {
  local org cols ucols heavy key_email key_id key_at key_sid
  org=$(psql "$DB" -tAc "SELECT org_id FROM users WHERE email = '$ADMIN'")
  ucols="id, org_id, email, display_name, roles, status, password_changed_at, locked_until, created_at, last_login_at"
  cols="id, user_id, org_id, device_fingerprint, device_id, client_ip, user_agent, amr, created_at, last_seen_at, ended_at, end_reason, new_device, ip_changed, risk_score"
  heavy=$(psql "$DB" -tAc "SELECT user_id FROM auth_sessions GROUP BY user_id ORDER BY count(*) DESC LIMIT 1")
  IFS='|' read -r key_email key_id < <(psql "$DB" -tAF '|' -c "SELECT email, id FROM users WHERE org_id = '$org' AND email COLLATE \"C\" >= 'm' ORDER BY email COLLATE \"C\", id LIMIT 1 OFFSET 200")
  IFS='|' read -r key_at key_sid < <(psql "$DB" -tAF '|' -c "SELECT created_at, id FROM auth_sessions WHERE user_id = '$heavy' ORDER BY created_at DESC, id DESC OFFSET 1000 LIMIT 1")
  echo "== EXPLAIN ANALYZE of the listing's queries (auth/user/UserPages, auth/session/SessionPages)"
  local email="SELECT email, id FROM users WHERE org_id = \$1 AND email COLLATE \"C\" >= \$2 AND email COLLATE \"C\" < \$3 ORDER BY email COLLATE \"C\", id LIMIT \$4"
  local name="SELECT email, id FROM users WHERE org_id = \$5 AND lower(display_name) ~>=~ \$6 AND lower(display_name) ~<~ \$7 ORDER BY email COLLATE \"C\", id LIMIT \$8"
  local page_cols; page_cols=$(echo "$ucols" | sed -E 's/([a-z_]+)/u.\1/g')
  explain "users page, q=m (keys: UNION of the email and the name ranges; then the rows by id)" \
    "SELECT $page_cols FROM (SELECT email, id FROM (($email) UNION ($name)) matched ORDER BY email COLLATE \"C\", id LIMIT \$9) k JOIN users u ON u.id = k.id ORDER BY k.email COLLATE \"C\", k.id" "$org" m n 51 "$org" m n 51 51
  explain "users total, q=m (email matches + name matches whose email does not match)" \
    "SELECT (SELECT count(*) FROM users WHERE org_id = \$1 AND email COLLATE \"C\" >= \$2 AND email COLLATE \"C\" < \$3) + (SELECT count(*) FROM users WHERE org_id = \$4 AND display_name IS NOT NULL AND lower(display_name) ~>=~ \$5 AND lower(display_name) ~<~ \$6 AND NOT (true AND email COLLATE \"C\" >= \$7 AND email COLLATE \"C\" < \$8))" \
    "$org" m n "$org" m n m n
  explain "users total, no filter" "SELECT count(*) FROM users WHERE org_id = \$1" "$org"
  explain "users page 2+, no filter (keyset)" \
    "SELECT $ucols FROM users WHERE org_id = \$1 AND (email COLLATE \"C\", id) > (CAST(\$2 AS text) COLLATE \"C\", \$3) ORDER BY email COLLATE \"C\", id LIMIT \$4" \
    "$org" "$key_email" "$key_id" 201
  explain "sessions first page, live, user with the most sessions" \
    "SELECT $cols FROM auth_sessions WHERE user_id = \$1 AND ended_at IS NULL ORDER BY created_at DESC, id DESC LIMIT \$2" "$heavy" 51
  explain "sessions first page, all" \
    "SELECT $cols FROM auth_sessions WHERE user_id = \$1 ORDER BY created_at DESC, id DESC LIMIT \$2" "$heavy" 51
  explain "sessions page after 1,000, all (keyset)" \
    "SELECT $cols FROM auth_sessions WHERE user_id = \$1 AND (created_at, id) < (\$2, \$3) ORDER BY created_at DESC, id DESC LIMIT \$4" \
    "$heavy" "$key_at" "$key_sid" 51
  explain "sessions total, all" "SELECT count(*) FROM auth_sessions WHERE user_id = \$1" "$heavy"
}

./mvnw -q -o -DskipTests -Dspotbugs.skip package
host_speed
if [ "${BENCH_REPOPULATE:-0}" = 1 ] || ! populated; then populate; fi
describe
start
case $what in
  users) users_figures ;;
  sessions) sessions_figures ;;
  paging) paging_figures ;;
  explain) explain_queries ;;
  all) users_figures; sessions_figures; paging_figures; explain_queries ;;
  *) echo "usage: bench/directory.sh [all|users|sessions|paging|explain]" >&2; exit 2 ;;
esac
grep -q 'retention purge' "$out/serve.log" && echo "note: the retention purge ran during the figures: $(grep -c 'retention purge' "$out/serve.log") log lines"
host_speed
