# Two entry points for a fresh Debian/Ubuntu machine: `make run` and `make test`.
# Each creates .venv and installs whatever is missing (Qt's system libraries included).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.stamp-$(shell cat pyproject.toml | md5sum | cut -c1-12)

.PHONY: run test bench bundle smoke sysdeps clean

$(STAMP): pyproject.toml
	PYTHON=$(PYTHON) bash packaging/linux/install-system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,oracle,packaging,onnx]'
	rm -f $(VENV)/.stamp-*; touch $@

run: $(STAMP)
	$(PY) -m visualnet mnist_cnn

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

bench: $(STAMP)
	$(PY) -m benchmarks.run

# the desktop bundle (dist/VisualNet/ and a .tar.gz) and its smoke test; see README "Packaging"
bundle: $(STAMP)
	bash packaging/linux/build.sh

smoke: bundle
	bash packaging/linux/smoke-test.sh

clean:
	rm -rf $(VENV) build dist *.egg-info
