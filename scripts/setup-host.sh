#!/usr/bin/env bash
# Prepares a Debian machine (as root) for fleetscope and its tests. Idempotent: it checks each
# thing first and only does what is missing, saying what it did.
#   - Node >= 22 (installs Node 24 from the npm registry under /opt/fleetscope/node if older)
#   - docker.io, busybox-static, systemd (journald), prometheus (+ promtool), prometheus-alertmanager
#     and prometheus-node-exporter (tests start their binaries themselves; their systemd units play
#     no part), tmux, htop, rsyslog,
#     etcd (server + etcdctl), systemd-journal-remote (gatewayd), mmdebstrap (the image's base
#     without a registry) (tests, benches) from Debian
#   - starts dockerd and a standalone systemd-journald when none answers (no systemd as PID 1 needed)
#   - imports the busybox test image (no registry is needed)
set -euo pipefail
source "$(dirname "$0")/lib/env.sh"

step() { printf 'setup-host: %s\n' "$*"; }
fail() { printf 'setup-host: FAILED: %s\n' "$*" >&2; exit 1; }
trap 'fail "command failed at line $LINENO: $BASH_COMMAND"' ERR

[ "$(id -u)" -eq 0 ] || fail "run as root (it installs packages and starts dockerd and journald)"
command -v apt-get >/dev/null || fail "this script supports Debian (apt-get); install Node >= 22, Docker and journald by hand elsewhere"

APT_UPDATED=""
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ -z "$APT_UPDATED" ]; then step "apt-get update"; apt-get update -qq; APT_UPDATED=1; fi
  step "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- Node ---------------------------------------------------------------------------------
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 22 ]; then
  command -v npm >/dev/null || apt_install nodejs npm
  step "Node $(node -v 2>/dev/null || echo none) is older than 22: installing Node 24 into $FLEETSCOPE_NODE_PREFIX"
  npm install -g --no-audit --no-fund --prefix "$FLEETSCOPE_NODE_PREFIX" node@24 >/dev/null
  export PATH="$FLEETSCOPE_NODE_PREFIX/bin:$PATH"
  [ "$(node_major)" -ge 22 ] || fail "Node 24 did not install into $FLEETSCOPE_NODE_PREFIX"
fi
step "node $(node -v) at $(command -v node)"

# --- Debian packages ----------------------------------------------------------------------
apt_install docker.io busybox-static systemd ca-certificates prometheus tmux htop rsyslog \
  etcd-server etcd-client systemd-journal-remote mmdebstrap prometheus-alertmanager \
  prometheus-node-exporter
[ -x /usr/bin/docker ] || fail "/usr/bin/docker missing after installing docker.io"

# --- dockerd ------------------------------------------------------------------------------
if ! "$FLEETSCOPE_TEST_DOCKER" version >/dev/null 2>&1; then
  step "starting dockerd (log: /var/log/fleetscope-dockerd.log)"
  # setsid: its own session, so it outlives the shell (and process group) that started it
  setsid -f dockerd >/var/log/fleetscope-dockerd.log 2>&1 </dev/null
  for _ in $(seq 1 150); do "$FLEETSCOPE_TEST_DOCKER" version >/dev/null 2>&1 && break; sleep 0.2; done
  "$FLEETSCOPE_TEST_DOCKER" version >/dev/null 2>&1 || fail "dockerd did not answer within 30 s; see /var/log/fleetscope-dockerd.log"
fi
step "dockerd $("$FLEETSCOPE_TEST_DOCKER" version --format '{{.Server.Version}}') answers on /var/run/docker.sock"

# --- journald -----------------------------------------------------------------------------
if ! pgrep -x systemd-journal >/dev/null; then
  step "starting a standalone systemd-journald (volatile journal in /run/log/journal)"
  setsid -f /lib/systemd/systemd-journald >/var/log/fleetscope-journald.log 2>&1 </dev/null
  for _ in $(seq 1 50); do [ -S /run/systemd/journal/socket ] && break; sleep 0.2; done
fi
[ -S /run/systemd/journal/socket ] || fail "systemd-journald is not listening on /run/systemd/journal/socket"
step "systemd-journald runs (pid $(pgrep -x systemd-journal | head -1))"

# --- busybox test image -------------------------------------------------------------------
IMAGE="${FLEETSCOPE_TEST_IMAGE:-busybox:fleetscope}"
if ! "$FLEETSCOPE_TEST_DOCKER" image inspect "$IMAGE" >/dev/null 2>&1; then
  step "importing $IMAGE from busybox-static"
  root="$(mktemp -d)"
  mkdir -p "$root/bin" "$root/tmp" "$root/proc" "$root/sys" "$root/dev" "$root/etc"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"; done
  tar -C "$root" -c . | "$FLEETSCOPE_TEST_DOCKER" import -c 'CMD ["/bin/sh"]' - "$IMAGE" >/dev/null
  rm -rf "$root"
fi
step "image $IMAGE is present"
step "done"
