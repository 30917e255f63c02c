#!/usr/bin/env bash
# Stand-in for the official golang:<minor>-<suite> image (see golang.Dockerfile for the recipe).
#
# Usage: scripts/bases/golang.sh GO_MINOR SUITE [TAG]     (TAG defaults to golang:GO_MINOR-SUITE)
# Needs debian:SUITE present (bases.py builds it first from debian.sh).
#
# Two steps: build the recipe, then read the installed package versions out of the image and put them,
# GOLANG_VERSION and the provenance labels on the final tag (a FROM-only build: no new layer).
set -euo pipefail

readonly GO_MINOR=${1:?usage: golang.sh GO_MINOR SUITE [TAG]}
readonly SUITE=${2:?usage: golang.sh GO_MINOR SUITE [TAG]}
readonly TAG=${3:-golang:${GO_MINOR}-${SUITE}}
readonly PORT=${JOURNEY_GOPROXY_PORT:-12601}
# JOURNEY_BASES_NO_CACHE=1 builds without BuildKit's layer cache (to measure a cold build, or to pick up
# Debian updates the cached apt layers would hide).
CACHE_FLAGS=()
if [ "${JOURNEY_BASES_NO_CACHE:-0}" != 0 ]; then CACHE_FLAGS=(--no-cache); fi
readonly CACHE_FLAGS
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly HERE
readonly TMP_TAG="journey-standin-tmp/golang:${GO_MINOR}-${SUITE}-$$"

say() { printf 'bases: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 5; }

cleanup() { docker image rm "$TMP_TAG" >/dev/null 2>&1 || true; }
trap cleanup EXIT

recipe_digest() { (cd "$HERE" && sha256sum golang.sh golang.Dockerfile) | sha256sum | awk '{print "sha256:" $1}'; }

# Packages whose versions say what this image is: Go, the C toolchain, and the tools of the scm/curl sets.
readonly KEY_PACKAGES=("golang-${GO_MINOR}-go" "golang-${GO_MINOR}-src" gcc g++ libc6-dev make pkg-config
                       git curl ca-certificates openssh-client base-files)

build_recipe() {
  say "building the ${TAG} recipe from Debian packages (about a minute; apt progress is hidden)"
  local log
  log=$(mktemp /var/tmp/journey-golang-build-XXXXXX.log)
  if ! docker buildx build --progress=plain "${CACHE_FLAGS[@]}" -f "${HERE}/golang.Dockerfile" \
       --build-arg "SUITE=${SUITE}" --build-arg "GO_MINOR=${GO_MINOR}" --build-arg "GOPROXY_PORT=${PORT}" \
       -t "$TMP_TAG" "$HERE" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -f "$log"
    die "building ${TAG} failed (see the lines above)"
  fi
  rm -f "$log"
}

finalize() {
  local packages go_version built digest base_id all
  packages=$(docker run --rm --network none "$TMP_TAG" \
             dpkg-query -W -f '${Package}=${Version} ' "${KEY_PACKAGES[@]}" | sed 's/ $//')
  # Every installed package, sorted: the identity covers all of them, so one that moved is named in drift.
  all=$(docker run --rm --network none "$TMP_TAG" \
        dpkg-query -W -f '${Package}=${Version}\n' | LC_ALL=C sort | paste -sd' ')
  go_version=$(docker run --rm --network none "$TMP_TAG" go env GOVERSION)
  go_version=${go_version#go}
  [ -n "$go_version" ] || die "the built image has no working go"
  built=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  digest=$(recipe_digest)
  base_id=$(docker image inspect --format '{{.Id}}' "debian:${SUITE}")
  printf 'FROM %s\nENV GOLANG_VERSION=%s\n' "$TMP_TAG" "$go_version" | docker buildx build --progress=quiet \
    --label "org.golangjourney.standin.for=docker.io/library/golang:${GO_MINOR}-${SUITE}" \
    --label "org.golangjourney.standin.recipe=scripts/bases/golang.sh ${GO_MINOR} ${SUITE}" \
    --label "org.golangjourney.standin.recipe-digest=${digest}" \
    --label "org.golangjourney.standin.packages=${packages}" \
    --label "org.golangjourney.standin.package-list=${all}" \
    --label "org.golangjourney.standin.built=${built}" \
    --label "org.golangjourney.standin.goproxy=http://127.0.0.1:${PORT}" \
    --label "org.golangjourney.standin.base-id=${base_id}" \
    --label "org.opencontainers.image.title=golang:${GO_MINOR}-${SUITE} (stand-in)" \
    --label "org.opencontainers.image.description=Go ${go_version} from ${SUITE}-backports on buildpack-deps package sets" \
    --label "org.opencontainers.image.created=${built}" \
    --label "org.opencontainers.image.version=${go_version}" \
    --label "org.opencontainers.image.base.name=docker.io/library/debian:${SUITE}" \
    -t "$TAG" - >/dev/null
}

docker image inspect "debian:${SUITE}" >/dev/null 2>&1 || die "debian:${SUITE} is not present: build it first (scripts/bases/debian.sh ${SUITE})"
build_recipe
finalize
say "built ${TAG}: $(docker image inspect --format '{{.Id}} {{.Size}} bytes' "$TAG")"
