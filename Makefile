# The two commands that matter: `make run` and `make test`. Each sets everything up first:
# a virtualenv with the project, a Docker engine, and the runner image.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
IMAGE ?= cloudide-runner:latest
STAMP := $(VENV)/.installed-stamp
ARGS ?=

# The suite and the bench use an image tagged by the content of runner/: checkouts whose
# runner/ differ (branches, worktrees, CI) share one engine without swapping each other's
# image, and a changed runner/ is always rebuilt before it is tested.
TEST_IMAGE := $(shell $(PYTHON) testkit/runner_tag.py)
test test-pty test-stress bench screenshots: IMAGE := $(TEST_IMAGE)

export CLOUDIDE_IMAGE = $(IMAGE)

.PHONY: run test test-fast test-pty test-stress image engine setup browser web venv server bench screenshots check lint clean-containers

run: setup
	$(BIN)/cloudide-tui --image $(IMAGE) $(ARGS)

# The whole suite, every tier, after the gates (lint, format, types): what CI runs.
test: setup browser check
	$(BIN)/python -m pytest $(ARGS)

# The whole suite RUNS times in a row beside a CPU burner on every core (races show up
# under load); stops at the first failure and says how many runs were clean.
RUNS ?= 3
test-stress: setup browser check
	$(BIN)/python scripts/stress_suite.py --runs $(RUNS) -- $(ARGS)

# The tiers that need no Docker engine and no host programs (pure units, pictures), with
# fewer examples per property: seconds. `make test` runs every tier (pty, engine, app too).
test-fast: venv
	$(BIN)/python -m pytest -m "unit or snapshot" --hypothesis-profile=fast $(ARGS)

# Real PTYs and host programs (bash, vim, tmux, htop), and the emulator against tmux and
# xterm.js (the differential tier), no Docker engine: `make test` runs them too.
test-pty: venv
	$(BIN)/python -m pytest -m "pty or differential" $(ARGS)

setup: venv engine image

venv: $(STAMP)

$(STAMP): pyproject.toml setup.py testkit/xterm/package-lock.json web/package-lock.json
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (3.11+)"; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; \
	    else echo "need the Python venv module (apt-get install python3-venv)"; exit 1; fi; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@for tool in tmux htop vim less node:nodejs npm; do command -v $${tool%%:*} >/dev/null || { \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $${tool##*:} >/dev/null; \
	    else echo "warning: $${tool%%:*} is missing (bench and terminal tests use it)"; fi; }; done
	# xterm.js, the differential tier's second reference terminal (pinned by the lock file)
	npm ci --prefix testkit/xterm --no-audit --no-fund --loglevel=error
	# xterm.js and esbuild for the server's pages (`make web`; the browser tier checks the
	# committed bundle in server/static/ is what they build)
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	touch $(STAMP)

engine:
	scripts/ensure-docker.sh

image: engine
	runner/build-image.sh

# What the browser tier needs: Debian's chromium and chromium-driver, an account for the
# IDE pages' processes that can run this venv's Python (scripts/ensure-browser.sh).
browser: venv
	scripts/ensure-browser.sh $(BIN)/python

# The server's pages (server/static/, committed): xterm.js bundled by esbuild from web/.
web: venv
	npm run --prefix web build

server: setup
	$(BIN)/cloudide-server $(ARGS)

bench: setup
	$(BIN)/python -m bench $(ARGS)

screenshots: setup browser
	$(BIN)/python scripts/make_screenshots.py
	$(BIN)/python scripts/make_browser_screenshots.py

# The gates: ruff lint, ruff format, mypy strict, the import contracts (pyproject.toml).
# `make test` runs them first.
check: venv
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .
	$(BIN)/python -m mypy
	$(BIN)/lint-imports --no-cache

# Remove every container this app made (labelled cloudide.app); workspaces stay on disk.
clean-containers: engine
	docker ps -aq --filter label=cloudide.app | xargs -r docker rm -f
