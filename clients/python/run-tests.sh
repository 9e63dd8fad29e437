#!/usr/bin/env bash
# Makes a virtual environment, installs this package with its pinned test dependencies and runs pytest against
# the running service named by LIFTOS_TEST_URL (see tests/conftest.py). Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
VENV="${LIFTOS_PY_VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --retries 2 -r requirements-test.txt
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation .
exec "$VENV/bin/python" -m pytest -p no:cacheprovider "$@"
