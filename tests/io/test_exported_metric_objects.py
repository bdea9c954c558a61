"""An exported Keras script keeps the metric objects the model was compiled with, written as
their constructor calls (`keras.metrics.Precision(thresholds=0.3)`), and Keras's metrics made
by those calls give VisualNet's numbers on the same predictions."""

import numpy as np
import pytest

import visualnet
from visualnet.io.code_export import keras_script, torch_script

keras = pytest.importorskip("keras")


def _model():
    inputs = visualnet.Input(shape=(6,))
    model = visualnet.Model(inputs, visualnet.layers.Dense(4, activation="softmax")(inputs))
    model.compile(optimizer="adam", loss="categorical_crossentropy",
                  metrics=["accuracy", visualnet.metrics.Precision(thresholds=0.3),
                           visualnet.metrics.AUC(curve="PR"), visualnet.metrics.TopKCategoricalAccuracy(k=3)])
    return model


def _line(text, name):
    return next(line for line in text.splitlines() if line.startswith(f"{name} = "))


def test_the_keras_script_writes_the_metric_objects_as_calls():
    text, _ = keras_script(_model(), None, None, None, "w.npz")
    line = _line(text, "METRICS")
    assert line == ("METRICS = ['accuracy', keras.metrics.Precision(thresholds=0.3), keras.metrics.AUC(curve='PR'), "
                    "keras.metrics.TopKCategoricalAccuracy(k=3)]")
    compile(text, "train_keras.py", "exec")


@pytest.mark.oracle
def test_keras_s_metrics_from_the_script_give_visualnet_s_numbers():
    model = _model()
    text, _ = keras_script(model, None, None, None, "w.npz")
    namespace = {"keras": keras}
    exec(_line(text, "METRICS"), namespace)       # the script's own line, run by Keras
    theirs = namespace["METRICS"][1:]
    assert len(theirs) == 3
    rng = np.random.default_rng(0)
    y = np.eye(4, dtype=np.float32)[rng.integers(0, 4, 40)]
    p = model.predict(rng.normal(size=(40, 6)).astype(np.float32), verbose=0)
    for ours, their in zip(model.compiled.metric_ids[1:], theirs):
        assert type(their).__name__ == type(ours).__name__
        ours.reset_state()
        ours.update_state(y, p)
        their.update_state(y, p)
        assert float(ours.result()) == pytest.approx(float(their.result()), rel=1e-5), type(ours).__name__


def test_the_torch_script_still_compiles_with_metric_objects():
    text, _ = torch_script(_model(), None, None, None, "w.npz")
    compile(text, "train_torch.py", "exec")
