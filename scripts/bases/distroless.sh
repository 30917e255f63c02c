#!/usr/bin/env bash
# Stand-in for gcr.io/distroless/static-debian<N>:nonroot (see distroless.Dockerfile for the recipe).
#
# Usage: scripts/bases/distroless.sh SUITE DEBIAN_VERSION [TAG]
#        (TAG defaults to gcr.io/distroless/static-debian<DEBIAN_VERSION>:nonroot)
# Needs debian:SUITE present (bases.py builds it first from debian.sh).
#
# Two steps, as golang.sh: build the recipe, then put the unpacked package versions and the provenance
# labels on the final tag (a FROM-only build: no new layer).
set -euo pipefail

readonly SUITE=${1:?usage: distroless.sh SUITE DEBIAN_VERSION [TAG]}
readonly DEBIAN_VERSION=${2:?usage: distroless.sh SUITE DEBIAN_VERSION [TAG]}
readonly TAG=${3:-gcr.io/distroless/static-debian${DEBIAN_VERSION}:nonroot}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly HERE
readonly TMP_TAG="journey-standin-tmp/distroless:${SUITE}-$$"
readonly PACKAGES_TAG="journey-standin-tmp/distroless-packages:${SUITE}-$$"

say() { printf 'bases: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 5; }

cleanup() { docker image rm "$TMP_TAG" "$PACKAGES_TAG" >/dev/null 2>&1 || true; }
trap cleanup EXIT

recipe_digest() { (cd "$HERE" && sha256sum distroless.sh distroless.Dockerfile) | sha256sum | awk '{print "sha256:" $1}'; }

build_recipe() {
  say "building the ${TAG} recipe from Debian packages (under a minute)"
  local log target
  log=$(mktemp /var/tmp/journey-distroless-build-XXXXXX.log)
  for target in packages final; do
    local -a argv=(docker buildx build --progress=plain -f "${HERE}/distroless.Dockerfile"
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
  local packages built digest base_id
  # The versions unpacked, read from the status files the recipe wrote (the final image has no shell).
  packages=$(docker run --rm --network none "$PACKAGES_TAG" \
             bash -c 'for f in /rootfs/var/lib/dpkg/status.d/*; do
                        printf "%s=%s " "$(sed -n "s/^Package: //p" "$f")" "$(sed -n "s/^Version: //p" "$f")"
                      done' | sed 's/ $//')
  [ -n "$packages" ] || die "the recipe unpacked no packages"
  built=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  digest=$(recipe_digest)
  base_id=$(docker image inspect --format '{{.Id}}' "debian:${SUITE}")
  printf 'FROM %s\n' "$TMP_TAG" | docker buildx build --progress=quiet \
    --label "org.golangjourney.standin.for=gcr.io/distroless/static-debian${DEBIAN_VERSION}:nonroot" \
    --label "org.golangjourney.standin.recipe=scripts/bases/distroless.sh ${SUITE} ${DEBIAN_VERSION}" \
    --label "org.golangjourney.standin.recipe-digest=${digest}" \
    --label "org.golangjourney.standin.packages=${packages}" \
    --label "org.golangjourney.standin.built=${built}" \
    --label "org.golangjourney.standin.base-id=${base_id}" \
    --label "org.opencontainers.image.title=gcr.io/distroless/static-debian${DEBIAN_VERSION}:nonroot (stand-in)" \
    --label "org.opencontainers.image.description=distroless static recipe from ${SUITE} packages" \
    --label "org.opencontainers.image.created=${built}" \
    --label "org.opencontainers.image.source=https://github.com/GoogleContainerTools/distroless" \
    -t "$TAG" - >/dev/null
}

docker image inspect "debian:${SUITE}" >/dev/null 2>&1 || die "debian:${SUITE} is not present: build it first (scripts/bases/debian.sh ${SUITE})"
build_recipe
finalize
say "built ${TAG}: $(docker image inspect --format '{{.Id}} {{.Size}} bytes' "$TAG")"
