"""The 'regularizer' and 'constraint' parameter kinds (issue 24): what the graph keeps
(Keras's config dict, every argument filled in) and the errors that name the argument."""

import pytest

from visualnet.graph import ParamError, get_spec


def _coerce(layer, name, value):
    return get_spec(layer).param(name).coerce(value)


@pytest.mark.parametrize("value, kept", [
    (None, None),
    ("l2", {"class_name": "L2", "config": {"l2": 0.01}}),
    ("L1L2", {"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.0}}),
    ({"class_name": "l1", "config": {"l1": 1}}, {"class_name": "L1", "config": {"l1": 1.0}}),
    ({"module": "keras.regularizers", "class_name": "OrthogonalRegularizer", "config": {"mode": "columns"},
      "registered_name": None, "shared_object_id": 7},
     {"class_name": "OrthogonalRegularizer", "config": {"factor": 0.01, "mode": "columns"}}),
])
def test_regularizers_are_kept_as_keras_configs(value, kept):
    assert _coerce("Dense", "kernel_regularizer", value) == kept


@pytest.mark.parametrize("value, kept", [
    ("max_norm", {"class_name": "MaxNorm", "config": {"max_value": 2, "axis": 0}}),
    ({"class_name": "MaxNorm", "config": {"axis": (0, 1, 2)}},
     {"class_name": "MaxNorm", "config": {"max_value": 2, "axis": [0, 1, 2]}}),
    ("NonNeg", {"class_name": "NonNeg", "config": {}}),
])
def test_constraints_are_kept_as_keras_configs(value, kept):
    assert _coerce("Conv2D", "kernel_constraint", value) == kept


@pytest.mark.parametrize("layer, name, value, words", [
    ("Dense", "bias_regularizer", "l3", "'bias_regularizer' must be None or a regularizer"),
    ("Dense", "kernel_regularizer", {"class_name": "L2", "config": {"l2": float("nan")}}, "non-negative"),
    ("Dense", "kernel_regularizer", 0.01, "must be None, a regularizer name or a Keras regularizer config"),
    ("LSTM", "recurrent_constraint", {"class_name": "MinMaxNorm", "config": {"rate": 2}}, "rate must be in"),
    ("Embedding", "embeddings_constraint", {"class_name": "UnitNorm", "config": {"axis": 0.5}}, "axis"),
    ("Conv2D", "kernel_constraint", {"class_name": "NonNeg", "config": {"axis": 0}}, "takes no arguments"),
])
def test_bad_values_are_refused_naming_the_argument(layer, name, value, words):
    with pytest.raises(ParamError, match=words) as info:
        _coerce(layer, name, value)
    assert info.value.param == name


def test_every_weight_named_by_a_declaration_exists():
    """Each regularizer or constraint parameter names a weight its layer type has."""
    from visualnet.graph.registry import all_specs
    shapes = {"Embedding": [(None, 4)], "LSTM": [(None, 4, 3)], "GRU": [(None, 4, 3)], "SimpleRNN": [(None, 4, 3)]}
    checked = 0
    for spec in all_specs():
        rules = [p for p in spec.params if p.kind in ("regularizer", "constraint") and p.weight]
        if not rules or spec.keras.wrapper is not None:
            continue
        rank = next((int(c) for c in spec.type if c.isdigit()), 1)
        shape = shapes.get(spec.type, [(None, *(6,) * rank, 32)] if "Conv" in spec.type else [(None, 6, 32)])
        params = spec.normalize({p.name: p.default for p in spec.params if p.required})
        names = {w.name for w in spec.weights(params, shape)}
        for p in rules:
            assert p.weight in names, (spec.type, p.name)
            checked += 1
    assert checked >= 30
