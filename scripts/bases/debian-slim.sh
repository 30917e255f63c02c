#!/usr/bin/env bash
# Stand-in for the official debian:<suite>-slim image (see debian-slim.Dockerfile for the recipe):
# debian:<suite> without documentation, man pages and translations, as debuerreotype-slimify makes it.
#
# Usage: scripts/bases/debian-slim.sh SUITE [TAG]     (TAG defaults to debian:SUITE-slim)
# Needs debian:SUITE present (bases.py builds it first, from debian.sh).
#
# Two steps, as distroless.sh: build the recipe, then put the package versions and the provenance
# labels on the final tag (a FROM-only build: no new layer).
set -euo pipefail

readonly SUITE=${1:?usage: debian-slim.sh SUITE [TAG]}
readonly TAG=${2:-debian:${SUITE}-slim}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly HERE
readonly TMP_TAG="journey-standin-tmp/debian-slim:${SUITE}-$$"

say() { printf 'bases: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 5; }

cleanup() { docker image rm "$TMP_TAG" >/dev/null 2>&1 || true; }
trap cleanup EXIT

recipe_digest() { (cd "$HERE" && sha256sum debian-slim.sh debian-slim.Dockerfile) | sha256sum | awk '{print "sha256:" $1}'; }

build_recipe() {
  say "building the ${TAG} recipe from debian:${SUITE} (under a minute)"
  local log
  log=$(mktemp /var/tmp/journey-debian-slim-build-XXXXXX.log)
  if ! docker buildx build --progress=plain -f "${HERE}/debian-slim.Dockerfile" --build-arg "SUITE=${SUITE}" \
         -t "$TMP_TAG" "$HERE" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -f "$log"
    die "building ${TAG} failed (see the lines above)"
  fi
  rm -f "$log"
}

# The image's dpkg database, read by its own dpkg-query: the packages debian.sh records (those that say
# what the image is), and every package (the image identity covers all of them, as debian.sh's does).
dpkg_query() { docker run --rm --network none "$TMP_TAG" dpkg-query -W -f '${Package}=${Version}\n' "$@"; }

finalize() {
  local packages all built digest base_id
  packages=$(dpkg_query base-files libc6 dpkg apt tzdata | paste -sd' ')
  all=$(dpkg_query | LC_ALL=C sort | paste -sd' ')
  [ -n "$all" ] || die "the slimmed image lists no packages"
  built=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  digest=$(recipe_digest)
  # The image it is made from: rebuilt when debian:SUITE is.
  base_id=$(docker image inspect --format '{{.Id}}' "debian:${SUITE}")
  printf 'FROM %s\n' "$TMP_TAG" | docker buildx build --progress=quiet \
    --label "org.golangjourney.standin.for=docker.io/library/debian:${SUITE}-slim" \
    --label "org.golangjourney.standin.recipe=scripts/bases/debian-slim.sh ${SUITE}" \
    --label "org.golangjourney.standin.recipe-digest=${digest}" \
    --label "org.golangjourney.standin.packages=${packages}" \
    --label "org.golangjourney.standin.package-list=${all}" \
    --label "org.golangjourney.standin.built=${built}" \
    --label "org.golangjourney.standin.base-id=${base_id}" \
    --label "org.opencontainers.image.title=debian:${SUITE}-slim (stand-in)" \
    --label "org.opencontainers.image.description=debian:${SUITE} stand-in slimmed as debuerreotype-slimify does" \
    --label "org.opencontainers.image.created=${built}" \
    --label "org.opencontainers.image.version=${SUITE}-slim" \
    -t "$TAG" - >/dev/null
}

docker image inspect "debian:${SUITE}" >/dev/null 2>&1 || die "debian:${SUITE} is not present: build it first (scripts/bases/debian.sh ${SUITE})"
build_recipe
finalize
say "built ${TAG}: $(docker image inspect --format '{{.Id}} {{.Size}} bytes' "$TAG")"
