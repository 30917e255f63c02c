#!/usr/bin/env bash
# Install the host programs a set of work needs, from Debian's packages, each only when missing.
#
# Usage: scripts/host-deps.sh site|test|bench
#   site   what `journey bases` and `journey verify` run on the host (make site)
#   test   site's, plus what only the repository's tests need (make test)
#   bench  site's, plus the alternatives the benchmarks compare
# On a host where apt-get is not ours to use, print what is missing and exit 2.
set -euo pipefail

# program-on-PATH:debian-package
readonly SITE=(
  debootstrap:debootstrap         # stand-in debian:<suite> bases (scripts/bases/debian.sh)
  qemu-aarch64-static:qemu-user-static  # Vol. 3 runs arm64/riscv64 images under QEMU (journey.helpers.farm)
  update-binfmts:binfmt-support   # registers QEMU with the kernel's binfmt_misc
  zstd:zstd                       # Vol. 3 measures zstd layers read back from the registry
)
readonly TEST=(
  chromium:chromium               # browser tests (tests/browser), driven by Playwright
)
readonly BENCH=(
  mmdebstrap:mmdebstrap           # the other way to bootstrap a debian stand-in (JOURNEY_BOOTSTRAP)
)

case ${1:-} in
  site) needs=("${SITE[@]}") ;;
  test) needs=("${SITE[@]}" "${TEST[@]}") ;;
  bench) needs=("${SITE[@]}" "${BENCH[@]}") ;;
  *) printf 'usage: %s site|test|bench\n' "$0" >&2; exit 2 ;;
esac

# QEMU for foreign-architecture images: binfmt_misc must be mounted (a host without systemd does not
# mount it) and qemu-user-static's formats enabled. Checked here: works on the bookworm host (as root).
qemu_binfmt() {
  [ -d /proc/sys/fs/binfmt_misc ] || return 0
  [ -e /proc/sys/fs/binfmt_misc/status ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc \
    || { printf 'host-deps: cannot mount binfmt_misc (not root?): foreign images will not run\n' >&2; return 0; }
  if command -v update-binfmts >/dev/null 2>&1 && [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    update-binfmts --enable || printf 'host-deps: update-binfmts --enable failed\n' >&2
  fi
}

missing=()
for need in "${needs[@]}"; do
  command -v "${need%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${need%%:*}" ] || missing+=("${need##*:}")
done
if [ "${#missing[@]}" -eq 0 ]; then qemu_binfmt; exit 0; fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  printf 'host-deps: missing: %s; install them (Debian package names) and run again\n' "${missing[*]}" >&2
  exit 2
fi
printf 'host-deps: installing %s\n' "${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

qemu_binfmt
