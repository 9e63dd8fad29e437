#!/usr/bin/env bash
# Incident figures against the packaged jar: detection latency (10th wrong password -> incident listed) and the
# guard chain (IP block list first, emergency-mode guard) on an authenticated GET /v1/me with wrk.
# Usage: bench/incident.sh   (needs wrk, psql, curl, jq; builds the jar if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/liftos-security.jar ] || ./mvnw -q -o -DskipTests -Dspotbugs.skip package
port=18191
data=$(mktemp -d /tmp/liftos-bench-XXXX)
db="liftos_incident_bench_$$"; psql -h 127.0.0.1 -U postgres -q -c "CREATE DATABASE $db"
export LIFTOS_DATA_DIR="$data" LIFTOS_HTTP_PORT=$port LIFTOS_BOOTSTRAP_ADMIN_PASSWORD='Bench-Admin-Pass1!' LIFTOS_LOG_LEVEL=WARN \
  DATABASE_URL="postgresql://postgres@127.0.0.1:5432/$db" SECURITY_RATE_LIMITING_ENABLED=false
bin/liftos serve >>"$data/serve.log" 2>&1 & pid=$!
trap 'kill -TERM $pid; wait $pid || true; psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE $db"; rm -rf "$data"' EXIT
until curl -sf -o /dev/null "http://127.0.0.1:$port/health"; do sleep 0.1; done
base="http://127.0.0.1:$port"
admin_email=admin@liftos.local
token=$(curl -s "$base/v1/auth/login" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$admin_email\",\"password\":\"Bench-Admin-Pass1!\"}" | jq -r .access_token)
org=$(curl -s "$base/v1/me" -H "Authorization: Bearer $token" | jq -r .org_id)
user_email="bench-$$@example.test"
user=$(curl -s "$base/v1/orgs/$org/users" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$user_email\",\"password\":\"Bench-User-Pass1!\",\"roles\":[\"viewer\"]}" | jq -r .id)
for i in $(seq 1 10); do
  curl -s -o /dev/null "$base/v1/auth/login" -H 'Content-Type: application/json' -d "{\"email\":\"$user_email\",\"password\":\"Wrong-Pass-99!\"}"
done
t0=$(date +%s%N)
until curl -s "$base/v1/orgs/$org/incidents" -H "Authorization: Bearer $token" | grep -q "user:$user"; do sleep 0.005; done
echo "detection latency after the 10th failed login: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
wrk -t2 -c16 -d20s --latency -H "Authorization: Bearer $token" "$base/v1/me"
