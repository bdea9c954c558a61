"""PyTorch export of a masked model whose Input has a dimension of any length: the probe that
finds the masks runs on it (no TypeError from a shape holding None) and the script predicts
as VisualNet on sequences of another length (tests/io/test_torch_export_masked_models.py
has the rest)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import visualnet as vn
from visualnet.io import export_torch_script

from .helpers import randomize


def test_a_variable_length_masked_model_exports_and_predicts(tmp_path):
    pytest.importorskip("torch")
    L = vn.layers
    model = vn.Sequential([L.Input((None, 3)), L.Masking(), L.LSTM(4, name="lstm_masked"), L.Dense(1)])
    randomize(model, seed=1)
    export_torch_script(model, tmp_path / "variable.py", weights="embed")
    spec = importlib.util.spec_from_file_location("variable", tmp_path / "variable.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    torch_model = script.build_model()
    script.load_weights(torch_model)
    x = np.random.default_rng(0).normal(size=(4, 9, 3)).astype("float32")
    x[0, 6:] = 0      # padding behind
    x[1, 3:5] = 0     # in the middle
    assert np.abs(script.predict(torch_model, x) - model.predict(x, verbose=0)).max() <= 1e-5
