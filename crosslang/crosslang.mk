# crosslang/crosslang.mk: the specs for other languages, included by the top-level Makefile.
#
#   make specs        bundle specs/<svc>.yaml into dist/<svc>.yaml and dist/<svc>.json (Redocly),
#                     stamping info.version and a changelog from crosslang/release.json
#   make spec-lint    Redocly (recommended-strict: warnings fail too) and Spectral (spectral:oas,
#                     --fail-severity warn) on every spec; rules switched off are in .redocly.yaml
#                     and .spectral.yaml, each with its reason
#   make spec-fuzz    schemathesis with dist/<svc>.yaml against each emulator of cmd/emulator
#   make spec-ts      openapi-typescript types per spec into crosslang/gen/ts/, then
#                     `tsc --noEmit` on the typed usage files crosslang/ts/*.ts, and the programs
#                     that run with node (crosslang/ts/tsconfig.run.json) into crosslang/gen/ts-run/
#   make spec-python  openapi-python-client per spec into crosslang/gen/python/ (after the overlay
#                     crosslang/python/<svc>.overlay.yaml where one exists, each with its reason),
#                     then pytest crosslang/python (real calls to cmd/emulator, including the
#                     TypeScript programs of spec-ts run with node: test_nested_paths.py)
#   make crosslang    all of the above (`make -k crosslang` to see every failure at once)
#
# Tools install themselves, pinned:
#   - npm: `npm ci` from package.json + package-lock.json into the git-ignored node_modules/
#     (repo root), redone whenever package-lock.json differs from the copy kept in node_modules/;
#   - Python: crosslang/requirements.txt into the same git-ignored .venv as the conformance
#     harness (conformance/conformance.mk), in one pip run together with
#     conformance/requirements.txt so that pip proves they co-install, redone whenever either
#     file changes (stamp in .venv/).
# cmd/emulator is built into bin/crosslang/emulator (bin/ is git-ignored). Services that
# cmd/emulator does not register yet are skipped with the reason by spec-fuzz and spec-python.

GO                      ?= go
NPM                     ?= npm
CROSSLANG_SERVICES      := dial infsh vectorvein dragoneye
# Same interpreter and venv as conformance/conformance.mk (its variables when it is included).
CROSSLANG_PYTHON         = $(or $(CONFORMANCE_PYTHON),python3)
CROSSLANG_VENV           = $(or $(CONFORMANCE_VENV),.venv)
CROSSLANG_VENV_STAMP     = $(CROSSLANG_VENV)/.crosslang-requirements.txt
CROSSLANG_NPM_STAMP     := node_modules/.crosslang-package-lock.json
CROSSLANG_BIN           := node_modules/.bin
CROSSLANG_EMULATOR_BIN  := bin/crosslang/emulator
CROSSLANG_GEN           := crosslang/gen
# spec-fuzz bounds: test cases per operation and phase, hard time limit per service (s), seed.
CROSSLANG_FUZZ_EXAMPLES ?= 5
CROSSLANG_FUZZ_TIME     ?= 90
CROSSLANG_FUZZ_SEED     ?= 1
CROSSLANG_PYTEST_ARGS   ?=
# No telemetry or update checks from the tools (only package registries are reachable).
CROSSLANG_ENV := REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1 \
                 SCARF_ANALYTICS=false SCHEMATHESIS_TELEMETRY=false

.PHONY: crosslang specs spec-lint spec-fuzz spec-ts spec-python \
        crosslang-npm crosslang-venv crosslang-emulator

## crosslang: bundle, lint, fuzz and generate TypeScript and Python from every spec
crosslang: spec-lint specs spec-ts spec-python spec-fuzz

## crosslang-npm: node_modules/ from package-lock.json with `npm ci` (only when the lockfile changed)
crosslang-npm:
	@if ! cmp -s package-lock.json $(CROSSLANG_NPM_STAMP) || [ ! -x $(CROSSLANG_BIN)/redocly ]; then \
	  echo "crosslang: npm ci (package-lock.json)"; \
	  $(CROSSLANG_ENV) $(NPM) ci --ignore-scripts --no-audit --no-fund --loglevel=error || exit 1; \
	  cp package-lock.json $(CROSSLANG_NPM_STAMP); \
	fi

## crosslang-venv: .venv with conformance/requirements.txt + crosslang/requirements.txt, checked together
crosslang-venv:
	@if ! $(CROSSLANG_VENV)/bin/python -c "import sys" >/dev/null 2>&1; then \
	  echo "crosslang: creating $(CROSSLANG_VENV) with $(CROSSLANG_PYTHON)"; \
	  $(CROSSLANG_PYTHON) -m venv --clear $(CROSSLANG_VENV) || exit 1; \
	  rm -f $(CROSSLANG_VENV_STAMP); \
	fi; \
	if ! cat conformance/requirements.txt crosslang/requirements.txt | cmp -s - $(CROSSLANG_VENV_STAMP); then \
	  echo "crosslang: installing conformance/requirements.txt + crosslang/requirements.txt into $(CROSSLANG_VENV)"; \
	  $(CROSSLANG_VENV)/bin/python -m pip install --disable-pip-version-check -q \
	    -r conformance/requirements.txt -r crosslang/requirements.txt || exit 1; \
	  $(CROSSLANG_VENV)/bin/python -m pip check --disable-pip-version-check || exit 1; \
	  cat conformance/requirements.txt crosslang/requirements.txt > $(CROSSLANG_VENV_STAMP); \
	fi

## crosslang-emulator: build ./cmd/emulator into bin/crosslang/emulator
crosslang-emulator:
	@mkdir -p $(dir $(CROSSLANG_EMULATOR_BIN)) && $(GO) build -o $(CROSSLANG_EMULATOR_BIN) ./cmd/emulator

## specs: dist/<svc>.yaml and dist/<svc>.json, self-contained, with version and changelog in info
specs: crosslang-npm
	@mkdir -p dist; \
	for svc in $(CROSSLANG_SERVICES); do \
	  for ext in yaml json; do \
	    $(CROSSLANG_ENV) $(CROSSLANG_BIN)/redocly bundle --config .redocly.yaml --lint-config error \
	      $$svc --ext $$ext -o dist/$$svc.$$ext >/dev/null 2>dist/.bundle-$$svc.log \
	      || { cat dist/.bundle-$$svc.log; echo "specs: bundling $$svc failed"; exit 1; }; \
	  done; \
	  rm -f dist/.bundle-$$svc.log; \
	  echo "specs: dist/$$svc.yaml dist/$$svc.json"; \
	done

## spec-lint: Redocly and Spectral on every spec; any error or warning fails
spec-lint: crosslang-npm
	@rc=0; \
	echo "spec-lint: redocly lint (recommended-strict, .redocly.yaml)"; \
	out=$$($(CROSSLANG_ENV) $(CROSSLANG_BIN)/redocly lint --config .redocly.yaml --lint-config error \
	  --format stylish 2>&1) || rc=1; \
	printf '%s\n' "$$out" | grep -v -e '[║╔╚]' -e '^ *$$'; \
	echo "spec-lint: spectral lint (spectral:oas, .spectral.yaml)"; \
	$(CROSSLANG_ENV) $(CROSSLANG_BIN)/spectral lint --ruleset .spectral.yaml --fail-severity warn \
	  --format text --display-only-failures $(foreach s,$(CROSSLANG_SERVICES),specs/$(s).yaml) || rc=1; \
	echo; \
	if [ $$rc -ne 0 ]; then echo "spec-lint: FAILED: fix the spec, or switch a deliberate rule off in .redocly.yaml / .spectral.yaml with a one-line reason"; exit 1; fi; \
	echo "spec-lint: clean"

## spec-fuzz: schemathesis against every emulator of cmd/emulator, bounded in examples and time
spec-fuzz: specs crosslang-venv crosslang-emulator
	@$(CROSSLANG_ENV) $(CROSSLANG_VENV)/bin/python crosslang/fuzz.py --emulator $(CROSSLANG_EMULATOR_BIN) \
	  --dist dist --max-examples $(CROSSLANG_FUZZ_EXAMPLES) --max-time $(CROSSLANG_FUZZ_TIME) \
	  --seed $(CROSSLANG_FUZZ_SEED)

## spec-ts: TypeScript types per spec (openapi-typescript) and tsc --noEmit on crosslang/ts/*.ts
spec-ts: specs
	@rm -rf $(CROSSLANG_GEN)/ts && mkdir -p $(CROSSLANG_GEN)/ts; \
	for svc in $(CROSSLANG_SERVICES); do \
	  $(CROSSLANG_ENV) $(CROSSLANG_BIN)/openapi-typescript dist/$$svc.yaml --redocly crosslang/ts/redocly.yaml \
	    -o $(CROSSLANG_GEN)/ts/$$svc.ts >$(CROSSLANG_GEN)/ts/$$svc.log 2>&1 \
	    || { cat $(CROSSLANG_GEN)/ts/$$svc.log; echo "spec-ts: openapi-typescript failed for $$svc"; exit 1; }; \
	  echo "spec-ts: $(CROSSLANG_GEN)/ts/$$svc.ts"; \
	done; \
	$(CROSSLANG_BIN)/tsc -p crosslang/ts/tsconfig.json --noEmit && echo "spec-ts: tsc --noEmit clean" || exit 1; \
	rm -rf $(CROSSLANG_GEN)/ts-run && $(CROSSLANG_BIN)/tsc -p crosslang/ts/tsconfig.run.json || exit 1; \
	echo '{"type": "module"}' > $(CROSSLANG_GEN)/ts-run/package.json; \
	echo "spec-ts: $(CROSSLANG_GEN)/ts-run (node programs)"

## spec-python: a Python client per spec (openapi-python-client) and pytest with real calls
spec-python: specs spec-ts crosslang-venv crosslang-emulator
	@rm -rf $(CROSSLANG_GEN)/python && mkdir -p $(CROSSLANG_GEN)/python; \
	failed=""; \
	for svc in $(CROSSLANG_SERVICES); do \
	  log=$(CROSSLANG_GEN)/python/$$svc.log; spec=dist/$$svc.yaml; overlay=crosslang/python/$$svc.overlay.yaml; \
	  if [ -f $$overlay ]; then \
	    spec=$(CROSSLANG_GEN)/python/$$svc.yaml; \
	    $(CROSSLANG_ENV) $(CROSSLANG_BIN)/redocly bundle --config .redocly.yaml $$svc --overlay $$overlay \
	      -o $$spec >/dev/null 2>$$log \
	      || { cat $$log; echo "spec-python: applying $$overlay failed"; failed="$$failed $$svc"; continue; }; \
	  fi; \
	  PATH="$(CURDIR)/$(CROSSLANG_VENV)/bin:$$PATH" $(CROSSLANG_VENV)/bin/openapi-python-client generate \
	    --path $$spec --config crosslang/python/openapi-python-client.yaml --meta none \
	    --fail-on-warning --output-path $(CROSSLANG_GEN)/python/$${svc}_client >$$log 2>&1 \
	    || { cat $$log; echo "spec-python: openapi-python-client failed for $$svc"; \
	         rm -rf $(CROSSLANG_GEN)/python/$${svc}_client; failed="$$failed $$svc"; continue; }; \
	  echo "spec-python: $(CROSSLANG_GEN)/python/$${svc}_client"; \
	done; \
	EMULATOR_BIN="$(CURDIR)/$(CROSSLANG_EMULATOR_BIN)" CROSSLANG_GEN_PYTHON="$(CURDIR)/$(CROSSLANG_GEN)/python" \
	  CROSSLANG_TS_RUN="$(CURDIR)/$(CROSSLANG_GEN)/ts-run" \
	  $(CROSSLANG_VENV)/bin/python -m pytest -c crosslang/python/pytest.ini crosslang/python -q $(CROSSLANG_PYTEST_ARGS); \
	rc=$$?; \
	if [ -n "$$failed" ]; then echo "spec-python: FAILED: no client generated for:$$failed"; exit 1; fi; \
	exit $$rc
