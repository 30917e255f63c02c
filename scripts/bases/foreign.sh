#!/usr/bin/env bash
# Stand-ins for debian:SUITE and golang:GO_MINOR-SUITE of a foreign architecture (arm64 on an amd64
# machine), from Debian's packages of that architecture, for Vol. 3's emulated build.
#
# Usage: scripts/bases/foreign.sh ARCH GO_MINOR SUITE     (ARCH: a Debian architecture, e.g. arm64)
#
# The same two recipes as debian.sh and golang.sh, for another architecture:
#   1. debootstrap --arch=ARCH --variant=minbase SUITE, minimized and configured as debian.sh does
#      (its second stage runs the foreign dpkg under QEMU: qemu-user-static registers it in
#      binfmt_misc with the F flag, so chroot finds the emulator), imported with --platform;
#   2. golang.Dockerfile, unchanged, built with --platform linux/ARCH and that image as its
#      debian:SUITE (--build-context), then labelled as golang.sh labels the amd64 one.
# An image store of the classic kind holds one platform per tag, so these are not tagged debian:SUITE
# or golang:GO_MINOR-SUITE (the amd64 stand-ins are): they are journey-standin/linux-ARCH/<name>:<tag>.
# The build farm pushes both platforms to its registry as one index under the official name.
set -euo pipefail

readonly ARCH=${1:?usage: foreign.sh ARCH GO_MINOR SUITE}
readonly GO_MINOR=${2:?usage: foreign.sh ARCH GO_MINOR SUITE}
readonly SUITE=${3:?usage: foreign.sh ARCH GO_MINOR SUITE}
readonly PLATFORM=linux/${ARCH}
readonly DEBIAN_TAG=journey-standin/linux-${ARCH}/debian:${SUITE}
readonly GOLANG_TAG=journey-standin/linux-${ARCH}/golang:${GO_MINOR}-${SUITE}
readonly TMP_TAG=journey-standin-tmp/golang:${GO_MINOR}-${SUITE}-${ARCH}-$$
readonly MIRROR=${JOURNEY_DEBIAN_MIRROR:-http://deb.debian.org/debian}
readonly SECURITY_MIRROR=${JOURNEY_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
readonly PORT=${JOURNEY_GOPROXY_PORT:-12601}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly HERE

say() { printf 'bases: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 5; }

[ "$(id -u)" -eq 0 ] || die "building ${GOLANG_TAG} needs root (debootstrap)"
case $ARCH in
  arm64) QEMU=aarch64 ;;
  riscv64) QEMU=riscv64 ;;
  *) die "ARCH=${ARCH}: this recipe knows arm64 and riscv64" ;;
esac
readonly QEMU
[ -f "/proc/sys/fs/binfmt_misc/qemu-${QEMU}" ] ||
  die "QEMU user emulation is not registered for ${ARCH}: run 'scripts/host-deps.sh ship' (qemu-user-static, binfmt-support)"
DEBOOTSTRAP=$(command -v debootstrap || echo /usr/sbin/debootstrap)
readonly DEBOOTSTRAP
[ -x "$DEBOOTSTRAP" ] || die "debootstrap is missing: run 'make host-deps'"

WORK=$(mktemp -d /var/tmp/journey-foreign-XXXXXX)
readonly WORK
cleanup() { docker image rm "$TMP_TAG" >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
readonly ROOTFS=${WORK}/rootfs

recipe_digest() { (cd "$HERE" && sha256sum foreign.sh golang.Dockerfile) | sha256sum | awk '{print "sha256:" $1}'; }

bootstrap() {
  local log=${WORK}/debootstrap.log
  say "debootstrap --arch=${ARCH} --variant=minbase ${SUITE} (its second stage runs under QEMU; log: ${log})"
  if ! "$DEBOOTSTRAP" --arch="$ARCH" --variant=minbase "$SUITE" "$ROOTFS" "$MIRROR" >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    die "debootstrap --arch=${ARCH} of ${SUITE} failed (see the lines above)"
  fi
}

# The apt settings and the clean-up of debian.sh (configure_apt, minimize), the same lines.
configure_apt() {
  local conf=${ROOTFS}/etc/apt/apt.conf.d
  cat >"${conf}/docker-clean" <<'CONF'
// Container images should not keep downloaded packages: remove them after each dpkg run.
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CONF
  printf 'Acquire::GzipIndexes "true";\nAcquire::CompressionTypes::Order:: "gz";\n' >"${conf}/docker-gzip-indexes"
  printf 'Acquire::Languages "none";\n' >"${conf}/docker-no-languages"
  printf 'Apt::AutoRemove::SuggestsImportant "false";\n' >"${conf}/docker-autoremove-suggests"
  printf '#!/bin/sh\nexit 101\n' >"${ROOTFS}/usr/sbin/policy-rc.d"
  chmod 755 "${ROOTFS}/usr/sbin/policy-rc.d"
  rm -f "${ROOTFS}/etc/apt/sources.list"
  cat >"${ROOTFS}/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: ${MIRROR}
Suites: ${SUITE} ${SUITE}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${SECURITY_MIRROR}
Suites: ${SUITE}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
}

minimize() {
  rm -rf "${ROOTFS}"/var/lib/apt/lists/* "${ROOTFS}"/var/cache/apt/*.bin \
         "${ROOTFS}"/var/cache/apt/archives/*.deb "${ROOTFS}"/var/cache/apt/archives/partial/* \
         "${ROOTFS}"/var/cache/ldconfig/aux-cache "${ROOTFS}"/var/log/bootstrap.log \
         "${ROOTFS}"/debootstrap
  find "${ROOTFS}/var/log" -type f -exec truncate -s 0 {} +
  : >"${ROOTFS}/etc/machine-id"
  rm -f "${ROOTFS}/etc/resolv.conf" "${ROOTFS}/etc/hostname"
}

import_debian() {
  local built packages digest all
  built=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  packages=$(dpkg-query --admindir="${ROOTFS}/var/lib/dpkg" -W -f '${Package}=${Version} ' \
             base-files libc6 dpkg apt tzdata | sed 's/ $//')
  # every package, as in debian.sh: the identity covers all of them
  all=$(dpkg-query --admindir="${ROOTFS}/var/lib/dpkg" -W -f '${Package}=${Version}\n' | LC_ALL=C sort | paste -sd' ')
  digest=$(recipe_digest)
  say "docker import --platform ${PLATFORM} as ${DEBIAN_TAG}"
  tar -C "$ROOTFS" --numeric-owner --sort=name --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
      -c . | docker import --platform "$PLATFORM" \
    --change "LABEL org.golangjourney.standin.for=\"docker.io/library/debian:${SUITE}\"" \
    --change "LABEL org.golangjourney.standin.platform=\"${PLATFORM}\"" \
    --change "LABEL org.golangjourney.standin.recipe=\"scripts/bases/foreign.sh ${ARCH} ${GO_MINOR} ${SUITE}\"" \
    --change "LABEL org.golangjourney.standin.recipe-digest=\"${digest}\"" \
    --change "LABEL org.golangjourney.standin.packages=\"${packages}\"" \
    --change "LABEL org.golangjourney.standin.package-list=\"${all}\"" \
    --change "LABEL org.golangjourney.standin.built=\"${built}\"" \
    --change "LABEL org.opencontainers.image.title=\"debian:${SUITE} for ${PLATFORM} (stand-in)\"" \
    --change "LABEL org.opencontainers.image.description=\"debootstrap --arch=${ARCH} --variant=minbase ${SUITE}, minimized like the official image\"" \
    --change "LABEL org.opencontainers.image.created=\"${built}\"" \
    --change "LABEL org.opencontainers.image.version=\"${SUITE}\"" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' \
    - "$DEBIAN_TAG" >/dev/null
}

readonly KEY_PACKAGES=("golang-${GO_MINOR}-go" "golang-${GO_MINOR}-src" gcc g++ libc6-dev make pkg-config
                       git curl ca-certificates openssh-client base-files)

build_golang() {
  local log
  log=${WORK}/golang-build.log
  say "building golang.Dockerfile for ${PLATFORM} on ${DEBIAN_TAG} (apt and dpkg under QEMU)"
  if ! docker buildx build --progress=plain --platform "$PLATFORM" -f "${HERE}/golang.Dockerfile" \
       --build-context "debian:${SUITE}=docker-image://${DEBIAN_TAG}" \
       --build-arg "SUITE=${SUITE}" --build-arg "GO_MINOR=${GO_MINOR}" --build-arg "GOPROXY_PORT=${PORT}" \
       -t "$TMP_TAG" --load "$HERE" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    die "building ${GOLANG_TAG} failed (see the lines above)"
  fi
}

label_golang() {
  local packages go_version built digest base_id all
  packages=$(docker run --rm --platform "$PLATFORM" --network none "$TMP_TAG" \
             dpkg-query -W -f '${Package}=${Version} ' "${KEY_PACKAGES[@]}" | sed 's/ $//')
  all=$(docker run --rm --platform "$PLATFORM" --network none "$TMP_TAG" \
        dpkg-query -W -f '${Package}=${Version}\n' | LC_ALL=C sort | paste -sd' ')
  go_version=$(docker run --rm --platform "$PLATFORM" --network none "$TMP_TAG" go env GOVERSION)
  go_version=${go_version#go}
  [ -n "$go_version" ] || die "the built image has no working go"
  built=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  digest=$(recipe_digest)
  base_id=$(docker image inspect --format '{{.Id}}' "$DEBIAN_TAG")
  printf 'FROM %s\nENV GOLANG_VERSION=%s\n' "$TMP_TAG" "$go_version" |
    docker buildx build --progress=quiet --platform "$PLATFORM" --load \
    --label "org.golangjourney.standin.for=docker.io/library/golang:${GO_MINOR}-${SUITE}" \
    --label "org.golangjourney.standin.platform=${PLATFORM}" \
    --label "org.golangjourney.standin.recipe=scripts/bases/foreign.sh ${ARCH} ${GO_MINOR} ${SUITE}" \
    --label "org.golangjourney.standin.recipe-digest=${digest}" \
    --label "org.golangjourney.standin.packages=${packages}" \
    --label "org.golangjourney.standin.package-list=${all}" \
    --label "org.golangjourney.standin.built=${built}" \
    --label "org.golangjourney.standin.goproxy=http://127.0.0.1:${PORT}" \
    --label "org.golangjourney.standin.base-id=${base_id}" \
    --label "org.opencontainers.image.title=golang:${GO_MINOR}-${SUITE} for ${PLATFORM} (stand-in)" \
    --label "org.opencontainers.image.description=Go ${go_version} from ${SUITE}-backports (${ARCH}) on buildpack-deps package sets" \
    --label "org.opencontainers.image.created=${built}" \
    --label "org.opencontainers.image.version=${go_version}" \
    --label "org.opencontainers.image.base.name=docker.io/library/debian:${SUITE}" \
    -t "$GOLANG_TAG" - >/dev/null
}

bootstrap
configure_apt
minimize
import_debian
build_golang
label_golang
say "built ${GOLANG_TAG}: $(docker image inspect --format '{{.Id}} {{.Os}}/{{.Architecture}} {{.Size}} bytes' "$GOLANG_TAG")"
