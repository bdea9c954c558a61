"""data.compatibility reads the engine's loss table: every regression loss the engine has is
one (by any name the engine takes for it), and the Train page offers them all; a recipe with
`target="input"` (an autoencoder) holds the output's shape to the input's, with a fix."""

import pytest

from visualnet import data
from visualnet.data.compatibility import check_model_for_data, regression_losses
from visualnet.engine.losses import LOSS_GROUPS, LOSSES
from visualnet.graph.templates import load_template


def fitted(name, target="labels", steps=(), **params):
    return data.prepare(data.Recipe.builtin(name, params=params, steps=list(steps), target=target)).recipe


def _iris_model():
    g = load_template("mnist_mlp")
    g.set_params(g.input_nodes()[0].id, shape=(4,))
    g.set_params(g.output_nodes()[0].id, units=3)
    return g


def test_every_regression_loss_of_the_engine_is_one():
    assert set(regression_losses()) == set(LOSS_GROUPS["Regression"])
    assert {"huber", "log_cosh", "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "poisson",
            "cosine_similarity", "mean_squared_error", "mean_absolute_error"} <= set(regression_losses())
    assert set(regression_losses()) <= set(LOSSES)


@pytest.mark.parametrize("loss", [*LOSS_GROUPS["Regression"], "mse", "MAE", "mape", "msle", "Huber", "LogCosh",
                                  {"class_name": "Huber", "config": {"delta": 2.0}}])
def test_a_regression_loss_on_class_labels_is_flagged_with_the_fix(loss):
    problems = check_model_for_data(_iris_model(), fitted("iris"), loss)
    flagged = [p for p in problems if p.code == "data_loss"]
    assert len(flagged) == 1 and flagged[0].fix == "set_loss"
    assert flagged[0].detail["loss"] == "sparse_categorical_crossentropy"


@pytest.mark.parametrize("loss", LOSS_GROUPS["Regression"])
def test_a_regression_loss_on_a_regression_task_is_fine(loss):
    g = load_template("tabular_binary")
    g.set_params(g.input_nodes()[0].id, shape=(1,))
    g.set_params(g.output_nodes()[0].id, activation="linear")
    assert [p.code for p in check_model_for_data(g, fitted("regression_curve", n_samples=50), loss)] == []


def test_the_train_page_offers_every_regression_loss(qapp):
    from PySide6.QtWidgets import QComboBox

    from visualnet.gui.training.metric_choices import fill_losses

    combo = QComboBox()
    fill_losses(combo)
    offered = {combo.itemText(i) for i in range(combo.count())}
    assert set(regression_losses()) <= offered


def test_an_autoencoder_s_output_is_held_to_the_input_s_shape():
    recipe = fitted("mnist", target="input", steps=[data.Rescale(1 / 255).get_config()])
    g = load_template("conv_autoencoder")
    assert check_model_for_data(g, recipe, "binary_crossentropy") == []
    last = g.output_nodes()[0]
    g.set_params(last.id, filters=2)
    (problem,) = check_model_for_data(g, recipe, "binary_crossentropy")
    assert problem.code == "data_reconstruction_shape" and problem.fix == "set_params"
    assert problem.detail["params"] == {"filters": 1} and "(28, 28, 2)" in problem.message
    g.set_params(last.id, **problem.detail["params"])
    assert check_model_for_data(g, recipe, "binary_crossentropy") == []
    # a classifier's output cannot reproduce an image: said, without a one-click fix
    (problem,) = check_model_for_data(load_template("mnist_cnn"), recipe, "mse")
    assert problem.code == "data_reconstruction_shape" and problem.fix is None
    assert "(10,)" in problem.message and "(28, 28, 1)" in problem.message
