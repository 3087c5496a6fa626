# conformance/conformance.mk: the `conformance` target, included by the top-level Makefile.
#
# `make conformance`:
#   1. creates a git-ignored .venv at the repo root with `python3 -m venv` when it is missing
#      or broken;
#   2. installs conformance/requirements.txt into it whenever that file differs from the copy
#      kept as a stamp in .venv/ (so a changed requirements file reinstalls, an unchanged one
#      needs no network);
#   3. installs the pinned npm packages (crosslang/crosslang.mk's crosslang-npm: npm ci from
#      package-lock.json into node_modules/), for the inference.sh JS SDK scenarios
#      (conformance/test_infsh_js.py); then builds ./cmd/emulator into bin/conformance/emulator (bin/ is git-ignored);
#   4. runs `.venv/bin/python -m pytest conformance -q` with EMULATOR_BIN pointing at it;
#   5. runs the openai-go scenarios (conformance/openaigo, a module of its own so SDK users
#      never download openai-go) against dialtest in-process.
# While cmd/emulator has no Go files yet, the emulator build is skipped and every scenario skips with
# that reason; once it exists, a failing build fails the target.

GO                       ?= go
CONFORMANCE_PYTHON       ?= python3
CONFORMANCE_VENV         := .venv
CONFORMANCE_STAMP        := $(CONFORMANCE_VENV)/.conformance-requirements.txt
CONFORMANCE_EMULATOR_BIN := bin/conformance/emulator
CONFORMANCE_PYTEST_ARGS  ?=

.PHONY: conformance conformance-venv conformance-emulator conformance-openaigo

## conformance: official Python SDKs (and the inference.sh JS SDK, run with node from the
## npm-installed node_modules/) against cmd/emulator (pytest scenarios under conformance/), then openai-go
conformance: conformance-venv conformance-emulator conformance-pytest conformance-openaigo

## conformance-openaigo: openai-go (pinned in conformance/openaigo/go.mod) as a DIAL client against dialtest
conformance-openaigo:
	cd conformance/openaigo && $(GO) vet ./... && $(GO) test -count=1 ./...

.PHONY: conformance-pytest
conformance-pytest: conformance-venv conformance-emulator crosslang-npm
	@if ls cmd/emulator/*.go >/dev/null 2>&1; then \
	  bin="$(CURDIR)/$(CONFORMANCE_EMULATOR_BIN)"; \
	else \
	  bin=""; echo "conformance: cmd/emulator has no Go files yet; scenarios will skip"; \
	fi; \
	EMULATOR_BIN="$$bin" $(CONFORMANCE_VENV)/bin/python -m pytest conformance -q $(CONFORMANCE_PYTEST_ARGS)

## conformance-venv: .venv with the pinned requirements (reinstalled when requirements.txt changes)
conformance-venv:
	@if ! $(CONFORMANCE_VENV)/bin/python -c "import sys" >/dev/null 2>&1; then \
	  echo "conformance: creating $(CONFORMANCE_VENV) with $(CONFORMANCE_PYTHON)"; \
	  $(CONFORMANCE_PYTHON) -m venv --clear $(CONFORMANCE_VENV) || exit 1; \
	  rm -f $(CONFORMANCE_STAMP); \
	fi; \
	if ! cmp -s conformance/requirements.txt $(CONFORMANCE_STAMP); then \
	  echo "conformance: installing conformance/requirements.txt into $(CONFORMANCE_VENV)"; \
	  $(CONFORMANCE_VENV)/bin/python -m pip install --disable-pip-version-check -q \
	    -r conformance/requirements.txt || exit 1; \
	  cp conformance/requirements.txt $(CONFORMANCE_STAMP); \
	fi

## conformance-emulator: build ./cmd/emulator into bin/conformance/emulator (when it exists)
conformance-emulator:
	@if ls cmd/emulator/*.go >/dev/null 2>&1; then \
	  mkdir -p $(dir $(CONFORMANCE_EMULATOR_BIN)) && \
	  $(GO) build -o $(CONFORMANCE_EMULATOR_BIN) ./cmd/emulator; \
	fi
