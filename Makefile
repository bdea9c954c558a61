# Two entry points for a fresh Debian/Ubuntu machine: `make run` and `make test`.
# Each creates .venv and installs whatever is missing (Qt's system libraries included).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HASH := $(shell cat pyproject.toml | md5sum | cut -c1-12)
APP := $(VENV)/.stamp-app-$(HASH)
TEST := $(VENV)/.stamp-test-$(HASH)

.PHONY: run test bench bundle smoke clean

# what the app needs (PySide6-Essentials, numpy, numba, pyqtgraph, h5py, rich): no oracles, PyTorch or PyInstaller
$(APP): pyproject.toml
	PYTHON=$(PYTHON) bash packaging/linux/install-system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	rm -f $(VENV)/.stamp-app-*; touch $@

# and the tests' extras: Keras and PyTorch as oracles, onnx/onnxruntime, PyInstaller (with binutils' objdump)
$(TEST): $(APP)
	PYTHON=$(PYTHON) bash packaging/linux/install-system-deps.sh test
	$(PY) -m pip install --quiet -e '.[test,oracle,packaging,onnx]'
	rm -f $(VENV)/.stamp-test-*; touch $@

run: $(APP)
	$(PY) -m visualnet mnist_cnn

test: $(TEST)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

bench: $(TEST)
	$(PY) -m benchmarks.run

# the desktop bundle (dist/VisualNet/ and a .tar.gz) and its smoke test; see README "Packaging"
bundle: $(TEST)
	bash packaging/linux/build.sh

smoke: bundle
	bash packaging/linux/smoke-test.sh

clean:
	rm -rf $(VENV) build dist *.egg-info
