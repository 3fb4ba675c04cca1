#!/usr/bin/env bash
# Runs an example on the embedded default: ./scripts/run.sh [example], default
# process-groups-pubsub. Exits with the example's status.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
example="${1:-process-groups-pubsub}"
shift || true
exec node "dist/examples/${example}.js" "$@"
