#!/usr/bin/env bash
# Stand-in for gcr.io/distroless/base-debian<N>:nonroot (see distroless-base.Dockerfile for the recipe):
# the static stand-in plus glibc, libssl, libzstd and zlib, for binaries linked against the C library.
#
# Usage: scripts/bases/distroless-base.sh SUITE DEBIAN_VERSION [TAG]
#        (TAG defaults to gcr.io/distroless/base-debian<DEBIAN_VERSION>:nonroot)
# Needs debian:SUITE and gcr.io/distroless/static-debian<DEBIAN_VERSION>:nonroot present (bases.py builds
# them first, from debian.sh and distroless.sh).
#
# Two steps, as distroless.sh: build the recipe, then put the unpacked package versions and the provenance
# labels on the final tag (a FROM-only build: no new layer).
set -euo pipefail

readonly SUITE=${1:?usage: distroless-base.sh SUITE DEBIAN_VERSION [TAG]}
readonly DEBIAN_VERSION=${2:?usage: distroless-base.sh SUITE DEBIAN_VERSION [TAG]}
readonly TAG=${3:-gcr.io/distroless/base-debian${DEBIAN_VERSION}:nonroot}
readonly STATIC="gcr.io/distroless/static-debian${DEBIAN_VERSION}:nonroot"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly HERE
readonly TMP_TAG="journey-standin-tmp/distroless-base:${SUITE}-$$"
readonly PACKAGES_TAG="journey-standin-tmp/distroless-base-packages:${SUITE}-$$"

say() { printf 'bases: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 5; }

cleanup() { docker image rm "$TMP_TAG" "$PACKAGES_TAG" >/dev/null 2>&1 || true; }
trap cleanup EXIT

recipe_digest() {
  (cd "$HERE" && sha256sum distroless-base.sh distroless-base.Dockerfile) | sha256sum | awk '{print "sha256:" $1}'
}

build_recipe() {
  say "building the ${TAG} recipe from Debian packages on ${STATIC} (under a minute)"
  local log target
  log=$(mktemp /var/tmp/journey-distroless-base-build-XXXXXX.log)
  for target in packages final; do
    local -a argv=(docker buildx build --progress=plain -f "${HERE}/distroless-base.Dockerfile"
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
  # The versions unpacked here, read from the status files the recipe wrote (the final image has no
  # shell), and those of the static stand-in it starts from (its own label): every package of the image.
  added=$(docker run --rm --network none "$PACKAGES_TAG" \
          bash -c 'for f in /rootfs/var/lib/dpkg/status.d/*; do
                     printf "%s=%s\n" "$(sed -n "s/^Package: //p" "$f")" "$(sed -n "s/^Version: //p" "$f")"
                   done')
  [ -n "$added" ] || die "the recipe unpacked no packages"
  static=$(docker image inspect --format '{{index .Config.Labels "org.golangjourney.standin.packages"}}' "$STATIC")
  read -r -a static_list <<<"$static"
  packages=$(printf '%s\n' "$added" "${static_list[@]}" | LC_ALL=C sort -u | paste -sd' ')
  built=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  digest=$(recipe_digest)
  # The image it is built on: rebuilt when the static stand-in is (which is rebuilt when debian:SUITE is).
  base_id=$(docker image inspect --format '{{.Id}}' "$STATIC")
  printf 'FROM %s\n' "$TMP_TAG" | docker buildx build --progress=quiet \
    --label "org.golangjourney.standin.for=gcr.io/distroless/base-debian${DEBIAN_VERSION}:nonroot" \
    --label "org.golangjourney.standin.recipe=scripts/bases/distroless-base.sh ${SUITE} ${DEBIAN_VERSION}" \
    --label "org.golangjourney.standin.recipe-digest=${digest}" \
    --label "org.golangjourney.standin.packages=${packages}" \
    --label "org.golangjourney.standin.built=${built}" \
    --label "org.golangjourney.standin.base-id=${base_id}" \
    --label "org.opencontainers.image.title=gcr.io/distroless/base-debian${DEBIAN_VERSION}:nonroot (stand-in)" \
    --label "org.opencontainers.image.description=distroless base recipe from ${SUITE} packages" \
    --label "org.opencontainers.image.created=${built}" \
    --label "org.opencontainers.image.source=https://github.com/GoogleContainerTools/distroless" \
    -t "$TAG" - >/dev/null
}

docker image inspect "debian:${SUITE}" >/dev/null 2>&1 || die "debian:${SUITE} is not present: build it first (scripts/bases/debian.sh ${SUITE})"
docker image inspect "$STATIC" >/dev/null 2>&1 || die "${STATIC} is not present: build it first (scripts/bases/distroless.sh ${SUITE} ${DEBIAN_VERSION})"
build_recipe
finalize
say "built ${TAG}: $(docker image inspect --format '{{.Id}} {{.Size}} bytes' "$TAG")"
