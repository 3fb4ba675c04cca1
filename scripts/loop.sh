#!/usr/bin/env bash
# Runs the multi-node suites (test/cluster and test/processes, the soak included) N
# times in a row and reports every failed run, keeping its log: ./scripts/loop.sh [N]
# (default 30). A run that fails now and then is a bug report, so the count matters.
# CHORUS_SOAK_MS shortens or lengthens the soak in each run.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
runs="${1:-30}"
logs="$(mktemp -d "${TMPDIR:-/tmp}/chorus-loop-XXXXXX")"
mapfile -t tests < <(find dist/test/cluster dist/test/processes -name '*.test.js' | sort)
failed=0
started=$(date +%s)
for run in $(seq 1 "$runs"); do
  log="$logs/run-$run.log"
  begun=$(date +%s)
  if node --test --test-concurrency=2 "${tests[@]}" > "$log" 2>&1; then
    echo "run $run/$runs: ok ($(( $(date +%s) - begun )) s)"
    rm -f "$log"
  else
    failed=$((failed + 1))
    echo "run $run/$runs: FAILED ($(( $(date +%s) - begun )) s), log kept: $log"
    grep -E "^\s*not ok" "$log" | sed 's/^/    /' || true
  fi
done
echo "$failed of $runs runs failed, in $(( $(date +%s) - started )) s; logs of failures in $logs"
[ "$failed" -eq 0 ]
