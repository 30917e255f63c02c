#!/usr/bin/env bash
# Stand-in for gcr.io/distroless/static-debian<N>:debug-nonroot (see distroless-debug.Dockerfile for the
# recipe): the static stand-in plus busybox under /busybox, for a shell to debug with.
#
# Usage: scripts/bases/distroless-debug.sh SUITE DEBIAN_VERSION [TAG]
#        (TAG defaults to gcr.io/distroless/static-debian<DEBIAN_VERSION>:debug-nonroot)
# Needs debian:SUITE and gcr.io/distroless/static-debian<DEBIAN_VERSION>:nonroot present (bases.py builds
# them first, from debian.sh and distroless.sh).
#
# Two steps, as distroless.sh: build the recipe, then put the package versions and the provenance
# labels on the final tag (a FROM-only build: no new layer).
set -euo pipefail

readonly SUITE=${1:?usage: distroless-debug.sh SUITE DEBIAN_VERSION [TAG]}
readonly DEBIAN_VERSION=${2:?usage: distroless-debug.sh SUITE DEBIAN_VERSION [TAG]}
readonly TAG=${3:-gcr.io/distroless/static-debian${DEBIAN_VERSION}:debug-nonroot}
readonly STATIC="gcr.io/distroless/static-debian${DEBIAN_VERSION}:nonroot"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly HERE
readonly TMP_TAG="journey-standin-tmp/distroless-debug:${SUITE}-$$"
readonly PACKAGES_TAG="journey-standin-tmp/distroless-debug-packages:${SUITE}-$$"

say() { printf 'bases: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 5; }

cleanup() { docker image rm "$TMP_TAG" "$PACKAGES_TAG" >/dev/null 2>&1 || true; }
trap cleanup EXIT

recipe_digest() {
  (cd "$HERE" && sha256sum distroless-debug.sh distroless-debug.Dockerfile) | sha256sum | awk '{print "sha256:" $1}'
}

build_recipe() {
  say "building the ${TAG} recipe: busybox from Debian on ${STATIC} (under a minute)"
  local log target
  log=$(mktemp /var/tmp/journey-distroless-debug-build-XXXXXX.log)
  for target in packages final; do
    local -a argv=(docker buildx build --progress=plain -f "${HERE}/distroless-debug.Dockerfile"
                   --build-arg "SUITE=${SUITE}" --build-arg "DEBIAN_VERSION=${DEBIAN_VERSION}")
    if [ "$target" = packages ]; then argv+=(--target packages -t "$PACKAGES_TAG"); else argv+=(-t "$TMP_TAG"); fi
    if ! "${argv[@]}" "$HERE" >"$log" 2>&1; then
      tail -n 30 "$log" >&2
      rm -f "$log"
      die "building ${TAG} failed (see the lines above)"
    fi
  done
  rm -f "$log"
}

finalize() {
  local added static packages built digest base_id
  local -a static_list
  # The busybox package the binary came from (its .deb is still in the packages stage), and the packages
  # of the static stand-in it starts from (its own label): every package whose files the image holds.
  added=$(docker run --rm --network none "$PACKAGES_TAG" \
          bash -c 'printf "busybox-static=%s\n" "$(dpkg-deb -f /debs/busybox-static_*.deb Version)"')
  [ "$added" != "busybox-static=" ] || die "the recipe downloaded no busybox-static"
  static=$(docker image inspect --format '{{index .Config.Labels "org.golangjourney.standin.packages"}}' "$STATIC")
  read -r -a static_list <<<"$static"
  packages=$(printf '%s\n' "$added" "${static_list[@]}" | LC_ALL=C sort -u | paste -sd' ')
  built=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  digest=$(recipe_digest)
  # The image it is built on: rebuilt when the static stand-in is (which is rebuilt when debian:SUITE is).
  base_id=$(docker image inspect --format '{{.Id}}' "$STATIC")
  printf 'FROM %s\n' "$TMP_TAG" | docker buildx build --progress=quiet \
    --label "org.golangjourney.standin.for=gcr.io/distroless/static-debian${DEBIAN_VERSION}:debug-nonroot" \
    --label "org.golangjourney.standin.recipe=scripts/bases/distroless-debug.sh ${SUITE} ${DEBIAN_VERSION}" \
    --label "org.golangjourney.standin.recipe-digest=${digest}" \
    --label "org.golangjourney.standin.packages=${packages}" \
    --label "org.golangjourney.standin.built=${built}" \
    --label "org.golangjourney.standin.base-id=${base_id}" \
    --label "org.opencontainers.image.title=gcr.io/distroless/static-debian${DEBIAN_VERSION}:debug-nonroot (stand-in)" \
    --label "org.opencontainers.image.description=distroless static debug recipe, busybox from ${SUITE} packages" \
    --label "org.opencontainers.image.created=${built}" \
    --label "org.opencontainers.image.source=https://github.com/GoogleContainerTools/distroless" \
    -t "$TAG" - >/dev/null
}

docker image inspect "debian:${SUITE}" >/dev/null 2>&1 || die "debian:${SUITE} is not present: build it first (scripts/bases/debian.sh ${SUITE})"
docker image inspect "$STATIC" >/dev/null 2>&1 || die "${STATIC} is not present: build it first (scripts/bases/distroless.sh ${SUITE} ${DEBIAN_VERSION})"
build_recipe
finalize
say "built ${TAG}: $(docker image inspect --format '{{.Id}} {{.Size}} bytes' "$TAG")"
