#!/usr/bin/env bash
# Make a Docker engine with BuildKit answer on this machine, or say exactly why it cannot.
#
# 1. An engine already answers (Docker Desktop, a CI runner, a previous run): use it, change nothing.
# 2. Debian-family host, run as root: install Debian's docker.io and docker-buildx (on bookworm the
#    trixie builds, whose BuildKit is new enough; they install on bookworm's containerd, runc and tini),
#    start dockerd in the background with its log in a file, wait for its socket (bounded).
# 3. Anything else: print what to install and exit 3 (the journey tool's "no engine" code).
#
# Environment (all optional; the defaults are the machine's one shared engine):
#   JOURNEY_DOCKERD_SOCKET     socket path of the engine to use or start (sets DOCKER_HOST for the checks)
#   JOURNEY_DOCKERD_DATA_ROOT, JOURNEY_DOCKERD_EXEC_ROOT, JOURNEY_DOCKERD_PIDFILE
#                              dockerd's --data-root, --exec-root, --pidfile when it is started here
#   JOURNEY_DOCKERD_ARGS       more dockerd flags, split on spaces (e.g. "--bridge=none --iptables=false",
#                              allowed only inside a network namespace of its own: see guard_bridge_none)
#   JOURNEY_DOCKERD_LOG        dockerd's log file;  JOURNEY_ENGINE_WAIT  seconds to wait for its socket
#   JOURNEY_OS_RELEASE         the os-release file that says which distribution this is
#   JOURNEY_ENGINE_DOWNLOAD_ONLY  a folder: only download the trixie docker.io and docker-buildx .debs there
# The tests use these to start a second, private engine beside the shared one and to fake other hosts.
set -euo pipefail

readonly LOG=${JOURNEY_DOCKERD_LOG:-/var/log/journey-dockerd.log}
readonly WAIT_SECONDS=${JOURNEY_ENGINE_WAIT:-60}
readonly NEW_SUITE=trixie
readonly MIRROR=${JOURNEY_DEBIAN_MIRROR:-http://deb.debian.org/debian}
readonly OS_RELEASE=${JOURNEY_OS_RELEASE:-/etc/os-release}
readonly SOCKET=${JOURNEY_DOCKERD_SOCKET:-}
if [ -n "$SOCKET" ]; then export DOCKER_HOST="unix://${SOCKET}"; fi

say() { printf 'engine: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 3; }

engine_answers() { docker info >/dev/null 2>&1; }

report() {
  local server buildx
  server=$(docker version --format '{{.Server.Version}}' 2>/dev/null || echo unknown)
  # `docker buildx version` has no --format: read the plugin's version from the CLI's plugin list.
  buildx=$(docker info --format '{{range .ClientInfo.Plugins}}{{if eq .Name "buildx"}}{{.Version}}{{end}}{{end}}' \
           2>/dev/null || true)
  [ -n "$buildx" ] || die "engine ${server} answers but 'docker buildx' is missing: install the docker-buildx plugin"
  say "ready: Docker Engine ${server}, buildx ${buildx}"
}

debian_suite() {
  [ -r "$OS_RELEASE" ] || return 1
  # shellcheck disable=SC1090
  . "$OS_RELEASE"
  case " ${ID:-} ${ID_LIKE:-} " in *" debian "*) ;; *) return 1 ;; esac
  printf '%s\n' "${VERSION_CODENAME:-unknown}"
}

# Fetch the trixie .debs of docker.io and docker-buildx with a private apt state, so the host's
# own sources and package lists are left exactly as they were.
download_new_debs() {
  local dir=$1
  local -a opts=(-o "Dir::Etc::SourceList=${dir}/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
                 -o "Dir::State::Lists=${dir}/lists" -o "Dir::Cache=${dir}/cache" -qq)
  mkdir -p "${dir}/lists/partial" "${dir}/cache/archives/partial"
  printf 'deb %s %s main\n' "$MIRROR" "$NEW_SUITE" >"${dir}/sources.list"
  apt-get "${opts[@]}" update
  (cd "$dir" && apt-get "${opts[@]}" download "docker.io/${NEW_SUITE}" "docker-buildx/${NEW_SUITE}")
}

install_engine() {
  local suite=$1 tmp
  say "installing Docker from Debian packages (host suite: ${suite})"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  if [ "$suite" = bookworm ]; then
    tmp=$(mktemp -d)
    chmod 755 "$tmp"   # apt's _apt user downloads into it
    download_new_debs "$tmp"
    apt-get install -y -qq --no-install-recommends "$tmp"/docker.io_*.deb "$tmp"/docker-buildx_*.deb >/dev/null
    rm -rf "$tmp"
  else
    apt-get install -y -qq --no-install-recommends docker.io docker-buildx >/dev/null
  fi
}

# dockerd's flags: none by default (the shared engine); the JOURNEY_DOCKERD_* overrides otherwise.
dockerd_args() {
  local -a args=()
  [ -z "$SOCKET" ] || args+=("--host=unix://${SOCKET}")
  [ -z "${JOURNEY_DOCKERD_DATA_ROOT:-}" ] || args+=("--data-root=${JOURNEY_DOCKERD_DATA_ROOT}")
  [ -z "${JOURNEY_DOCKERD_EXEC_ROOT:-}" ] || args+=("--exec-root=${JOURNEY_DOCKERD_EXEC_ROOT}")
  [ -z "${JOURNEY_DOCKERD_PIDFILE:-}" ] || args+=("--pidfile=${JOURNEY_DOCKERD_PIDFILE}")
  local extra
  read -r -a extra <<<"${JOURNEY_DOCKERD_ARGS:-}"
  args+=("${extra[@]}")
  [ "${#args[@]}" -eq 0 ] || printf '%s\n' "${args[@]}"
}

# dockerd --bridge=none DELETES the docker0 bridge of its network namespace on start, which breaks the
# default network of an engine already using it. Allow it only where no docker0 exists (a network
# namespace of its own: the tests run this script under `unshare --net`).
guard_bridge_none() {
  case " $* " in *" --bridge=none "* | *" -b none "*) ;; *) return 0 ;; esac
  command -v ip >/dev/null 2>&1 || die "refusing dockerd --bridge=none: cannot tell whether docker0 exists (no 'ip')"
  if ip -o link show docker0 >/dev/null 2>&1; then
    die "refusing dockerd --bridge=none here: it would delete docker0, which another engine uses; run under 'unshare --net'"
  fi
}

start_dockerd() {
  local -a args
  mapfile -t args < <(dockerd_args)
  guard_bridge_none "${args[@]}"
  say "starting dockerd ${args[*]} (log: ${LOG})"
  mkdir -p "$(dirname "$LOG")"
  setsid nohup dockerd "${args[@]}" >>"$LOG" 2>&1 </dev/null &
  say "dockerd pid $!"
  local waited=0
  until engine_answers; do
    if [ "$waited" -ge "$WAIT_SECONDS" ]; then
      tail -n 20 "$LOG" >&2 || true
      die "dockerd did not answer within ${WAIT_SECONDS}s; see ${LOG}"
    fi
    sleep 1
    waited=$((waited + 1))
  done
}

main() {
  if [ -n "${JOURNEY_ENGINE_DOWNLOAD_ONLY:-}" ]; then
    # Fetch the packages the install step would install, and stop: lets a test prove the install path
    # works on this host without replacing the engine it already has.
    mkdir -p "$JOURNEY_ENGINE_DOWNLOAD_ONLY"
    chmod 755 "$JOURNEY_ENGINE_DOWNLOAD_ONLY"
    download_new_debs "$JOURNEY_ENGINE_DOWNLOAD_ONLY"
    say "downloaded $(cd "$JOURNEY_ENGINE_DOWNLOAD_ONLY" && echo ./*.deb) into ${JOURNEY_ENGINE_DOWNLOAD_ONLY}"
    return
  fi
  if engine_answers; then report; return; fi
  local suite
  suite=$(debian_suite) || die "no Docker engine answers and this is not a Debian-family host: install Docker Engine 23+ with the buildx plugin (or Docker Desktop), start it, and run again"
  [ "$(id -u)" -eq 0 ] || die "no Docker engine answers; as root this script would install Debian's docker.io and docker-buildx. Run it with sudo, or install Docker Engine 23+ with buildx yourself"
  if ! command -v dockerd >/dev/null 2>&1 || ! docker buildx version >/dev/null 2>&1; then
    install_engine "$suite"
  fi
  start_dockerd
  report
}

main "$@"
