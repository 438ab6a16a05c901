# Sourced by test.sh and up.sh: provisions the host, puts the right Node on PATH, installs the
# npm dependencies and moves to the repository root.
bash "$(dirname "${BASH_SOURCE[0]}")/../setup-host.sh"
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
ensure_node_modules
