"""PyTorch export of a masked model whose Input has a dimension of any length: the clear
refusal naming the layer, not a TypeError from the probe that finds the masks."""

from __future__ import annotations

import pytest

import visualnet as vn
from visualnet.io import torch_script


def test_a_variable_length_masked_model_is_refused_by_name():
    L = vn.layers
    model = vn.Sequential([L.Input((None, 3)), L.Masking(), L.LSTM(4, name="lstm_masked"), L.Dense(1)])
    with pytest.raises(ValueError, match="lstm_masked"):
        torch_script(model)
