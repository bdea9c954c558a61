"""File ▸ Import Weights (issue 25): weights trained elsewhere replace the model's on the canvas's
project; a file that does not fit changes nothing and says why."""

from __future__ import annotations

import numpy as np

from visualnet import layers, models
from visualnet.io.project import Project


def _model():
    inp = layers.Input((4,), name="features")
    out = layers.Dense(3, activation="softmax", name="probs")(layers.Dense(5, name="hidden")(inp))
    return models.Model(inp, out, name="small")


def test_import_weights_replaces_the_weights(qtbot, window, tmp_path):
    files = window.files
    files.quiet = True
    model = _model()
    files._load(Project.from_model(model), "small", None)
    arrays = {f"{l.name}/{i}": np.full(np.shape(w), 0.25 * (i + 1), "float32")
              for l in model.layers for i, w in enumerate(l.get_weights())}
    np.savez(tmp_path / "w.npz", **arrays)
    assert window.actions["import_weights"] in window.file_menu.actions()
    assert files.import_weights(tmp_path / "w.npz")
    weights = files.snapshot().weights
    by_name = {window.document.graph.nodes[nid].name: w for nid, w in weights.items()}
    np.testing.assert_array_equal(by_name["hidden"]["kernel"], arrays["hidden/0"])
    np.testing.assert_array_equal(by_name["probs"]["bias"], arrays["probs/1"])
    assert window.document.is_modified() and files.parts.optimizer is None

    np.savez(tmp_path / "bad.npz", **{"hidden/0": np.zeros((2, 2), "float32")})
    assert not files.import_weights(tmp_path / "bad.npz")
    assert "bad.npz" in files.last_error and "cannot be used" in files.last_error
    np.testing.assert_array_equal({window.document.graph.nodes[n].name: w for n, w in
                                   files.snapshot().weights.items()}["hidden"]["kernel"], arrays["hidden/0"])
