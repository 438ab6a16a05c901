#!/usr/bin/env bash
# The single-node stack on this machine, as root: provisions it (scripts/setup-host.sh),
# installs the npm dependencies, then runs `fleetscope up` in the foreground (Ctrl-C stops it
# cleanly). Extra arguments go to `fleetscope up` (--data, --listen …; see --help).
set -euo pipefail
here="$(dirname "$0")"
bash "$here/setup-host.sh"
source "$here/lib/env.sh"
cd "$REPO_ROOT"
ensure_node_modules
exec node cli/fleetscope.ts up "$@"
