#!/usr/bin/env bash
# The fleet soak (issue 17): three instances of the packaged jar, a PostgreSQL and a Redis of the soak's own (so
# they can be stopped), mixed traffic, one fault every few minutes, then the books (see bench/soak/soak.py).
# Usage: bench/soak.sh [minutes (30)] [seconds between faults (180)]   Needs root (runuser postgres for initdb).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-30}
every=${2:-180}
[ -f target/liftos-security.jar ] || ./mvnw -q -DskipTests -Dspotbugs.skip package
java_home=""
for j in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -r); do
  v=$("$j/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | cut -d. -f1) || continue
  if [ -n "$v" ] && [ "$v" -ge 21 ]; then java_home="$j"; break; fi
done
[ -n "$java_home" ] || { echo "soak.sh: needs a JDK 21+" >&2; exit 1; }
mkdir -p target/soak
PATH="$java_home/bin:$PATH" python3 bench/soak/soak.py --minutes "$minutes" --fault-every "$every" \
  --out "target/soak/soak-$(date -u +%Y%m%dT%H%M%SZ).json"
