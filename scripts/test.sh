#!/usr/bin/env bash
# The whole test suite on this machine, as root: provisions it (scripts/setup-host.sh), installs
# the npm dependencies, then lint, type check and every vitest suite against the real
# dockerd, journald and embedded ClickHouse. Extra arguments go to vitest (a file, -t NAME …).
set -euo pipefail
source "$(dirname "$0")/lib/prepare.sh"
echo "fleetscope: lint (biome)"; npx biome check .
echo "fleetscope: type check (tsc)"; npx tsc -p .
echo "fleetscope: tests (vitest)"
results="$(mktemp)"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@" | grep -v "^JSON report written" || status=${PIPESTATUS[0]}
# One plain closing line that any CI reads: "N passed, N failed".
node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const failed = r.numFailedTests || r.numFailedTestSuites; // a file that fails to load has no tests
  console.log(`tests: ${r.numPassedTests} passed, ${failed} failed, ${r.numPendingTests + r.numTodoTests} skipped`);' "$results" || true
rm -f "$results"
exit "$status"
