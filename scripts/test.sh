#!/usr/bin/env bash
# The whole test suite on this machine, as root: provisions it (scripts/setup-host.sh), installs
# the npm dependencies, then lint, type check and every vitest suite against the real
# dockerd, journald and embedded ClickHouse. Extra arguments go to vitest (a file, -t NAME …).
set -euo pipefail
here="$(dirname "$0")"
bash "$here/setup-host.sh"
source "$here/lib/env.sh"
cd "$REPO_ROOT"
ensure_node_modules
echo "fleetscope: lint (biome)"; npx biome check .
echo "fleetscope: type check (tsc)"; npx tsc -p .
echo "fleetscope: tests (vitest)"; npx vitest run "$@"
