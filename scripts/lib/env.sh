# Sourced by the scripts: puts the Node that setup-host.sh installed (when the system's is too
# old) first on PATH, and names the Docker client that matches Debian's daemon.
FLEETSCOPE_NODE_PREFIX="${FLEETSCOPE_NODE_PREFIX:-/opt/fleetscope/node}"
if [ -x "$FLEETSCOPE_NODE_PREFIX/bin/node" ]; then
  export PATH="$FLEETSCOPE_NODE_PREFIX/bin:$PATH"
fi
export FLEETSCOPE_TEST_DOCKER="${FLEETSCOPE_TEST_DOCKER:-/usr/bin/docker}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export REPO_ROOT

# Installs the npm dependencies when node_modules is missing or older than the lock file.
ensure_node_modules() {
  if [ ! -f "$REPO_ROOT/node_modules/.package-lock.json" ] || [ "$REPO_ROOT/package-lock.json" -nt "$REPO_ROOT/node_modules/.package-lock.json" ]; then
    # `npm install`, not `npm ci`: npm 11 writes a lock without other platforms' optional
    # packages and then refuses it in `npm ci`; install keeps to the locked versions all the same.
    echo "fleetscope: installing npm dependencies from package-lock.json…"
    (cd "$REPO_ROOT" && npm install --no-audit --no-fund)
  fi
}
