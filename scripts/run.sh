#!/usr/bin/env bash
# Runs an example: ./scripts/run.sh [example], default process-groups-pubsub (embedded).
# The others: notifications, worker-pool (embedded); cluster, config-updates, chat,
# service-discovery (over Redis: REDIS_URL, or a redis-server they start themselves).
# Exits with the example's status, non-zero when its outcome was wrong.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
example="${1:-process-groups-pubsub}"
shift || true
if [ ! -f "dist/examples/${example}.js" ]; then
  echo "no example '${example}'; there are: $(cd dist/examples && ls ./*.js | sed 's|^./||; s|\.js$||' | tr '\n' ' ')" >&2
  exit 2
fi
exec node "dist/examples/${example}.js" "$@"
