#!/usr/bin/env bash
# Builds the fleetscope image from this checkout.
#   deploy/image/build.sh [--target collector|full] [--tag NAME] [--base IMAGE|local]
# --tag: default fleetscope:latest (full) or fleetscope:collector.
# --base: the Node base image; default node:24-bookworm-slim where a registry answers. Without a
#   registry, pass --base local: base.sh makes fleetscope-base:bookworm from Debian's packages.
# The context is staged, not the checkout: the runtime source (cli, client, collector, aggregator,
# protocol, tui) compiled to JavaScript by the checkout's tsc, and `npm install --omit=dev` run on
# this machine (build containers need no network), with chDB set apart for the `full` target. The dependencies are
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

deps="$CACHE/deps-$(sha256sum "$ROOT/package-lock.json" | cut -c1-16)"
# What the image is made of: the runtime source (tracked and new files), the build's own files,
# the dependencies' lock, the target and the base. Unchanged: no build.
base_id="$("$DOCKER" image inspect -f '{{.Id}}' "$BASE" 2>/dev/null || echo "$BASE")"
inputs="$( (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard -- "${SOURCES[@]}" deploy/image tsconfig.json |
  { xargs -0 -r sha256sum 2>/dev/null || true; }; echo "$TARGET $base_id $(basename "$deps")") | sha256sum | cut -c1-32)"
if [ "$("$DOCKER" image inspect -f '{{index .Config.Labels "org.fleetscope.inputs"}}' "$TAG" 2>/dev/null)" = "$inputs" ]; then
  say "$TAG is up to date"; exit 0
fi

ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/app" "$ctx/chdb"
# Compiled to JavaScript, not run as TypeScript: Node's type stripping keeps a WebAssembly
# compiler in the process, about 36 MB of an idle collector's RSS (BENCHMARKS.md). A type error
# stops the build.
TSC="$ROOT/node_modules/.bin/tsc"
[ -x "$TSC" ] || { say "TypeScript is missing: run npm install in $ROOT first"; exit 1; }
"$TSC" -p "$ROOT/deploy/image/tsconfig.runtime.json" --outDir "$ctx/app"
cp "$ROOT/package.json" "$ctx/app/"
chmod +x "$ctx/app/cli/fleetscope.js"

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

say "building $TAG (target $TARGET, base $BASE)"
"$DOCKER" build --quiet --target "$TARGET" --build-arg "BASE=$BASE" --label "org.fleetscope.inputs=$inputs" \
  --tag "$TAG" "$ctx" >/dev/null
say "$TAG: $("$DOCKER" image inspect -f '{{.Size}}' "$TAG" | numfmt --to=iec)"
