# Everything a fresh machine needs: `make demo` and `make test` create .venv and install into it.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
EXTRAS ?= dev,html,warc,spark

.PHONY: demo test bench bench-full clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/copydesk run samples/news -o out/demo --force
	$(VENV)/bin/copydesk show out/demo --limit 8

test: $(VENV)/.installed
	$(PY) -m pytest -q tests

bench: $(VENV)/.installed
	$(PY) benchmarks/run.py --quick

bench-full: $(VENV)/.installed
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) out build src/*.egg-info src/copydesk/*.so
