"""Initializer objects and their configs wherever Keras takes them (issue 23): kept in the
graph as Keras's config dict (the name when the arguments are Keras's defaults), used to
make the weights, reproducible with a seed."""

import numpy as np
import pytest

import visualnet
from visualnet import initializers, layers
from visualnet.graph import from_dict, to_dict
from visualnet.graph.initializer_rules import canonical


def dense_weights(**kwargs):
    model = visualnet.Sequential([visualnet.Input((4,)), layers.Dense(4, **kwargs)])
    return model.get_weights()


def test_objects_become_configs_and_defaults_become_names():
    d = layers.Dense(2, kernel_initializer=initializers.HeNormal(seed=1), bias_initializer=initializers.Constant(0.1))
    assert d.config["kernel_initializer"] == {"class_name": "HeNormal", "config": {"seed": 1}}
    assert d.config["bias_initializer"] == {"class_name": "Constant", "config": {"value": 0.1}}
    assert layers.Dense(2, kernel_initializer=initializers.GlorotUniform()).config["kernel_initializer"] == \
        "glorot_uniform"
    assert canonical({"module": "keras.initializers", "class_name": "RandomNormal",
                      "config": {"mean": 1.0, "seed": 3}, "registered_name": None}) == \
        {"class_name": "RandomNormal", "config": {"mean": 1.0, "stddev": 0.05, "seed": 3}}
    assert canonical("truncated_normal") == {"class_name": "TruncatedNormal",
                                             "config": {"mean": 0.0, "stddev": 0.05, "seed": None}}
    assert canonical({"class_name": "GlorotUniform", "config": {"seed": None, "input_axes": None,
                                                                "output_axes": None}}) == "glorot_uniform"


def test_the_weights_follow_the_initializer():
    kernel, bias = dense_weights(kernel_initializer=initializers.Identity(gain=2.0),
                                 bias_initializer=initializers.Constant(0.1))
    np.testing.assert_array_equal(kernel, 2 * np.eye(4, dtype="float32"))
    np.testing.assert_array_equal(bias, np.full(4, 0.1, "float32"))
    kernel = dense_weights(kernel_initializer=initializers.RandomNormal(mean=5.0, stddev=0.01, seed=2))[0]
    assert abs(kernel.mean() - 5.0) < 0.05
    kernel = dense_weights(kernel_initializer={"class_name": "Orthogonal", "config": {"gain": 3.0}})[0]
    np.testing.assert_allclose(kernel.T @ kernel, 9 * np.eye(4), atol=1e-4)
    kernel = dense_weights(kernel_initializer=initializers.TruncatedNormal(stddev=1.0, seed=0))[0]
    assert np.abs(kernel).max() <= 2.0


@pytest.mark.parametrize("init", [initializers.HeNormal(seed=1), initializers.GlorotUniform(seed=1),
                                  initializers.VarianceScaling(scale=2.0, mode="fan_out", distribution="uniform",
                                                               seed=1),
                                  initializers.RandomUniform(seed=1), initializers.Orthogonal(seed=1)])
def test_the_same_seed_gives_the_same_weights(init):
    first = dense_weights(kernel_initializer=init)[0]
    np.testing.assert_array_equal(dense_weights(kernel_initializer=init)[0], first)   # as Keras 3: every call
    np.testing.assert_array_equal(init((4, 4)), init((4, 4)))
    other = type(init).from_config({**init.get_config(), "seed": 2})
    assert not np.array_equal(dense_weights(kernel_initializer=other)[0], first)


def test_bad_configs_are_refused_naming_the_argument():
    with pytest.raises(ValueError, match="kernel_initializer.*Constant takes value; received valu"):
        layers.Dense(2, kernel_initializer={"class_name": "Constant", "config": {"valu": 1}})
    with pytest.raises(ValueError, match="mode must be one of fan_in"):
        layers.Dense(2, kernel_initializer={"class_name": "VarianceScaling", "config": {"mode": "fan"}})
    with pytest.raises(ValueError, match="'Unknown' is not one VisualNet has"):
        layers.Conv2D(2, 3, kernel_initializer={"class_name": "Unknown", "config": {}})
    with pytest.raises(ValueError, match="kernel_initializer"):
        layers.Dense(2, kernel_initializer="nonsense")


def test_the_graph_keeps_the_config_through_a_project_file():
    model = visualnet.Sequential([visualnet.Input((3,)), layers.Dense(2, bias_initializer=initializers.Constant(0.5))])
    graph = from_dict(to_dict(model.to_graph()))
    dense = next(n for n in graph.nodes.values() if n.type == "Dense")
    assert dense.params["bias_initializer"] == {"class_name": "Constant", "config": {"value": 0.5}}
    np.testing.assert_array_equal(visualnet.Model.from_graph(graph).get_weights()[1], [0.5, 0.5])
