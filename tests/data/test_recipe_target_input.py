"""A recipe whose target is the input (the denoising autoencoder template's data): y is the
prepared sample itself, the recipe says so in its JSON (and only then), and what cannot be
its own target is refused with the reason."""

import json

import numpy as np
import pytest

from visualnet import data
from visualnet.data import DataError, Recipe, Rescale, prepare
from visualnet.engine.model import Model
from visualnet.engine.rng import set_seed
from visualnet.graph.templates import load_template


def mnist_to_itself():
    return Recipe.builtin("mnist", steps=[Rescale(1 / 255).get_config()], target="input")


def test_the_prepared_sample_is_its_own_target():
    prepared = prepare(mnist_to_itself())
    for part in (prepared.train, prepared.test):
        np.testing.assert_array_equal(part.y, part.x)
        assert part.y is not part.x and part.y.dtype == np.float32
    assert prepared.train.x.max() == 1.0                  # after the steps: the rescaled image
    fitted = prepared.recipe.fitted
    assert fitted["task"] == "regression" and fitted["class_names"] == []
    assert prepared.recipe.target == "input"


def test_the_target_is_written_only_when_it_is_the_input():
    plain = Recipe.builtin("mnist")
    assert "target" not in plain.to_dict()               # older recipes' JSON is unchanged
    d = json.loads(mnist_to_itself().to_json())
    assert d["target"] == "input"
    again = Recipe.from_dict(d)
    assert again.target == "input" and again.to_dict() == d
    fitted = prepare(again).recipe
    assert Recipe.from_json(fitted.to_json()).target == "input"


def test_what_cannot_be_its_own_target_is_refused():
    with pytest.raises(DataError, match="target must be one of"):
        Recipe.builtin("mnist", target="image")
    with pytest.raises(DataError, match="target='input' needs numeric samples"):
        prepare(Recipe.builtin("movie_reviews_text", target="input",
                               steps=[data.VectorizeText(1000, 50).get_config()]))
    with pytest.raises(DataError, match="time series"):
        prepare(Recipe.builtin("airline_passengers", target="input"))


def test_the_autoencoder_template_learns_from_the_recipe_s_data():
    prepared = prepare(mnist_to_itself())
    x, y = prepared.train.x[:1000], prepared.train.y[:1000]
    set_seed(3)
    model = Model.from_graph(load_template("conv_autoencoder"))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["mse"])
    before = model.evaluate(prepared.test.x[:500], prepared.test.y[:500], verbose=0, return_dict=True)["mse"]
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    after = model.evaluate(prepared.test.x[:500], prepared.test.y[:500], verbose=0, return_dict=True)["mse"]
    assert after < 0.6 * before, (before, after)      # 0.23 -> 0.12 on this machine
