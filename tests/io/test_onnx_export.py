"""ONNX export (issue 25): onnxruntime runs every exportable layer type's model with
VisualNet's predictions (every declared type has a rule); what cannot be exported is
refused by name, leaving no file."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from visualnet import layers as vl, models as vm
from visualnet.engine.layers import layer_class
from visualnet.graph import all_specs
from visualnet.io.onnx_export import OnnxExportError, export_onnx, exportable_types

from ..layer_cases import CASES, build
from .helpers import randomize
from .keras_cases import sample

TYPES = [spec.type for spec in all_specs() if spec.type != "Input"]
TOL = 1e-5


def _model_and_inputs(layer_type: str, n: int = 4):
    case = CASES[layer_type]
    model = build(case, layer_type, lambda t, **kw: layer_class(t)(**kw), vl.Input, vm.Model)
    randomize(model, seed=3)
    xs = [sample(shape, n=n, seed=1 + i) if case.ids is None else
          np.random.default_rng(1 + i).integers(0, case.ids, (n, *shape)).astype("float32")
          for i, shape in enumerate(case.shapes)]
    return model, xs


def _run(path, xs) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {i.name: x for i, x in zip(session.get_inputs(), xs)})[0]


def _close(actual, expected) -> None:
    assert actual.shape == expected.shape
    scale = max(1.0, float(np.abs(expected).max()))
    assert float(np.abs(actual - expected).max()) <= TOL * scale


@pytest.mark.parametrize("layer_type", TYPES)
def test_onnxruntime_predicts_as_visualnet(layer_type, tmp_path):
    model, xs = _model_and_inputs(layer_type)
    expected = model.predict(xs[0] if len(xs) == 1 else xs, verbose=0)
    path = tmp_path / "model.onnx"
    assert layer_type in exportable_types(), f"{layer_type} has no ONNX rule (visualnet/io/onnx_export/rules_*.py)"
    export_onnx(model, path)
    proto = onnx.load(str(path))
    assert proto.opset_import[0].version >= 17
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    _close(_run(path, xs), expected)


def test_the_batch_dimension_is_dynamic(tmp_path):
    model, xs = _model_and_inputs("Conv2D", n=7)
    path = export_onnx(model, tmp_path / "conv.onnx")
    for n in (1, 7):
        _close(_run(path, [xs[0][:n]]), model.predict(xs[0][:n], verbose=0))


def test_names_come_from_the_graph(tmp_path):
    model = vm.Sequential([vl.Input((6,), name="features"), vl.Dense(4, name="hidden", activation="relu"),
                           vl.Dense(2, name="scores")])
    proto = onnx.load(str(export_onnx(model, tmp_path / "named.onnx")))
    assert [i.name for i in proto.graph.input] == ["features"]
    assert proto.graph.output[0].name.startswith("scores")
    assert {i.name for i in proto.graph.initializer} >= {"hidden/kernel", "hidden/bias", "scores/kernel"}


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
@pytest.mark.parametrize("sequences,backwards", [(False, False), (True, False), (True, True)])
def test_recurrent_layers_in_every_direction(kind, sequences, backwards, tmp_path):
    layer = getattr(vl, kind)(5, return_sequences=sequences, go_backwards=backwards)
    model = vm.Sequential([vl.Input((6, 3)), layer])
    randomize(model, seed=2)
    x = sample((6, 3), n=3, seed=4)
    _close(_run(export_onnx(model, tmp_path / "rnn.onnx"), [x]), model.predict(x, verbose=0))


@pytest.mark.parametrize("mode", ["concat", "sum", "mul", "ave"])
def test_bidirectional_merge_modes(mode, tmp_path):
    model = vm.Sequential([vl.Input((5, 3)), vl.Bidirectional(vl.GRU(4, return_sequences=True), merge_mode=mode)])
    randomize(model, seed=5)
    x = sample((5, 3), n=2, seed=6)
    _close(_run(export_onnx(model, tmp_path / "bi.onnx"), [x]), model.predict(x, verbose=0))


@pytest.mark.parametrize("padding,strides", [("same", 1), ("same", 2), ("valid", 2), ("causal", 1)])
def test_convolution_padding(padding, strides, tmp_path):
    conv = vl.Conv1D(3, 4, strides=strides, padding=padding, dilation_rate=1 if strides > 1 else 2)
    model = vm.Sequential([vl.Input((11, 2)), conv, vl.MaxPooling1D(2, padding="same")])
    randomize(model, seed=7)
    x = sample((11, 2), n=2, seed=8)
    _close(_run(export_onnx(model, tmp_path / "conv.onnx"), [x]), model.predict(x, verbose=0))


def test_masked_sequences_are_refused_naming_the_layer(tmp_path):
    model = vm.Sequential([vl.Input((5,)), vl.Embedding(10, 4, mask_zero=True), vl.LSTM(3)])
    with pytest.raises(OnnxExportError, match="lstm"):
        export_onnx(model, tmp_path / "masked.onnx")
    assert not (tmp_path / "masked.onnx").exists()


def test_a_type_without_a_rule_is_refused_by_name(tmp_path, monkeypatch):
    from visualnet.io.onnx_export import context

    monkeypatch.delitem(context.RULES, "Dense")
    model = vm.Sequential([vl.Input((3,)), vl.Dense(2)])
    with pytest.raises(OnnxExportError, match="no ONNX form for the layer type.* Dense"):
        export_onnx(model, tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


@pytest.mark.parametrize("padding,strides,output_padding", [("valid", 2, None), ("same", 2, None),
                                                            ("same", 3, 1), ("valid", 1, None)])
def test_transposed_convolution_padding(padding, strides, output_padding, tmp_path):
    conv = vl.Conv2DTranspose(3, (3, 2), strides=strides, padding=padding, output_padding=output_padding)
    model = vm.Sequential([vl.Input((5, 4, 2)), conv])
    randomize(model, seed=9)
    x = sample((5, 4, 2), n=2, seed=10)
    _close(_run(export_onnx(model, tmp_path / "up.onnx"), [x]), model.predict(x, verbose=0))


def test_without_the_onnx_package_the_error_says_how_to_get_it(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "onnx", None)
    model = vm.Sequential([vl.Input((3,)), vl.Dense(2)])
    with pytest.raises(OnnxExportError, match=r"pip install 'visualnet\[onnx\]'"):
        export_onnx(model, tmp_path / "m.onnx")
