"""The augmentation preview's engine side: which layers it applies, seeded draws that leave
the training generator alone, and images ready to show."""

import numpy as np
import pytest

from visualnet.engine.augmentation_preview import augment_examples, augmentation_chain
from visualnet.engine.rng import global_rng, set_seed
from visualnet.graph import Graph
from visualnet.graph.templates import load_template


def chain_graph(*layers):
    g = Graph()
    prev = g.add_node("Input", {"shape": (16, 16, 3)}).id
    for layer_type, params in layers:
        node = g.add_node(layer_type, params)
        g.connect(prev, node.id)
        prev = node.id
    return g


def types(nodes):
    return [n.type for n in nodes]


def test_the_chain_runs_from_the_input_through_preparing_and_random_layers():
    g = chain_graph(("Rescaling", {"scale": 1 / 255}), ("RandomFlip", {}), ("RandomContrast", {"factor": 0.5}),
                    ("CenterCrop", {"height": 8, "width": 8}), ("Conv2D", {"filters": 2, "kernel_size": 3}),
                    ("RandomFlip", {}))
    # up to the last random layer before the first layer that learns; the Rescaling before it applies
    assert types(augmentation_chain(g)) == ["Rescaling", "RandomFlip", "RandomContrast"]
    assert augmentation_chain(chain_graph(("Rescaling", {}), ("Conv2D", {"filters": 2, "kernel_size": 3}))) == []
    assert augmentation_chain(load_template("mnist_cnn")) == []
    # a branch right after the Input is not one chain
    g = chain_graph(("RandomFlip", {}))
    extra = g.add_node("Flatten", {})
    g.connect(next(iter(g.input_nodes())).id, extra.id)
    assert augmentation_chain(g) == []


def test_draws_are_seeded_and_leave_the_training_generator_alone():
    g = chain_graph(("RandomRotation", {"factor": 0.2}), ("RandomBrightness", {"factor": 0.3, "value_range": (0, 1)}))
    x = np.random.default_rng(0).random((4, 16, 16, 3)).astype(np.float32)
    set_seed(5)
    before = global_rng().bit_generator.state
    a = augment_examples(g, x, seed=7, copies=3)
    assert global_rng().bit_generator.state == before
    b = augment_examples(g, x, seed=7, copies=3)
    c = augment_examples(g, x, seed=8, copies=3)
    np.testing.assert_array_equal(a.augmented, b.augmented)
    assert not np.array_equal(a.augmented, c.augmented)
    assert a.original.shape == (4, 16, 16, 3) and a.augmented.shape == (3, 4, 16, 16, 3)
    assert a.original.dtype == np.uint8 and a.layers == ["random_rotation", "random_brightness"]
    assert not np.array_equal(a.augmented[0], a.augmented[1])      # each copy is its own draw


def test_what_cannot_be_previewed_says_why():
    with pytest.raises(ValueError, match="no augmentation layer"):
        augment_examples(load_template("mnist_cnn"), np.zeros((2, 28, 28, 1)))
    g = Graph()
    g.connect(g.add_node("Input", {"shape": (8,)}).id, g.add_node("GaussianNoise", {"stddev": 0.1}).id)
    with pytest.raises(ValueError, match="shows images"):
        augment_examples(g, np.zeros((2, 8)))
