"""ONNX import (issue 25): VisualNet's own files come back layer for layer with the same
weights; PyTorch's exporter's MLPs and CNNs open as layers that predict as PyTorch does;
operators without a layer are named."""

from __future__ import annotations

import numpy as np
import pytest

from visualnet.graph import all_specs
from visualnet.io.onnx_export import export_onnx
from visualnet.io.onnx_import import OnnxImportError, import_onnx_model, read_onnx
from visualnet.io.onnx_import.own_files import NOT_WRITTEN

from .test_onnx_export import _model_and_inputs

TYPES = [spec.type for spec in all_specs() if spec.type != "Input"]
torch = pytest.importorskip("torch")     # the oracle extra: installed by make test


@pytest.mark.parametrize("layer_type", TYPES)
def test_visualnet_files_come_back_layer_for_layer(layer_type, tmp_path):
    model, xs = _model_and_inputs(layer_type)
    path = export_onnx(model, tmp_path / "model.onnx")
    imported = import_onnx_model(path)
    assert [(layer.name, type(layer).__name__) for layer in imported.model.layers] == \
        [(layer.name, type(layer).__name__) for layer in model.layers]
    for mine, theirs in zip(model.layers, imported.model.layers):
        for spec, a, b in zip(mine.weights, mine.get_weights(), theirs.get_weights()):
            if (layer_type, spec.name.split("/")[-1]) not in NOT_WRITTEN:
                np.testing.assert_array_equal(a, b)
    x = xs[0] if len(xs) == 1 else xs
    np.testing.assert_allclose(imported.model.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    assert all(node.position is not None for node in imported.graph.nodes.values())


def _torch_file(module, x, path, **kw):
    module.eval()
    torch.onnx.export(module, x, str(path), dynamo=False, input_names=["x"], dynamic_axes={"x": {0: "batch"}}, **kw)
    return path


def _same_as_torch(module, x, path, atol=1e-5):
    imported = import_onnx_model(_torch_file(module, x, path))
    with torch.no_grad():
        expected = module(x).numpy()
    np.testing.assert_allclose(imported.model.predict(x.numpy(), verbose=0), expected, atol=atol)
    return imported


def test_a_pytorch_mlp(tmp_path):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.BatchNorm1d(16), torch.nn.ReLU(), torch.nn.Dropout(0.3),
                              torch.nn.Linear(16, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3), torch.nn.Softmax(dim=1))
    with torch.no_grad():
        net[1].running_mean.uniform_(-1, 1)
        net[1].running_var.uniform_(0.5, 2.0)
    imported = _same_as_torch(net, torch.randn(5, 6), tmp_path / "mlp.onnx")
    kinds = [type(layer).__name__ for layer in imported.model.layers]
    assert kinds.count("Dense") == 3 and "BatchNormalization" in kinds


class _CNN(torch.nn.Module):
    """Padding kinds, a strided convolution, grouped convolution, average pooling counting
    its padding, a residual sum, a concatenation of two branches, and a flatten of NCHW."""

    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.down = nn.Conv2d(8, 8, 3, stride=2, padding=1)
        self.grouped = nn.Conv2d(8, 8, 3, padding=1, groups=4)
        self.pool = nn.AvgPool2d(3, stride=2, padding=1)
        self.left, self.right = nn.Conv2d(8, 4, 1), nn.Conv2d(8, 4, 3, padding=(0, 2))
        self.max = nn.MaxPool2d(2)
        self.head = nn.Linear(4 * 2 * 2 + 4 * 1 * 3, 5)

    def forward(self, x):
        x = torch.relu(self.stem(x))
        x = torch.relu(self.down(x))
        x = x + self.grouped(x)
        x = self.pool(x)
        a, b = self.max(self.left(x)), self.max(self.right(x))
        return torch.log_softmax(self.head(torch.cat([a.flatten(1), b.flatten(1)], dim=1)), dim=1)


def test_a_pytorch_cnn(tmp_path):
    torch.manual_seed(1)
    imported = _same_as_torch(_CNN(), torch.randn(2, 3, 16, 16), tmp_path / "cnn.onnx")
    assert "ZeroPadding2D" in [type(layer).__name__ for layer in imported.model.layers]


def test_a_pytorch_1d_cnn_with_global_pooling(tmp_path):
    torch.manual_seed(2)
    net = torch.nn.Sequential(torch.nn.Conv1d(2, 6, 5, padding=2), torch.nn.BatchNorm1d(6), torch.nn.ReLU(),
                              torch.nn.Conv1d(6, 6, 3, dilation=2), torch.nn.AdaptiveAvgPool1d(1), torch.nn.Flatten(),
                              torch.nn.Linear(6, 2))
    _same_as_torch(net, torch.randn(3, 2, 20), tmp_path / "conv1d.onnx")


def test_operators_without_a_layer_are_named(tmp_path):
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.Upsample(scale_factor=2), torch.nn.Hardshrink())
    path = _torch_file(net, torch.randn(1, 1, 8, 8), tmp_path / "up.onnx")
    with pytest.raises(OnnxImportError, match=r"'up.onnx': no VisualNet layer for the ONNX operator\(s\) .*Resize"):
        read_onnx(path)


def test_a_file_that_is_not_onnx_says_so(tmp_path):
    path = tmp_path / "broken.onnx"
    path.write_bytes(b"\x08\x07 not a model")
    with pytest.raises(OnnxImportError, match="'broken.onnx' is not a valid ONNX model"):
        read_onnx(path)
    with pytest.raises(FileNotFoundError):
        read_onnx(tmp_path / "missing.onnx")
