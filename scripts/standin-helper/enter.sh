#!/usr/bin/env bash
# The first process of the stand-in helper container (scripts/journey/rootless_build.py starts it):
# runs one recipe of scripts/bases/ as the container's root, for a caller who is not root on the host.
#
# Usage (inside the container): enter.sh RECIPE.sh [ARGS...]
#
# Two things a recipe run by root on the host has, and this container would not have by itself:
# 1. binfmt_misc under /proc: foreign.sh looks there for QEMU (registered on the host with the F flag,
#    so the emulator is found whatever the container's files); a container's /proc has it unmounted,
#    and mounting it shows the host's registrations (one instance outside user namespaces).
# 2. Ctrl-C reaching every process of the recipe: the recipe runs in a process group of its own, and
#    SIGTERM or SIGINT sent to this process (docker kill) goes to that whole group, as a terminal's
#    Ctrl-C does on the host, so the recipe's EXIT trap removes its temporary tags and folders.
set -euo pipefail

readonly BINFMT=/proc/sys/fs/binfmt_misc
if [ -d "$BINFMT" ] && [ ! -e "${BINFMT}/status" ]; then
  mount -t binfmt_misc binfmt_misc "$BINFMT" 2>/dev/null || true
fi

set -m  # job control: the recipe below gets its own process group
bash "$@" &
readonly RECIPE_PID=$!
trap 'kill -TERM -- "-${RECIPE_PID}" 2>/dev/null || true' TERM INT

# `wait` returns early when a trap ran: wait again until the recipe itself has exited.
set +e
while :; do
  wait "$RECIPE_PID"
  code=$?
  kill -0 "$RECIPE_PID" 2>/dev/null || break
done
exit "$code"
