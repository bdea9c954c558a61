"""Regularizers and constraints in the exported scripts (issue 24): the Keras script builds
Keras's own objects and evaluates the loss VisualNet does; the PyTorch script's training
loop adds the penalties to the loss and applies the constraints after each step, so one
epoch of it ends where VisualNet's ends."""

import importlib.util

import numpy as np
import pytest

import visualnet as vn
from visualnet import layers as vl, models as vm
from visualnet.io.code_export import export_keras_script, export_torch_script, torch_script


def _image_model():
    r, c = vn.regularizers, vn.constraints
    inp = vl.Input((6, 6, 2))
    x = vl.Conv2D(3, 3, activation="relu", kernel_regularizer=r.L1L2(0.01, 0.02), activity_regularizer=r.L2(0.001),
                  kernel_constraint=c.MaxNorm(0.8, axis=[0, 1, 2]), bias_constraint=c.NonNeg())(inp)
    x = vl.Flatten()(x)
    out = vl.Dense(3, activation="softmax", kernel_regularizer=r.OrthogonalRegularizer(0.1, "columns"),
                   bias_regularizer=r.L1(0.01), kernel_constraint=c.MinMaxNorm(0.2, 0.7, rate=0.5))(x)
    return vm.Model(inp, out, name="image")


def _text_model():
    r, c = vn.regularizers, vn.constraints
    inp = vl.Input((5,))
    x = vl.Embedding(10, 4, embeddings_regularizer=r.L2(0.01), embeddings_constraint=c.UnitNorm(axis=1))(inp)
    # no bias: nn.LSTM trains two (bias_ih, bias_hh) where Keras has one, which moves twice as fast
    x = vl.LSTM(3, use_bias=False, kernel_regularizer=r.L2(0.02), kernel_constraint=c.MaxNorm(0.6),
                recurrent_constraint=c.NonNeg())(x)
    out = vl.Dense(1, activation="sigmoid", kernel_regularizer=r.L1(0.01), activity_regularizer=r.L1L2(0.01, 0.01))(x)
    return vm.Model(inp, out, name="text")


MODELS = {"image": (_image_model, lambda rng: (rng.normal(size=(12, 6, 6, 2)), rng.integers(0, 3, 12)),
                    "sparse_categorical_crossentropy"),
          "text": (_text_model, lambda rng: (rng.integers(0, 10, (12, 5)), rng.integers(0, 2, (12, 1))),
                   "binary_crossentropy")}


def _model(name):
    build, data, loss = MODELS[name]
    model = build()
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(0, 0.3, w.shape).astype("float32") for w in model.get_weights()])
    model.compile(optimizer=vn.optimizers.SGD(0.1), loss=loss)
    x, y = (a.astype("float32") for a in data(np.random.default_rng(1)))
    return model, x, y


def _load(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", sorted(MODELS))
def test_keras_script_builds_keras_objects_and_the_same_loss(tmp_path, name):
    pytest.importorskip("keras")
    model, x, y = _model(name)
    export_keras_script(model, tmp_path / f"k_{name}.py")
    text = (tmp_path / f"k_{name}.py").read_text()
    assert "keras.regularizers.L2(l2=0.01)" in text or "keras.regularizers.L1L2(l1=0.01, l2=0.02)" in text
    script = _load(tmp_path / f"k_{name}.py")
    km = script.build_model()
    script.load_weights(km)
    for ours, theirs in zip(model.layers, km.layers):
        for key, value in ours.get_config().items():
            if key.endswith(("_regularizer", "_constraint")):
                got = getattr(theirs, key)
                assert (got is None) == (value is None), key
                if value is not None:
                    assert type(got).__name__ == value["class_name"], key
    km.compile(optimizer="sgd", loss=MODELS[name][2])
    assert km.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0), rel=1e-4)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_torch_script_trains_with_penalties_and_constraints_as_visualnet(tmp_path, name):
    torch = pytest.importorskip("torch")
    model, x, y = _model(name)
    export_torch_script(model, tmp_path / f"t_{name}.py", weights="embed",
                        training={"epochs": 1, "batch_size": 4, "shuffle": False})
    script = _load(tmp_path / f"t_{name}.py")
    assert script.REGULARIZED and script.CONSTRAINED
    tm = script.build_model()
    script.load_weights(tm)
    torch.manual_seed(0)
    script.train(tm, x, y)
    tm.eval()
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(script.predict(tm, x), model.predict(x, verbose=0), atol=2e-4)


def test_torch_export_refuses_what_it_cannot_write():
    inp = vl.Input((4, 4, 2))
    out = vl.DepthwiseConv2D(3, depthwise_constraint=vn.constraints.MaxNorm(1.0, axis=[0, 1]))(inp)
    model = vm.Model(inp, out)
    with pytest.raises(ValueError, match="depthwise_constraint MaxNorm cannot be exported to PyTorch"):
        torch_script(model, weights=None)
