# One entry point for every routine task. `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime
STAMP := $(VENV)/.dev
# Test-only tools from npm, pinned with their hashes in the committed lock file: Azurite, the
# Azure Blob emulator tests/storage/test_azure.py starts (`npm ci`: exactly the lock).
TOOLS := .tools
AZURITE := $(TOOLS)/node_modules/.bin/azurite-blob

.PHONY: tools run test test-fast lint container ci ci-test lock clean bench bench-image bench-check bench-download reliability docs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# `make run` needs only the action's own dependencies; everything else needs the dev set.
$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $@ $(RUNTIME)

## run: register a model version in a fresh local repository and print the outputs
run: $(RUNTIME)
	$(BIN)/registry-action demo

## tools: the test-only tools from npm (Azurite), pinned by tests/storage/azurite/package-lock.json
tools: $(AZURITE)

# Without npm (Node.js) the Azure tests skip, except under CI (.ci/run installs npm first).
$(AZURITE): tests/storage/azurite/package.json tests/storage/azurite/package-lock.json
	@if ! command -v npm >/dev/null; then echo "npm not found: the Azure tests will skip"; else \
		set -e; mkdir -p $(TOOLS); \
		cp tests/storage/azurite/package.json tests/storage/azurite/package-lock.json $(TOOLS)/; \
		cd $(TOOLS) && npm ci --no-audit --no-fund --loglevel=error && cd - >/dev/null; \
		touch $@; fi

## test: the whole suite, every lane (container tests skip without dockerd)
test: $(STAMP) $(AZURITE)
	$(BIN)/pytest -q $(PARALLEL)

## test-fast: the pure core lane (`-m core`: no stand-in, repository, gto or subprocess), seconds
# Where core tests live (tests/conftest.py's FOLDER_LANES): `pytest -m core` alone finds the
# same tests, but imports every lane's modules to collect them.
CORE_PATHS := tests/core tests/decide tests/commands tests/backends tests/shells/test_messages.py
# PYTHONDONTWRITEBYTECODE (set on some machines) would also stop pytest caching the test
# modules it rewrites: over a third of this lane's time; an empty value unsets it.
test-fast: $(STAMP)
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -q -p no:cacheprovider -m core \
		--hypothesis-profile fast $(CORE_PATHS)

# The whole suite on every core, a file a worker (its module fixtures made once); the
# reliability figures are gathered from the workers (tests/reliability/figures.py).
# `make test PARALLEL=` runs it in one process.
PARALLEL ?= -n auto --dist loadfile

# ci-test: the whole suite once, the reliability scenarios' figures written as they run
RELIABILITY_FIGURES ?= .reliability-figures.md
ci-test: $(STAMP) $(AZURITE)
	RELIABILITY_FIGURES=$(RELIABILITY_FIGURES) $(BIN)/pytest -q $(PARALLEL)

## lint: ruff, mypy, the layer contracts, the action metadata schema and hadolint
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo
	$(BIN)/check-jsonschema --builtin-schema vendor.github-actions action.yml
	$(BIN)/hadolint Dockerfile
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)/actionlint .github/workflows/*.yml
	$(BIN)/zizmor --offline .github/workflows

## container: build the real image and run it like the Actions runner (installs dockerd)
container: $(STAMP)
	bash tests/container/docker_env.sh start
	eval "$$(bash tests/container/docker_env.sh env)" && \
		REGISTRY_ACTION_CONTAINER=1 $(BIN)/pytest -q -s -m container; \
		rc=$$?; bash tests/container/docker_env.sh stop; exit $$rc

## bench: requests, wall time and `gto register` on generated registries; writes bench/results.md
bench: $(STAMP)
	$(BIN)/python -m bench.run

## bench-image: image size and cold start before/after trimming (starts dockerd)
bench-image: $(STAMP)
	bash tests/container/docker_env.sh start
	eval "$$(bash tests/container/docker_env.sh env)" && $(BIN)/python -m bench.image; \
		rc=$$?; bash tests/container/docker_env.sh stop; exit $$rc

## reliability: faults, races and hostile input, audited tag by tag; prints the figures
reliability: $(STAMP)
	$(BIN)/python -m harness.reliability.report

## bench-download: download against dvc pull and dvc artifacts get (a local S3 server)
bench-download: $(STAMP)
	$(BIN)/python bench/download.py

## bench-check: the benchmark's request counts on small repositories (fails on a wrong count)
bench-check: $(STAMP)
	$(BIN)/python -m bench.run --quick --check --no-out

## ci: what .ci/run does (the suite once: the reliability figures come from its run)
ci: lint ci-test run bench-check container
	cat $(RELIABILITY_FIGURES)

## docs: write docs/reference.md's inputs and outputs tables from action.yml
docs: $(STAMP)
	$(BIN)/python -m scripts.reference

## lock: re-pin the image's dependencies with hashes from pyproject.toml
lock: $(STAMP)
	$(BIN)/pip install --quiet uv==0.13.8
	$(BIN)/uv pip compile pyproject.toml --generate-hashes --universal --python-version 3.11 \
		-o requirements.lock --quiet

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache .hypothesis
