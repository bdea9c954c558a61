"""The sequence templates of issue 22: bidirectional_lstm_text (movie reviews: Embedding with
mask_zero, stacked Bidirectional LSTMs) and sensor_classifier (indoor movement: Masking, LSTM,
sigmoid). Each takes sequences of any length (Input shape with None), fits its built-in data
without a problem, and learns well above chance in a short real training run."""

from __future__ import annotations

import pytest

from visualnet import data, models, optimizers, utils
from visualnet.data.compatibility import check_model_for_data
from visualnet.graph import infer_shapes, keras_order, validate
from visualnet.graph.templates import load_template

# template -> (dataset, loss, epochs, learning rate, test accuracy it must beat)
CASES = {
    # measured 0.705-0.73 on the 400 held-out reviews over seeds 0-2; chance is 0.50
    "bidirectional_lstm_text": ("movie_reviews", "binary_crossentropy", 3, 0.005, 0.62),
    # measured 0.83-0.89 on the 63 held-out sequences over seeds 0-3; chance is 0.50
    "sensor_classifier": ("indoor_movement", "binary_crossentropy", 20, 0.005, 0.70),
}


@pytest.mark.parametrize("name", CASES)
def test_template_takes_any_length_and_fits_its_data(name):
    graph = load_template(name)
    assert validate(graph) == []
    order = [graph.nodes[n] for n in keras_order(graph)]
    assert order[0].params["shape"][0] is None
    info = infer_shapes(graph)
    assert [info[n.id].shape[:2] for n in order[:2]] == [(None, None), (None, None)]  # the time axis varies
    recipe = data.prepare(data.Recipe.builtin(CASES[name][0])).recipe
    assert check_model_for_data(graph, recipe, CASES[name][1]) == []


def test_the_templates_are_the_models_their_descriptions_name():
    text = [(n.type, n.params.get("wrapped")) for n in map(load_template("bidirectional_lstm_text").nodes.get,
                                                           keras_order(load_template("bidirectional_lstm_text")))]
    assert text == [("Input", None), ("Embedding", None), ("Bidirectional", "LSTM"), ("Bidirectional", "LSTM"),
                    ("Dense", None)]
    graph = load_template("sensor_classifier")
    assert [graph.nodes[n].type for n in keras_order(graph)] == ["Input", "Masking", "LSTM", "Dense"]
    dense = graph.nodes[keras_order(graph)[-1]]
    assert (dense.params["units"], dense.params["activation"]) == (1, "sigmoid")  # the head the data suggest


@pytest.mark.slow
@pytest.mark.parametrize("name", CASES)
def test_template_learns_its_data(name):
    dataset, loss, epochs, rate, beat = CASES[name]
    prepared = data.prepare(data.Recipe.builtin(dataset))
    (x, y), (xt, yt) = prepared.train, prepared.test
    utils.set_random_seed(0)
    model = models.Model.from_graph(load_template(name))
    model.compile(optimizer=optimizers.Adam(rate), loss=loss, metrics=["accuracy"])
    model.fit(x, y, epochs=epochs, batch_size=32, verbose=0)
    assert model.evaluate(xt, yt, verbose=0)[1] > beat


def test_none_in_the_input_matches_any_length_of_the_data_but_not_other_features():
    graph = load_template("sensor_classifier")
    recipe = data.prepare(data.Recipe.builtin("indoor_movement", params={"maxlen": 40})).recipe
    assert check_model_for_data(graph, recipe, "binary_crossentropy") == []
    node = next(n for n in graph.nodes.values() if n.type == "Input")
    graph.set_params(node.id, shape=(None, 5))
    (problem,) = check_model_for_data(graph, recipe, "binary_crossentropy")
    assert problem.code == "data_input_shape" and "(40, 4)" in problem.message and "(None, 5)" in problem.message
