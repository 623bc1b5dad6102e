# crmlab — the two set-up commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lab lint bench bench-quick bench-peers clean-reports

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("crmlab needs Python 3.11 or newer, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,spark,postgres]"
	touch $(STAMP)

## run: create .venv, install, execute every notebook on the bundled data into reports/ (notebooks + HTML)
run: $(STAMP)
	$(BIN)/crmlab study run studies/course.yaml

## test: lint, then unit tests and notebook tests (nbval) in one pytest process
test: $(STAMP)
	$(BIN)/ruff check crmlab tests benchmarks
	$(BIN)/python -m pytest

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
