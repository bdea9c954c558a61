"""Every declared layer type is complete, piece by piece (issue 21).

One test per piece, parametrized over every type of the registry (`Input` aside: every
model has one): the engine class; backward against numerical gradients; the config round trips; VisualNet's own `.keras` and
`.h5` round trips; real Keras opening VisualNet's files and VisualNet opening Keras's, each
predicting the same (<= 1e-5); the exported Keras and PyTorch scripts reproducing the
predictions (<= 1e-4); the palette listing the type; `summary()` giving Keras's shapes and
counts. A failure names the piece and the type. Each type's model comes from
tests/layer_cases.py: a type without a case fails every test here. The oracle pieces skip
where Keras or PyTorch is not installed.
"""

from __future__ import annotations

import importlib.util
import json
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from visualnet import layers as vl, models as vm
from visualnet.engine.layers import layer_class
from visualnet.graph import all_specs, from_dict, get_spec, to_dict

from .io.helpers import randomize
from .io.keras_cases import sample
from .layer_cases import CASES, KERAS_CANNOT_SAVE, PROBE, RANDOM_WHILE_TRAINING, build

TYPES = [spec.type for spec in all_specs() if spec.type != "Input"]
SAME = 1e-6  # VisualNet against itself (same weights, same engine)
FILE_TOL = 1e-5  # real Keras on VisualNet's files, VisualNet on Keras's
SCRIPT_TOL = 1e-4  # the exported scripts
FORMATS = {".keras": "Keras 3 .keras", ".h5": "Keras 2 .h5"}

by_type = pytest.mark.parametrize("layer_type", TYPES)
by_format = pytest.mark.parametrize("ext", list(FORMATS))


def case_for(layer_type: str):
    if layer_type not in CASES:
        pytest.fail(f"no completeness case for layer type {layer_type}: add one to tests/layer_cases.py",
                    pytrace=False)
    return CASES[layer_type]


@contextmanager
def piece(what: str, layer_type: str):
    """Turn any error into a failure that names the piece and the type."""
    try:
        yield
    except (pytest.skip.Exception, pytest.fail.Exception):
        raise
    except Exception as exc:
        pytest.fail(f"{layer_type} lacks a working piece: {what}\n{type(exc).__name__}: {exc}")


def close(actual, expected, tol: float) -> None:
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"output shape {actual.shape}, expected {expected.shape}"
    diff = float(np.abs(actual - expected).max())
    assert diff <= tol, f"max abs difference {diff:.3g} > {tol:g}"


# ---------------------------------------------------------------------- shared models
def _vn_layer(layer_type, **kwargs):
    return layer_class(layer_type)(**kwargs)


@dataclass
class Built:
    """A type's VisualNet model, its sample input and predictions, and what was made from them."""

    model: object
    x: object  # an array, or a list of arrays for several inputs
    y: np.ndarray
    folder: Path
    files: dict = field(default_factory=dict)
    twin: object = None  # the same model built by Keras, with the same weights

    def saved(self, ext: str) -> Path:
        if ext not in self.files:
            path = self.folder / f"visualnet{ext}"
            self.model.save(path)
            self.files[ext] = path
        return self.files[ext]

    def keras_twin(self, keras, layer_type: str):
        if self.twin is None:
            twin = build(CASES[layer_type], layer_type, lambda t, **kw: getattr(keras.layers, t)(**kw),
                         keras.Input, keras.Model)
            twin.set_weights(self.model.get_weights())
            self.twin = twin
        return self.twin


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """`built(type)`: the type's case as a VisualNet model with random weights, built once per module."""
    cache: dict[str, Built] = {}

    def get(layer_type: str) -> Built:
        if layer_type not in cache:
            case = case_for(layer_type)
            with piece("building and running its case's model in VisualNet", layer_type):
                model = build(case, layer_type, _vn_layer, vl.Input, vm.Model)
                randomize(model, seed=3)  # moving variances stay positive
                xs = [sample(shape, n=4, seed=1 + i) if case.ids is None else
                      np.random.default_rng(1 + i).integers(0, case.ids, (4, *shape)).astype("float32")
                      for i, shape in enumerate(case.shapes)]
                x = xs[0] if len(xs) == 1 else xs
                y = model.predict(x, verbose=0)
            cache[layer_type] = Built(model, x, y, tmp_path_factory.mktemp(layer_type))
        return cache[layer_type]

    return get


def _layers(model) -> list:
    return [(layer.name, type(layer).__name__, layer.get_config()) for layer in model.layers]


def _same_weights(a, b) -> None:
    wa, wb = a.get_weights(), b.get_weights()
    assert len(wa) == len(wb), f"{len(wb)} weight arrays, expected {len(wa)}"
    for i, (u, v) in enumerate(zip(wa, wb)):
        assert u.shape == v.shape and np.array_equal(u, v), f"weight {i} differs"


def _import_script(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------------- the case table
@by_type
def test_has_a_case(layer_type):
    case = case_for(layer_type)
    spec = get_spec(layer_type)
    n = len(case.shapes)
    assert spec.min_inputs <= n and (spec.max_inputs is None or n <= spec.max_inputs), (
        f"the case for {layer_type} in tests/layer_cases.py gives {n} inputs; the type takes "
        f"{spec.min_inputs}..{spec.max_inputs}")


def test_every_case_is_a_declared_type():
    stale = sorted(set(CASES) - set(TYPES))
    assert not stale, f"tests/layer_cases.py has cases for undeclared layer types: {stale}"


# ---------------------------------------------------------------------- VisualNet alone
@by_type
def test_engine_class(layer_type):
    with piece("engine class (visualnet.engine.layers.layer_class)", layer_type):
        cls = layer_class(layer_type)
        assert cls.layer_type == layer_type
    with piece("the class in the Keras-compatible namespace visualnet.layers", layer_type):
        assert getattr(vl, layer_type) is cls


@by_type
def test_numerical_gradients(built, layer_type):
    """The layer alone, on the input shapes it has in its case (batch of 2), against central
    finite differences in float64 (tests/engine/layer_harness.py)."""
    from .engine.layer_harness import check_layer

    probe = built(layer_type).model.get_layer(PROBE)
    shapes = [(2, *s[1:]) for s in probe.input_shapes]
    with piece("backward equal to numerical gradients (check_layer)", layer_type):
        check_layer(layer_type, CASES[layer_type].kwargs, shapes if len(shapes) > 1 else shapes[0],
                    training=layer_type not in RANDOM_WHILE_TRAINING, ids=CASES[layer_type].ids)    # random noise is not differentiable; rate 0 is in tests/engine


@by_type
def test_get_config_round_trip(built, layer_type):
    b = built(layer_type)
    layer = b.model.get_layer(PROBE)
    with piece("get_config/from_config round trip (through JSON)", layer_type):
        config = layer.get_config()
        assert set(config) == {"name", "trainable", *get_spec(layer_type).param_names}, (
            "config keys are not exactly the constructor's arguments")
        again = type(layer).from_config(json.loads(json.dumps(config)))
        assert again.get_config() == config


@by_type
def test_model_config_round_trip(built, layer_type):
    """The model-level config: the graph document, through JSON, rebuilds the same model."""
    b = built(layer_type)
    with piece("model config (graph JSON) round trip", layer_type):
        graph = from_dict(json.loads(json.dumps(to_dict(b.model.to_graph()))))
        again = vm.Model.from_graph(graph)
        again.set_weights(b.model.get_weights())
        assert _layers(again) == _layers(b.model)
        close(again.predict(b.x, verbose=0), b.y, SAME)


@by_format
@by_type
def test_file_round_trip_through_visualnet(built, layer_type, ext):
    b = built(layer_type)
    with piece(f"{FORMATS[ext]} round trip through VisualNet (save, load_model, same config and predictions)",
               layer_type):
        back = vm.load_model(b.saved(ext))
        assert _layers(back) == _layers(b.model)
        _same_weights(b.model, back)
        close(back.predict(b.x, verbose=0), b.y, SAME)


@by_type
def test_palette_lists_it(qtbot, layer_type):
    from visualnet.gui.palette import PaletteWidget

    with piece("palette entry", layer_type):
        palette = PaletteWidget()
        qtbot.addWidget(palette)
        assert layer_type in palette.visible_types(), "not in the palette"
        palette.search.setText(layer_type)
        assert layer_type in palette.visible_types(), "the palette's search does not find it"
    with piece("its category's colour and icon", layer_type):
        from visualnet.gui import icons, theme

        category = get_spec(layer_type).category
        assert category in theme.CATEGORY_COLOURS, f"no colour for category {category!r} in gui/theme.py"
        assert not icons.category_icon(category).isNull(), f"no resources/icons/categories/{category}.svg"


# ---------------------------------------------------------------------- against the oracles
def _plain(value):
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict) and "class_name" in value:  # a Keras 3 initializer object
        return re.sub("(?<!^)(?=[A-Z])", "_", value["class_name"]).lower()
    return value


def _argument_differences(keras_model, model) -> list[str]:
    """Constructor arguments on which a Keras model's layers and VisualNet's differ (the
    layers paired by name; Keras writes activation=None as 'linear')."""
    out = []
    for layer in model.layers:
        theirs, ours = keras_model.get_layer(layer.name).get_config(), layer.get_config()
        for key in get_spec(layer.layer_type).param_names:
            if key not in theirs:
                continue
            a, b = _plain(theirs[key]), _plain(ours[key])
            if key == "activation":
                a, b = a or "linear", b or "linear"
            if not ((a == pytest.approx(b)) if isinstance(b, float) else a == b):
                out.append(f"{layer.name}.{key}: Keras {theirs[key]!r}, VisualNet {ours[key]!r}")
    return out


@pytest.mark.oracle
@pytest.mark.filterwarnings("ignore:Argument `alpha` is deprecated")  # LeakyReLU of the Keras 2 dialect
@by_format
@by_type
def test_keras_loads_visualnet_file(built, layer_type, ext):
    keras = pytest.importorskip("keras")
    b = built(layer_type)
    with piece(f"real Keras loads VisualNet's {FORMATS[ext]} file and predicts the same (1e-5)", layer_type):
        km = keras.saving.load_model(b.saved(ext))
        assert [layer.name for layer in km.layers] == [layer.name for layer in b.model.layers]
        assert type(km.get_layer(PROBE)).__name__ == layer_type
        differences = _argument_differences(km, b.model)
        assert not differences, f"Keras read other arguments: {differences}"
        close(km.predict(b.x, verbose=0), b.y, FILE_TOL)


@pytest.mark.oracle
@by_format
@by_type
def test_visualnet_opens_keras_file(built, layer_type, ext):
    keras = pytest.importorskip("keras")
    if (layer_type, ext) in KERAS_CANNOT_SAVE:
        pytest.skip(KERAS_CANNOT_SAVE[layer_type, ext])
    b = built(layer_type)
    with piece(f"VisualNet opens real Keras's {FORMATS[ext]} file and predicts the same (1e-5)", layer_type):
        path = b.folder / f"keras{ext}"
        twin = b.keras_twin(keras, layer_type)
        twin.save(path)
        model = vm.load_model(path)
        assert [(layer.name, type(layer).__name__) for layer in model.layers] == [
            (layer.name, type(layer).__name__) for layer in b.model.layers]
        differences = _argument_differences(twin, model)
        assert not differences, f"VisualNet read other arguments: {differences}"
        close(model.predict(b.x, verbose=0), b.y, FILE_TOL)


@pytest.mark.oracle
@by_type
def test_exported_keras_script(built, layer_type):
    pytest.importorskip("keras")
    from visualnet.io.code_export import export_keras_script

    b = built(layer_type)
    with piece("exported Keras script reproduces the predictions (1e-4)", layer_type):
        path = b.folder / "export_keras.py"
        export_keras_script(b.model, path, weights="npz")
        script = _import_script(path, f"completeness_keras_{layer_type}")
        model = script.build_model()
        script.load_weights(model)
        close(script.predict(model, b.x), b.y, SCRIPT_TOL)


@pytest.mark.oracle
@by_type
def test_exported_torch_script(built, layer_type):
    pytest.importorskip("torch")
    from visualnet.io.code_export import export_torch_script

    b = built(layer_type)
    with piece("exported PyTorch script reproduces the predictions (1e-4)", layer_type):
        path = b.folder / "export_torch.py"
        export_torch_script(b.model, path, weights="npz")
        script = _import_script(path, f"completeness_torch_{layer_type}")
        model = script.build_model()
        script.load_weights(model)
        close(script.predict(model, b.x), b.y, SCRIPT_TOL)


def _summary_rows(text: str) -> list[tuple]:
    """(layer (type), output shape, param #) of each row of a summary table."""
    rows = []
    for line in text.splitlines():
        if line.startswith("│"):
            cells = [c.strip() for c in line.strip().strip("│").split("│")]
            if cells[0]:  # a row's first line; the others continue its 'Connected to'
                rows.append(tuple(cells[:3]))
    return rows


def _totals(text: str) -> list[tuple]:
    return re.findall(r"(Total|Trainable|Non-trainable) params: ([\d,]+)", text)


@pytest.mark.oracle
@by_type
def test_summary_matches_keras(built, layer_type):
    keras = pytest.importorskip("keras")
    b = built(layer_type)
    with piece("summary() with Keras's output shapes and parameter counts", layer_type):
        km = b.keras_twin(keras, layer_type)
        lines = []
        b.model.summary(line_length=250, print_fn=lines.append)  # wide enough that no cell wraps
        ours = "\n".join(lines)
        expected = [(f"{layer.name} ({type(layer).__name__})", str(tuple(layer.output.shape)),
                     f"{layer.count_params():,}") for layer in km.layers]
        assert _summary_rows(ours) == expected
        theirs = []
        km.summary(print_fn=lambda text, **kwargs: theirs.append(text))
        assert _totals(ours) == _totals("\n".join(theirs))
