"""Overridden `train_step` / `test_step` / `predict_step` (Keras's "customizing what happens in
fit()" guides) against real Keras: the same classes written against both, the same weights.

Gradients come from TensorFlow's `GradientTape` API: VisualNet's own
(`visualnet.gradients.GradientTape`), and for Keras on its torch backend the test's shim over
torch autograd (keras_torch_tape.py)."""

import numpy as np
import pytest

import visualnet
from visualnet.engine.custom_fit import uses_custom_step
from visualnet.gradients import GradientTape

keras = pytest.importorskip("keras")
torch_tape = pytest.importorskip("tests.engine.keras_torch_tape")


def tape_for(k):
    return GradientTape if k is visualnet else torch_tape.GradientTape


def tracker_model_class(k):
    """The guide's "lower-level" example: own loss and metric trackers, `metrics` overridden."""
    Tape = tape_for(k)

    class CustomModel(k.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.loss_tracker = k.metrics.Mean(name="loss")
            self.mae_metric = k.metrics.MeanAbsoluteError(name="mae")
            self.loss_fn = k.losses.MeanSquaredError()

        def train_step(self, data):
            x, y = data
            with Tape() as tape:
                y_pred = self(x, training=True)
                loss = self.loss_fn(y, y_pred)
            trainable_vars = self.trainable_variables
            gradients = tape.gradient(loss, trainable_vars)
            self.optimizer.apply(gradients, trainable_vars)
            self.loss_tracker.update_state(loss)
            self.mae_metric.update_state(y, y_pred)
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_metric]

    return CustomModel


def gan_class(k):
    """The GAN guide's shape: two models, two optimizers, compile() overridden, losses tracked."""
    Tape = tape_for(k)

    class GAN(k.Model):
        def __init__(self, discriminator, generator):
            super().__init__()
            self.discriminator = discriminator
            self.generator = generator
            self.d_loss_tracker = k.metrics.Mean(name="d_loss")
            self.g_loss_tracker = k.metrics.Mean(name="g_loss")

        def compile(self, d_optimizer, g_optimizer, loss_fn):
            super().compile()
            self.d_optimizer, self.g_optimizer, self.loss_fn = d_optimizer, g_optimizer, loss_fn

        def call(self, x):
            return self.discriminator(x)

        @property
        def metrics(self):
            return [self.d_loss_tracker, self.g_loss_tracker]

        def train_step(self, data):
            real, noise = data        # the noise as data, so that both frameworks see the same
            n = k.ops.shape(real)[0]
            combined = k.ops.concatenate([self.generator(noise), real], axis=0)
            labels = k.ops.concatenate([k.ops.ones((n, 1)), k.ops.zeros((n, 1))], axis=0)
            with Tape() as tape:
                d_loss = self.loss_fn(labels, self.discriminator(combined))
            grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
            self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
            with Tape() as tape:
                g_loss = self.loss_fn(k.ops.zeros((n, 1)), self.discriminator(self.generator(noise)))
            grads = tape.gradient(g_loss, self.generator.trainable_weights)
            self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
            self.d_loss_tracker.update_state(d_loss)
            self.g_loss_tracker.update_state(g_loss)
            return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}

    return GAN


def _weights(shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(0, 0.4, s).astype(np.float32) for s in shapes]


def _data(n=64, d=6, seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)).astype(np.float32), rng.normal(size=(n, 2)).astype(np.float32)


def _same(a_list, b_list, atol):
    assert len(a_list) == len(b_list)
    for a, b in zip(a_list, b_list):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=atol)


def test_tracker_train_step_matches_keras():
    x, y = _data()
    results = []
    for k in (keras, visualnet):
        inputs = k.Input(shape=(6,))
        h = k.layers.Dense(5, activation="tanh")(inputs)
        model = tracker_model_class(k)(inputs, k.layers.Dense(2)(h))
        model.set_weights(_weights([w.shape for w in model.get_weights()]))
        model.compile(optimizer=k.optimizers.Adam(0.01))
        history = model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
        results.append((history.history, model.get_weights()))
    (kh, kw), (vh, vw) = results
    assert sorted(vh) == sorted(kh) == ["loss", "mae"]
    assert vh["loss"][0] == pytest.approx(kh["loss"][0], rel=2e-3)
    assert vh["mae"][0] == pytest.approx(kh["mae"][0], rel=2e-3)
    _same(vw, kw, 2e-3)


def test_gan_train_step_matches_keras():
    real, _ = _data(d=4)
    noise = np.random.default_rng(2).normal(size=(64, 3)).astype(np.float32)
    results = []
    for k in (keras, visualnet):
        d = k.Sequential([k.Input((4,)), k.layers.Dense(8, activation="relu"),
                          k.layers.Dense(1, activation="sigmoid")])
        g = k.Sequential([k.Input((3,)), k.layers.Dense(8, activation="relu"), k.layers.Dense(4)])
        d.set_weights(_weights([w.shape for w in d.get_weights()], 3))
        g.set_weights(_weights([w.shape for w in g.get_weights()], 4))
        gan = gan_class(k)(d, g)
        gan.compile(k.optimizers.Adam(1e-2), k.optimizers.Adam(1e-2), k.losses.BinaryCrossentropy())
        history = gan.fit(real, noise, batch_size=16, epochs=1, shuffle=False, verbose=0)
        results.append((history.history, d.get_weights(), g.get_weights()))
    (kh, kd, kg), (vh, vd, vg) = results
    assert sorted(vh) == ["d_loss", "g_loss"]
    for key in kh:
        assert vh[key][0] == pytest.approx(kh[key][0], rel=2e-3), key
    _same(vd, kd, 2e-3)
    _same(vg, kg, 2e-3)


def test_step_overrides_in_evaluate_predict_and_validation_match_keras():
    x, y = _data()
    outs = []
    for k in (keras, visualnet):
        class Scaled(k.Model):
            def test_step(self, data):
                x, y = data
                y_pred = self(x, training=False)
                loss = self.compute_loss(y=y, y_pred=y_pred)
                for metric in self.metrics:
                    if metric.name == "loss":
                        metric.update_state(loss)
                    else:
                        metric.update_state(y, y_pred)
                return {m.name: m.result() for m in self.metrics}

            def predict_step(self, data):
                return self(data, training=False) * 2.0

        inputs = k.Input(shape=(6,))
        model = Scaled(inputs, k.layers.Dense(2)(inputs))
        model.set_weights(_weights([w.shape for w in model.get_weights()]))
        model.compile(optimizer=k.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
        history = model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0, validation_split=0.25)
        logs = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
        outs.append((history.history, logs, np.asarray(model.predict(x, batch_size=16, verbose=0)),
                     k.ops.convert_to_numpy(model(x))))
    (kh, kl, kp, kc), (vh, vl, vp, vc) = outs
    assert sorted(vh) == sorted(kh)
    for key in kh:
        np.testing.assert_allclose(vh[key], kh[key], rtol=2e-3)
    assert sorted(vl) == sorted(kl) == ["loss", "mae"]
    for key in kl:
        assert vl[key] == pytest.approx(float(kl[key]), rel=2e-3)
    np.testing.assert_allclose(vp, 2 * vc, rtol=1e-6)
    np.testing.assert_allclose(vp, kp, atol=2e-3)


def test_super_train_step_trains_as_the_built_in_fit():
    x, y = _data()

    class Logged(visualnet.Model):
        def train_step(self, data):
            self.seen = getattr(self, "seen", 0) + 1
            return super().train_step(data)

    weights = None
    histories = []
    for cls in (Logged, visualnet.Model):
        inputs = visualnet.Input(shape=(6,))
        model = cls(inputs, visualnet.layers.Dense(2)(inputs))
        weights = weights or _weights([w.shape for w in model.get_weights()])
        model.set_weights(weights)
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        histories.append((model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0).history,
                          model.get_weights(), model))
    (ch, cw, custom), (bh, bw, _) = histories
    assert custom.seen == 8
    assert sorted(ch) == sorted(bh) == ["loss", "mae"]
    for key in bh:
        np.testing.assert_allclose(ch[key], bh[key], rtol=1e-5)
    _same(cw, bw, 1e-6)


def test_only_models_with_overrides_leave_the_engine_loops():
    inputs = visualnet.Input(shape=(3,))
    plain = visualnet.Model(inputs, visualnet.layers.Dense(1)(inputs))
    seq = visualnet.Sequential([visualnet.Input((3,)), visualnet.layers.Dense(1)])
    custom = tracker_model_class(visualnet)(inputs, visualnet.layers.Dense(1)(inputs))
    for model in (plain, seq):
        assert not any(uses_custom_step(model, s) for s in ("train_step", "test_step", "predict_step"))
    assert uses_custom_step(custom, "train_step") and not uses_custom_step(custom, "test_step")


def test_metrics_are_reset_each_epoch_and_logs_reach_callbacks():
    x, y = _data(32)
    seen = []

    class Record(visualnet.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append((batch, sorted(logs)))

    inputs = visualnet.Input(shape=(6,))
    model = tracker_model_class(visualnet)(inputs, visualnet.layers.Dense(2)(inputs))
    model.compile(optimizer="sgd")
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[Record()])
    assert seen == [(0, ["loss", "mae"]), (1, ["loss", "mae"])] * 2
    assert model.loss_tracker.count == 2         # this epoch's two batch losses only


def test_gradient_tape_sources_and_errors():
    class Scale(visualnet.layers.Layer):
        def build(self, input_shape):
            self.s = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="s")

        def call(self, x):
            return x * self.s

    inputs = visualnet.Input(shape=(3,))
    dense = visualnet.layers.Dense(2, kernel_initializer="ones")
    scale = Scale()
    model = visualnet.Model(inputs, dense(scale(inputs)))
    unused = visualnet.layers.Dense(1)
    unused.build((None, 3))
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    with GradientTape() as tape:
        loss = visualnet.ops.sum(model(x, training=True))
    g_s, g_kernel, g_bias, g_none = tape.gradient(loss, [scale.s, dense.kernel, dense.bias, unused.kernel])
    np.testing.assert_allclose(g_s, 2 * x.sum(0))            # d sum(x * s @ ones) / d s
    np.testing.assert_allclose(g_kernel, np.repeat(x.sum(0)[:, None], 2, axis=1))
    np.testing.assert_allclose(g_bias, [2.0, 2.0])
    assert g_none is None
    with pytest.raises(RuntimeError, match="persistent"):
        tape.gradient(loss, [dense.kernel])


def test_a_model_without_call_trains_through_its_train_step():
    """The GAN guide's model has no call(): Keras's TensorFlow and JAX backends train it (its torch
    backend asks for call() to build); VisualNet does not need one."""
    GAN = gan_class(visualnet)
    del GAN.call
    d = visualnet.Sequential([visualnet.Input((4,)), visualnet.layers.Dense(1, activation="sigmoid")])
    g = visualnet.Sequential([visualnet.Input((3,)), visualnet.layers.Dense(4)])
    before = [w.copy() for w in d.get_weights() + g.get_weights()]
    gan = GAN(d, g)
    gan.compile(visualnet.optimizers.SGD(0.1), visualnet.optimizers.SGD(0.1), visualnet.losses.BinaryCrossentropy())
    real, _ = _data(32, 4)
    history = gan.fit(real, np.ones((32, 3), np.float32), batch_size=8, epochs=2, verbose=0)
    assert sorted(history.history) == ["d_loss", "g_loss"] and len(history.history["d_loss"]) == 2
    assert all(np.isfinite(v) for v in history.history["g_loss"])
    assert all(not np.allclose(a, b) for a, b in zip(before, d.get_weights() + g.get_weights()))


def test_masks_reach_the_layers_inside_a_gradient_tape():
    """A custom train_step over a model whose Embedding masks its padding trains as the
    built-in fit does (the mask reaches the pooling on the tape too)."""
    class Custom(visualnet.Model):
        def train_step(self, data):
            x, y = data
            with GradientTape() as tape:
                loss = self.compute_loss(y=y, y_pred=self(x, training=True))
            self.optimizer.apply(tape.gradient(loss, self.trainable_weights), self.trainable_weights)
            return {"loss": loss}

    rng = np.random.default_rng(0)
    x = rng.integers(1, 9, size=(32, 6))
    x[:, 3:] *= rng.integers(0, 2, size=(32, 3))        # zeros: padding the mask hides
    y = rng.normal(size=(32, 1)).astype(np.float32)
    weights, results = None, []
    for cls in (Custom, visualnet.Model):
        inputs = visualnet.Input(shape=(6,), dtype="int32")
        h = visualnet.layers.Embedding(9, 4, mask_zero=True)(inputs)
        h = visualnet.layers.GlobalAveragePooling1D()(h)
        model = cls(inputs, visualnet.layers.Dense(1)(h))
        weights = weights or _weights([w.shape for w in model.get_weights()])
        model.set_weights(weights)
        model.compile(optimizer=visualnet.optimizers.SGD(0.1), loss="mse")
        model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
        results.append(model.get_weights())
    _same(results[0], results[1], 1e-5)
