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
  docker-registry:docker-registry # a real registry on loopback for the deploy checks
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

missing=()
for need in "${needs[@]}"; do
  command -v "${need%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${need%%:*}" ] || missing+=("${need##*:}")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  printf 'host-deps: missing: %s; install them (Debian package names) and run again\n' "${missing[*]}" >&2
  exit 2
fi
printf 'host-deps: installing %s\n' "${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
