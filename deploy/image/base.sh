#!/usr/bin/env bash
# Makes a base image from Debian's own packages, for machines that reach no image registry:
# Debian 12 (minbase) with journalctl (package systemd) and CA certificates, plus this machine's
# Node (>= 22) as /usr/local/bin/node — the role `node:24-bookworm-slim` plays in a normal build.
#   deploy/image/base.sh [TAG]        (default fleetscope-base:bookworm; kept if it exists)
# Needs root, mmdebstrap and a Docker engine. Takes a minute or two (it downloads ~40 MB of .debs).
set -euo pipefail
TAG="${1:-fleetscope-base:bookworm}"
DOCKER="${DOCKER:-docker}"
SUITE=bookworm
MIRROR="${FLEETSCOPE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

say() { printf 'base.sh: %s\n' "$*" >&2; }
if "$DOCKER" image inspect "$TAG" >/dev/null 2>&1; then say "$TAG is present"; exit 0; fi
command -v mmdebstrap >/dev/null || { say "mmdebstrap is missing (apt-get install mmdebstrap)"; exit 1; }
node_bin="$(readlink -f "$(command -v node)")"
[ "$("$node_bin" -p 'process.versions.node.split(".")[0]')" -ge 22 ] || { say "node at $node_bin is older than 22"; exit 1; }

tarball="$(mktemp --suffix=.tar)"
trap 'rm -f "$tarball"' EXIT
say "building $TAG: Debian $SUITE minbase + systemd (journalctl) + node $("$node_bin" -v)"
# No Recommends, no manuals, docs or translations: nothing the image runs reads them.
mmdebstrap --quiet --variant=minbase --include=systemd,ca-certificates \
  --aptopt='Apt::Install-Recommends "false"' \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --customize-hook="copy-in $node_bin /usr/local/bin" \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
  "$SUITE" "$tarball" "$MIRROR" "deb ${MIRROR%/debian}/debian-security $SUITE-security main"
"$DOCKER" import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' "$tarball" "$TAG" >/dev/null
say "$TAG: $("$DOCKER" image inspect -f '{{.Size}}' "$TAG" | numfmt --to=iec) ($(date -u +%FT%TZ))"
