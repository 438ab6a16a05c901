#!/usr/bin/env bash
# Builds the fleetscope image from this checkout.
#   deploy/image/build.sh [--target collector|full] [--tag NAME] [--base IMAGE|local]
# --tag: default fleetscope:latest (full) or fleetscope:collector.
# --base: the Node base image; default node:24-bookworm-slim where a registry answers. Without a
#   registry, pass --base local: base.sh makes fleetscope-base:bookworm from Debian's packages.
# The context is staged, not the checkout: the runtime source (tracked and new files of cli, client,
# collector, aggregator, protocol, tui), and `npm install --omit=dev` run on this machine (build
# containers need no network), with chDB set apart for the `full` target. The dependencies are
# kept per package-lock.json in $FLEETSCOPE_IMAGE_CACHE, and an image whose inputs have not
# changed is not built again (label org.fleetscope.inputs).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
TAG="" TARGET=full BASE=node:24-bookworm-slim
DOCKER="${DOCKER:-docker}"
CACHE="${FLEETSCOPE_IMAGE_CACHE:-/var/cache/fleetscope/image}"
SOURCES=(cli client collector aggregator protocol tui package.json package-lock.json)

say() { printf 'build.sh: %s\n' "$*" >&2; }
usage() { sed -n '2,10s/^# \{0,1\}//p' "$0"; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) TAG="$2"; shift 2 ;;
    --target) TARGET="$2"; shift 2 ;;
    --base) BASE="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) say "unknown argument: $1"; usage 2 >&2 ;;
  esac
done
case "$TARGET" in collector|full) ;; *) say "--target is collector or full, not $TARGET"; exit 2 ;; esac
# The names the units and manifests run: fleetscope:latest (full), fleetscope:collector.
[ -n "$TAG" ] || { [ "$TARGET" = full ] && TAG=fleetscope:latest || TAG=fleetscope:collector; }
if [ "$BASE" = local ]; then BASE=fleetscope-base:bookworm; DOCKER="$DOCKER" "$ROOT/deploy/image/base.sh" "$BASE"; fi

ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/app" "$ctx/chdb"
# Tracked and new (not ignored) files: what the checkout runs, not what it merely holds.
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard -- "${SOURCES[@]}" |
  xargs -0 -r -I{} sh -c '[ -e "$1" ] && printf "%s\0" "$1"' _ {} |
  tar --null -T - -cf -) | tar -xf - -C "$ctx/app"

deps="$CACHE/deps-$(sha256sum "$ROOT/package-lock.json" | cut -c1-16)"
if [ ! -d "$deps/node_modules" ]; then
  say "installing production dependencies into $deps"
  rm -rf "$deps.tmp" && mkdir -p "$deps.tmp"
  cp "$ROOT/package.json" "$ROOT/package-lock.json" "$deps.tmp/"
  # `install`, not `ci`: npm 11 locks no other platform's optional packages and then refuses
  # its own lock in `ci` (scripts/lib/env.sh); install keeps to the locked versions all the same.
  (cd "$deps.tmp" && npm install --omit=dev --no-audit --no-fund --loglevel=error >/dev/null)
  rm -rf "$deps" && mv "$deps.tmp" "$deps"
fi
# Hard links: the staged tree costs no copy of the dependencies' 600 MB.
cp -al "$deps/node_modules" "$ctx/app/node_modules"
for m in chdb @chdb; do
  [ -e "$ctx/app/node_modules/$m" ] && mv "$ctx/app/node_modules/$m" "$ctx/chdb/$m"
done
cp "$ROOT/deploy/image/Dockerfile" "$ctx/Dockerfile"

base_id="$("$DOCKER" image inspect -f '{{.Id}}' "$BASE" 2>/dev/null || echo "$BASE")"
inputs="$( (cd "$ctx" && find app -path app/node_modules -prune -o -type f -print0 | sort -z | xargs -0 sha256sum
  sha256sum Dockerfile; echo "$TARGET $base_id $(basename "$deps")") | sha256sum | cut -c1-32)"
if [ "$("$DOCKER" image inspect -f '{{index .Config.Labels "org.fleetscope.inputs"}}' "$TAG" 2>/dev/null)" = "$inputs" ]; then
  say "$TAG is up to date"; exit 0
fi
say "building $TAG (target $TARGET, base $BASE)"
"$DOCKER" build --quiet --target "$TARGET" --build-arg "BASE=$BASE" --label "org.fleetscope.inputs=$inputs" \
  --tag "$TAG" "$ctx" >/dev/null
say "$TAG: $("$DOCKER" image inspect -f '{{.Size}}' "$TAG" | numfmt --to=iec)"
