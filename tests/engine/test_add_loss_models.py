"""`add_loss` in a subclassed model's `call` and `compile()` without a loss (issue 23): the
keras.io VAE (its sampling noise forced to zero) trains to Keras's losses on the same
weights; and the line `evaluate` and `predict` print when they finish, as Keras's."""

import re

import numpy as np
import pytest

import visualnet

keras = pytest.importorskip("keras")


def vae_class(k):
    layers, ops = k.layers, k.ops

    class VAE(k.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.enc = layers.Dense(8, activation="relu")
            self.mu = layers.Dense(2)
            self.log_var = layers.Dense(2)
            self.dec = layers.Dense(6, activation="sigmoid")

        def call(self, inputs):
            h = self.enc(inputs)
            z_mean, z_log_var = self.mu(h), self.log_var(h)
            z = z_mean + ops.exp(0.5 * z_log_var) * 0.0     # the sampling's epsilon forced to zero
            kl = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
            self.add_loss(ops.mean(ops.sum(kl, axis=1)))
            return self.dec(z)
    return VAE


X = np.random.default_rng(0).random((32, 6)).astype("float32")


def _pair():
    """A VisualNet VAE and a Keras VAE with the same weights."""
    models = []
    for k in (visualnet, keras):
        m = vae_class(k)()
        m(X[:2])
        models.append(m)
    rng = np.random.default_rng(1)
    for name in ("enc", "mu", "log_var", "dec"):
        weights = [rng.normal(0, 0.3, w.shape).astype("float32") for w in getattr(models[1], name).get_weights()]
        for m in models:
            getattr(m, name).set_weights(weights)
    return models


def _fit(m, k, **compile_kwargs):
    m.compile(optimizer=k.optimizers.SGD(0.1), **compile_kwargs)
    y = X if "loss" in compile_kwargs else None
    return m.fit(X, y, batch_size=8, epochs=3, shuffle=False, verbose=0).history["loss"]


def test_vae_with_add_loss_trains_as_keras():
    ours, theirs = _pair()
    np.testing.assert_allclose(_fit(ours, visualnet, loss="mse"), _fit(theirs, keras, loss="mse"), rtol=1e-5)
    assert len(ours.losses) == len(theirs.losses) == 1
    np.testing.assert_allclose(float(np.asarray(ours.losses[0])), float(keras.ops.convert_to_numpy(theirs.losses[0])),
                               rtol=1e-5)


def test_compile_without_a_loss_trains_on_the_added_loss_alone():
    ours, theirs = _pair()
    got, want = _fit(ours, visualnet), _fit(theirs, keras)
    np.testing.assert_allclose(got, want, rtol=1e-5)
    assert got[-1] < got[0]
    assert ours.loss is None
    np.testing.assert_allclose(ours.evaluate(X, batch_size=8, verbose=0), theirs.evaluate(X, batch_size=8, verbose=0),
                               rtol=1e-5)


def test_evaluate_includes_the_added_loss_as_keras():
    ours, theirs = _pair()
    for m, k in ((ours, visualnet), (theirs, keras)):
        m.compile(optimizer="sgd", loss="mse")
    np.testing.assert_allclose(ours.evaluate(X, X, batch_size=8, verbose=0),
                               theirs.evaluate(X, X, batch_size=8, verbose=0), rtol=1e-5)


def test_add_loss_on_a_functional_model_is_refused():
    i = visualnet.Input((3,))
    m = visualnet.Model(i, visualnet.layers.Dense(2)(i))
    with pytest.raises(ValueError, match="add_loss"):
        m.add_loss(1.0)


def _line(text: str) -> str:
    return text.strip().splitlines()[-1]


def test_evaluate_and_predict_print_keras_finished_lines(capsys):
    m = visualnet.Sequential([visualnet.Input((4,)), visualnet.layers.Dense(1)])
    m.compile("sgd", "mse", metrics=["mae"])
    x, y = np.ones((300, 4), "float32"), np.zeros((300, 1), "float32")
    m.evaluate(x, y)
    assert re.fullmatch(r"10/10 ━{20} \d+s \d+[mu]?s/step - loss: \S+ - mae: \S+", _line(capsys.readouterr().out))
    m.predict(x[:100])
    assert re.fullmatch(r"4/4 ━{20} \d+s \d+[mu]?s/step", _line(capsys.readouterr().out))
    m.evaluate(x, y, verbose=2)
    assert re.fullmatch(r"10/10 - \d+s - \d+[mu]?s/step - loss: \S+ - mae: \S+", _line(capsys.readouterr().out))
    m.predict(x[:100], verbose=2)
    assert re.fullmatch(r"4/4 - \d+s - \d+[mu]?s/step", _line(capsys.readouterr().out))
    m.evaluate(x, y, verbose=0)
    m.predict(x, verbose=0)
    assert capsys.readouterr().out == ""
