#!/usr/bin/env bash
# Runs the whole suite; the fixtures start (and stop) every service the tests need.
set -uo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false
started=$(date +%s)
.venv/bin/python -m pytest "$@"
rc=$?
echo "suite finished in $(( $(date +%s) - started ))s with exit code $rc"
exit $rc
