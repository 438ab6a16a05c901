#!/usr/bin/env bash
# The single-node stack on this machine, as root: provisions it (scripts/setup-host.sh),
# installs the npm dependencies, then runs `fleetscope up` in the foreground (Ctrl-C stops it
# cleanly). Extra arguments go to `fleetscope up` (--data, --listen …; see --help).
set -euo pipefail
source "$(dirname "$0")/lib/prepare.sh"
exec node cli/fleetscope.ts up "$@"
