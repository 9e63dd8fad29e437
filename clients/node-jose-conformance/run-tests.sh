#!/usr/bin/env bash
# Installs jose (pinned in package-lock.json) and runs the conformance test against LIFTOS_TEST_URL.
set -euo pipefail
cd "$(dirname "$0")"
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
exec node --test
