#!/usr/bin/env bash
# Refresh the lock files (`make lock`): every transitive Python dependency pinned, with hashes.
#
#   requirements/test.txt     the tool, the checks its snippets run, and the repository's tests (make test)
#   requirements/site.txt     the tool and the checks only (make site), constrained to test.txt's versions
#   requirements/tooling.txt  uv and setuptools, which install the other two
#
# Direct dependencies are declared, exactly pinned, in pyproject.toml; this only resolves them once, here,
# so that no install ever resolves again. Universal: one lock for Linux, macOS and Windows.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

readonly UV=${UV:-.venv/bin/uv}
readonly PYTHON_FLOOR=3.11.5   # pyproject's requires-python
compile() {
  "$UV" pip compile --quiet --universal --python-version "$PYTHON_FLOOR" --generate-hashes \
    --custom-compile-command "make lock" "$@"
}

compile pyproject.toml --extra checks --extra test -o requirements/test.txt
compile pyproject.toml --extra checks --constraint requirements/test.txt -o requirements/site.txt
compile requirements/tooling.in -o requirements/tooling.txt
printf 'lock: %s packages for the site, %s for the tests, %s tooling\n' \
  "$(grep -c '^[A-Za-z0-9].*==' requirements/site.txt)" \
  "$(grep -c '^[A-Za-z0-9].*==' requirements/test.txt)" \
  "$(grep -c '^[A-Za-z0-9].*==' requirements/tooling.txt)"
