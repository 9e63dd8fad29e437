#!/usr/bin/env bash
# Vault figures (docs/perf/vault.md):
#   1. JMH: seal + open of a ~300-byte credential with the org's data key cached (per core, ACCP and JDK provider)
#   2. master-key rotation over 1,000 organizations holding 100,000 credentials
#   3. HTTP reveal (auth, authz, read, decrypt, durable audit record + access log) with wrk -t2 -c16
# Usage: bench/vault.sh [jmh|rotation|http|all]   (needs wrk, psql, python3; PostgreSQL at 127.0.0.1:5432, trust auth)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
pg=postgresql://postgres@127.0.0.1:5432

if [ "$what" = jmh ] || [ "$what" = all ]; then
  bench/jmh.sh SealOpenBench -f1 -wi 3 -i 5 -w 3s -r 5s
fi

if [ "$what" = rotation ] || [ "$what" = all ]; then
  db="liftos_vault_rot_$$"; psql -h 127.0.0.1 -U postgres -q -c "CREATE DATABASE $db"
  ./mvnw -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test >/dev/null
  java_bin=$(ls -d /usr/lib/jvm/*/bin/java | sort -r | head -n1)
  TEST_DATABASE_URL="$pg/$db" "$java_bin" --enable-native-access=ALL-UNNAMED -Xmx1g \
    -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
    com.liftos.security.vault.MasterKeyRotationBenchmark 1000 100
  psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE $db"
fi

if [ "$what" = http ] || [ "$what" = all ]; then
  [ -f target/liftos-security.jar ] || ./mvnw -q -o -DskipTests -Dspotbugs.skip package
  port=18281
  data=$(mktemp -d /tmp/liftos-vault-bench-XXXX)
  db="liftos_vault_http_$$"; psql -h 127.0.0.1 -U postgres -q -c "CREATE DATABASE $db"
  export LIFTOS_DATA_DIR="$data" LIFTOS_HTTP_PORT=$port DATABASE_URL="$pg/$db" LIFTOS_LOG_LEVEL=WARN \
    SECURITY_RATE_LIMITING_ENABLED=false LIFTOS_BOOTSTRAP_ADMIN_EMAIL=bench@example.test LIFTOS_BOOTSTRAP_ADMIN_PASSWORD='Bench-Admin-Pass1!'
  bin/liftos serve >"$data/serve.log" 2>&1 & pid=$!
  trap 'kill -TERM $pid 2>/dev/null || true; psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $db" || true; rm -rf "$data"' EXIT
  until curl -sf -o /dev/null "http://127.0.0.1:$port/health"; do sleep 0.1; done
  login=$(curl -sf -H 'Content-Type: application/json' -d '{"email":"bench@example.test","password":"Bench-Admin-Pass1!"}' \
    "http://127.0.0.1:$port/v1/auth/login")
  token=$(printf '%s' "$login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  org=$(curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/me" | python3 -c 'import json,sys; print(json.load(sys.stdin)["org_id"])')
  secret=$(python3 -c 'print("EAAB" + "x"*180)')
  curl -sf -o /dev/null -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "{\"access_token\":\"$secret\",\"app_id\":\"123456789012345\",\"app_secret\":\"0123456789abcdef0123456789abcdef\",\"ad_account_id\":\"act_1234567890\"}" \
    "http://127.0.0.1:$port/v1/orgs/$org/credentials/meta"
  # The caller is what reads vault secrets in production: an ingestion service account with reveal:credentials.
  # (A person's session from a new device at this request rate scores risk 0.5 and is sent to step-up MFA.)
  sa=$(curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"name":"ingestion","permissions":["reveal:credentials"],"roles":["viewer"]}' "http://127.0.0.1:$port/v1/orgs/$org/service-accounts")
  cid=$(printf '%s' "$sa" | python3 -c 'import json,sys; print(json.load(sys.stdin)["client_id"])')
  csecret=$(printf '%s' "$sa" | python3 -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])')
  token=$(curl -sf -u "$cid:$csecret" -d grant_type=client_credentials "http://127.0.0.1:$port/oauth2/token" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  url="http://127.0.0.1:$port/v1/orgs/$org/credentials/meta/default/secret"
  curl -sf -o /dev/null -H "Authorization: Bearer $token" "$url"
  wrk -t2 -c16 -d20s -H "Authorization: Bearer $token" "$url" >/dev/null   # warm-up (JIT)
  wrk -t2 -c16 -d30s --latency -H "Authorization: Bearer $token" "$url"
  echo "reveals audited: $(psql -h 127.0.0.1 -U postgres -d "$db" -tAc "SELECT count(*) FROM audit_events WHERE event_type = 'API_KEY_ACCESSED'")"
  echo "non-2xx answers in the access log: $(psql -h 127.0.0.1 -U postgres -d "$db" -tAc "SELECT count(*) FROM vault_access_log WHERE NOT success")"
fi
