# Golang journey. Quick start: `make site` (the site from the recorded results, verifying only snippets whose
# files changed since), `make test` (every test). `make verify-all` re-proves every snippet on this machine.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
JOURNEY := $(BIN)/journey
export NO_MKDOCS_2_WARNING := 1
# Go tools the checks use, installed into the venv from the Go module proxy.
ACTIONLINT := github.com/rhysd/actionlint/cmd/actionlint@v1.7.7

.PHONY: drift-pr help setup setup-test lock host-deps host-deps-test engine bases test-bases verify verify-all verify-entry merge check render site serve test test-unit test-browser lint bench cold-bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

UV := $(BIN)/uv
# Installs come from the lock files only (hash-checked, no dependency resolution): `make lock` refreshes them.
# --compile-bytecode: start-up of every journey command does not depend on the environment writing .pyc files
UV_SYNC := $(UV) pip sync --quiet --compile-bytecode --python $(BIN)/python --require-hashes requirements/tooling.txt
UV_EDITABLE := $(UV) pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e .

$(VENV)/.tooling: requirements/tooling.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --require-hashes --no-deps -r requirements/tooling.txt
	touch $@

# The site and the verifier: the tool, MkDocs and the linters/emulators that snippets' checks run.
$(VENV)/.site: $(VENV)/.tooling requirements/site.txt pyproject.toml
	rm -f $(VENV)/.test
	$(UV_SYNC) requirements/site.txt
	$(UV_EDITABLE)
	GOBIN=$(abspath $(BIN)) go install $(ACTIONLINT)
	touch $@

# Everything the site needs plus the repository's tests (a superset: it also counts as the site's install).
$(VENV)/.test: $(VENV)/.tooling requirements/test.txt pyproject.toml
	$(UV_SYNC) requirements/test.txt
	$(UV_EDITABLE)
	GOBIN=$(abspath $(BIN)) go install $(ACTIONLINT)
	touch $@ $(VENV)/.site

setup: $(VENV)/.site ## the Python tool, MkDocs and the snippets' linters, in .venv (from the lock files)

setup-test: $(VENV)/.test ## setup, plus the repository's test and lint tools

lock: $(VENV)/.tooling ## re-resolve pyproject.toml's pins into the hash-checked lock files under requirements/
	bash scripts/lock.sh

host-deps: ## host programs verifying needs, from Debian packages (debootstrap, docker-registry)
	bash scripts/host-deps.sh site

host-deps-test: ## host programs the tests also need (chromium for the browser tests)
	bash scripts/host-deps.sh test

engine: ## a Docker engine with BuildKit: use the running one, or install and start it (root, Debian)
	bash scripts/engine.sh

bases: setup engine host-deps ## every base image the snippets name: present, pulled, or built as a stand-in
	@# Exit 5 (a base nobody can have offline) is reported and goes on: verify marks those snippets not verified.
	$(JOURNEY) bases || [ $$? -eq 5 ]

# The bases the tests verify fixtures and Vol. 1-2 snippets on (no foreign-platform stand-in: no test verifies one).
test-bases: setup engine host-deps
	$(JOURNEY) bases --no-record vol1 vol2 || [ $$? -eq 5 ]

verify: bases ## build, run, measure and record every snippet whose files changed (SNIPPETS="vol1/x" to pick)
	$(JOURNEY) verify $(SNIPPETS)

# REPORT: where the drift report goes (drift.md, drift.json, durations.json); exit 6 when a figure moved.
# make itself exits 2 whatever its recipe exits with, so verify's own code is kept in $(REPORT)/exit-code.
REPORT ?= build/report
verify-all: bases ## re-prove every snippet here (resumable; SNIPPETS to pick), drift report in build/report/
	rc=0; $(JOURNEY) verify --all --report $(REPORT) $(SNIPPETS) || rc=$$?; \
	  mkdir -p $(REPORT); echo $$rc > $(REPORT)/exit-code; \
	  $(JOURNEY) plan > $(REPORT)/plan.txt; tail -n 2 $(REPORT)/plan.txt; exit $$rc

# One entry of CI's fan-out (site.yml): one snippet, only the bases it names, its drift report in build/report/.
# Drift (exit 6) is the merge's to judge, over every entry: here it only goes into the report and the part.
verify-entry: setup engine host-deps
	@[ -n "$(SNIPPET)" ] || { echo "usage: make verify-entry SNIPPET=vol1/multistage" >&2; exit 2; }
	$(JOURNEY) bases --no-record $(SNIPPET) || [ $$? -eq 5 ]
	$(JOURNEY) verify --all --report $(REPORT) $(VERIFY_FLAGS) $(SNIPPET) || [ $$? -eq 6 ]

# The fan-out's parts (PARTS: folders holding results/ and build/report/) laid over this checkout, then checked.
PARTS ?= $(wildcard build/parts/*)
merge: setup
	$(JOURNEY) merge --report $(REPORT) $(PARTS)
	$(JOURNEY) check

drift-pr: setup ## CI's weekly run: merge the fan-out's parts; on drift, a branch and a pull request (gh)
	bash scripts/drift-pr.sh

check: setup ## no engine needed: recorded results fresh, includes resolve, every file shown or supporting
	$(JOURNEY) check

render: setup ## re-make the page fragments from the recorded results
	$(JOURNEY) render

site: setup ## the site in site/ from the recorded results; verifies (engine, bases) only snippets whose files changed
	bash scripts/site.sh

serve: setup ## preview on http://127.0.0.1:8000 (reloads on page and snippet changes)
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

lint: setup-test ## ruff, mypy, the import contract (lint-imports), shellcheck, hadolint; actionlint, yamllint and the schemas of .github's files
	$(BIN)/ruff check --no-cache scripts tests
	$(BIN)/ruff format --no-cache --check scripts tests
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/shellcheck scripts/*.sh scripts/bases/*.sh scripts/deploy-engine/*.sh scripts/farm/*.sh scripts/standin-helper/*.sh .ci/run
	$(BIN)/hadolint scripts/bases/*.Dockerfile scripts/deploy-engine/Dockerfile scripts/farm/Dockerfile
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/actionlint .github/workflows/*.yml
	$(BIN)/yamllint --strict .github
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml

test: test-bases host-deps-test lint ## every test: unit, real-engine integration and fault tests, site, browser, deploy; then journey check
	$(BIN)/pytest --junitxml=build/test-report.xml
	$(JOURNEY) check

test-unit: setup-test ## every test that needs neither engine nor browser (DOCKER_HOST points nowhere to prove it)
	DOCKER_HOST=unix:///nonexistent/journey-no-engine.sock $(BIN)/pytest -m "not engine and not browser" -q

test-browser: setup-test host-deps-test ## only the browser tests (Chromium); screenshots land in build/screenshots/
	$(BIN)/pytest tests/browser

bench: bases ## speed, side by side: cold/warm/no-op verify, check, overhead against plain buildx
	$(BIN)/python -m journey_bench

cold-bench: ## the cold path timed: wipe to the cold state (JOURNEY_COLD_OK=1, root), then make site and make test
	bash scripts/cold.sh

clean: ## remove the venv, the site and caches (recorded results stay)
	rm -rf $(VENV) site build .cache
