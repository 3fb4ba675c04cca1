#!/usr/bin/env bash
# Fails when docs/api is not what `npm run docs` makes of the JSDoc now, or when typedoc
# warns: typedoc.json treats warnings as errors, and an exported symbol without a doc
# comment is one. Generates into a temporary directory, so docs/api is never touched.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
npx typedoc --out "$out" --logLevel Warn
if ! diff -rq docs/api "$out" > /dev/null; then
  diff -ru docs/api "$out" | head -n 80 >&2 || true
  echo "docs/api is out of date: run 'npm run docs' and commit docs/api" >&2
  exit 1
fi
