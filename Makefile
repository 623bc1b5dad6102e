# crmlab — the two set-up commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
comma  := ,
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
LOCK   := requirements.lock
EXTRAS := lab,test,spark,postgres
# the tool that writes the lock; only `make lock` needs it
UV     := uv==0.13.9

.PHONY: run test test-latest lock lab lint bench bench-quick bench-peers clean-reports

define check_python
	@$(PYTHON) -c 'import sys; sys.exit("crmlab needs Python 3.11 or newer, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
endef

# every package at the version the lock names (with its hashes), then crmlab itself without dependencies
$(STAMP): $(LOCK) pyproject.toml
	$(check_python)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## run: create .venv, install, run both editions of the course on the bundled data into reports/ (notebooks, HTML)
run: $(STAMP)
	$(BIN)/crmlab study run course
	$(BIN)/crmlab study run course_zh

## test: lint, then unit tests and notebook tests (nbval), spread over the machine's cores
test: $(STAMP)
	$(BIN)/ruff check crmlab tests benchmarks
	$(BIN)/python -m pytest -n auto

## test-latest: the same tests on the newest versions pyproject.toml allows, in .venv-latest (not the lock)
test-latest:
	$(check_python)
	$(PYTHON) -m venv .venv-latest
	.venv-latest/bin/python -m pip install --quiet --upgrade pip
	.venv-latest/bin/python -m pip install --quiet --upgrade --upgrade-strategy eager -e ".[$(EXTRAS)]"
	.venv-latest/bin/python -m pip list --format=freeze > .venv-latest/versions.txt
	.venv-latest/bin/python -m pytest -n auto

## lock: rewrite requirements.lock from pyproject.toml (every transitive version, all platforms, with hashes)
lock:
	$(check_python)
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet "$(UV)"
	.venv-lock/bin/uv pip compile pyproject.toml $(foreach e,$(subst $(comma), ,$(EXTRAS)),--extra $(e)) \
		--universal --python-version 3.11 --generate-hashes --no-header --index-url https://pypi.org/simple \
		--output-file $(LOCK)
	@echo "requirements.lock rewritten; commit it with pyproject.toml"

## lab: open JupyterLab on notebooks/
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

## lint: ruff over the package and the tests
lint: $(STAMP)
	$(BIN)/ruff check crmlab tests benchmarks

## bench: the whole side-by-side suite against the peers; rewrites benchmarks/RESULTS.md (bench-quick: minutes)
bench: $(STAMP) benchmarks/.venv-pymc/bin/python benchmarks/.venv-plspm/bin/python
	$(BIN)/python benchmarks/run_all.py

bench-quick: $(STAMP)
	$(BIN)/python benchmarks/run_all.py --quick

## bench-peers: the peers that need an environment of their own (pymc-marketing; plspm 0.5.7 with pandas < 3)
bench-peers: benchmarks/.venv-pymc/bin/python benchmarks/.venv-plspm/bin/python

benchmarks/.venv-plspm/bin/python:
	$(PYTHON) -m venv benchmarks/.venv-plspm
	benchmarks/.venv-plspm/bin/python -m pip install --quiet "plspm==0.5.7" "pandas<3"

benchmarks/.venv-pymc/bin/python:
	$(PYTHON) -m venv benchmarks/.venv-pymc
	benchmarks/.venv-pymc/bin/python -m pip install --quiet pymc-marketing pyarrow

clean-reports:
	rm -rf reports/
