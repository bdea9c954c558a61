"""Files written by VisualNet before layer types carried their own Keras form (commit
75090d8, by tests/io/files/make_files.py's recipe) still open and predict the same."""

from pathlib import Path

import numpy as np
import pytest

from visualnet import models
from visualnet.io.project import open_project

FILES = Path(__file__).parent / "files"


@pytest.mark.parametrize("name", ["cnn.keras", "cnn.h5", "seq.keras", "seq.h5"])
def test_keras_files_open_and_predict_the_same(name):
    stem = name.split(".")[0]
    model = models.load_model(FILES / name)
    x, y = np.load(FILES / f"{stem}_x.npy"), np.load(FILES / f"{stem}_y.npy")
    np.testing.assert_allclose(model.predict(x, verbose=0), y, atol=1e-6)


def test_project_opens_with_its_weights_and_optimizer():
    project = open_project(FILES / "seq.vnet")
    model = project.build_model()
    x, y = np.load(FILES / "seq_x.npy"), np.load(FILES / "seq_y.npy")
    np.testing.assert_allclose(model.predict(x, verbose=0), y, atol=1e-6)
    assert project.optimizer is not None and project.training["epochs"] == 3
