# Two entry points for a fresh Debian/Ubuntu machine: `make run` and `make test`.
# Each creates .venv and installs whatever is missing (Qt's system libraries included).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.stamp-$(shell cat pyproject.toml | md5sum | cut -c1-12)

.PHONY: run test bench sysdeps clean

$(STAMP): pyproject.toml
	PYTHON=$(PYTHON) bash packaging/linux/install-system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,oracle]'
	rm -f $(VENV)/.stamp-*; touch $@

run: $(STAMP)
	$(PY) -m visualnet

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

bench: $(STAMP)
	$(PY) -m benchmarks.run

clean:
	rm -rf $(VENV) build *.egg-info
