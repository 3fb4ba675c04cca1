#!/usr/bin/env bash
# Installs what is missing, builds, lints, runs every test, the examples, and the
# benchmarks in quick mode (so they never rot; no timing is asserted).
set -euo pipefail
source "$(dirname "$0")/setup.sh"

echo "› lint and format check"
npx biome check .

echo "› tests"
mapfile -t tests < <(find dist/test -name '*.test.js' | sort)
node --test --test-concurrency=2 "${tests[@]}"

echo "› example"
node dist/examples/process_groups_pubsub.js > /dev/null
echo "example ok"
