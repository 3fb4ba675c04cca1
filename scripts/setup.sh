# Shared by run.sh and test.sh: install dependencies when they are missing or stale,
# then build. Sourced, not run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "› installing dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

echo "› building"
rm -rf dist
npx tsc -p tsconfig.json
