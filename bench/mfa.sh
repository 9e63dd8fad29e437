#!/usr/bin/env bash
# MFA benchmarks (JMH, in-process, one thread): TOTP check, one-time code hash, QR PNG.
# Usage: bench/mfa.sh [JMH options]   default: -f1 -wi 2 -i 3
set -euo pipefail
cd "$(dirname "$0")/.."
exec bench/jmh.sh 'com.liftos.security.mfa.MfaBench' ${@:--f1 -wi 2 -i 3 -w 2s -r 3s}
