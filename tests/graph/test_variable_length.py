"""Inputs of any length (issue 22): Input(shape=(None, ...)) declared, None carried through
the sequence layers' shape rules, and validation that explains what cannot take it."""

from __future__ import annotations

import pytest

from visualnet.graph import Graph, ParamError, get_spec, infer_shapes, validate


def chain(*layers):
    g, ids = Graph(), []
    for layer_type, params in layers:
        node = g.add_node(layer_type, params)
        if ids:
            g.connect(ids[-1], node.id)
        ids.append(node.id)
    return g, ids


def shapes(g, ids):
    info = infer_shapes(g)
    return [info[i].shape for i in ids]


def test_input_declares_none_for_a_length_that_varies():
    shape = get_spec("Input").param("shape")
    assert shape.coerce([None, 4]) == (None, 4) and shape.coerce((None,)) == (None,)
    with pytest.raises(ParamError, match="shape"):
        get_spec("Reshape").param("target_shape").coerce((None, 4))


@pytest.mark.parametrize("layers,expected", [
    ([("Input", {"shape": (None, 4)}), ("Masking", {}), ("LSTM", {"units": 8, "return_sequences": True}),
      ("TimeDistributed", {"units": 3}), ("GlobalAveragePooling1D", {}), ("Dense", {"units": 2})],
     [(None, None, 4), (None, None, 4), (None, None, 8), (None, None, 3), (None, 3), (None, 2)]),
    ([("Input", {"shape": (None,)}), ("Embedding", {"input_dim": 50, "output_dim": 8, "mask_zero": True}),
      ("Bidirectional", {"units": 4, "return_sequences": True}), ("Bidirectional", {"wrapped": "GRU", "units": 2}),
      ("RepeatVector", {"n": 3})],
     [(None, None), (None, None, 8), (None, None, 8), (None, 4), (None, 3, 4)]),
    ([("Input", {"shape": (None, 4)}), ("Conv1D", {"filters": 3, "kernel_size": 3, "padding": "causal"}),
      ("MaxPooling1D", {}), ("UpSampling1D", {}), ("ZeroPadding1D", {}), ("GlobalMaxPooling1D", {})],
     [(None, None, 4), (None, None, 3), (None, None, 3), (None, None, 3), (None, None, 3), (None, 3)]),
    ([("Input", {"shape": (None, 6, 6, 2)}), ("TimeDistributed", {"wrapped": "Conv2D", "filters": 3}),
      ("TimeDistributed", {"wrapped": "Flatten"}), ("SimpleRNN", {"units": 2})],
     [(None, None, 6, 6, 2), (None, None, 4, 4, 3), (None, None, 48), (None, 2)]),
])
def test_none_is_carried_through_the_sequence_layers(layers, expected):
    g, ids = chain(*layers)
    assert shapes(g, ids) == expected
    assert validate(g) == []


def test_flatten_of_any_length_is_explained_on_the_flatten_and_on_the_dense():
    g, (_, _, flatten, dense) = chain(("Input", {"shape": (None,)}), ("Embedding", {"input_dim": 9, "output_dim": 4}),
                                      ("Flatten", {}), ("Dense", {"units": 1}))
    problems = {p.node_id: p for p in validate(g)}
    assert problems[flatten].code == "flatten_varies" and problems[flatten].severity == "warning"
    assert "'flatten' receives (None, None, 4)" in problems[flatten].message
    assert problems[dense].code == "shape_mismatch" and problems[dense].severity == "error"
    assert "it receives (None, None)" in problems[dense].message and "GlobalAveragePooling1D" in problems[dense].message


def test_dense_on_steps_of_any_length_is_not_offered_a_flatten():
    g, (_, dense) = chain(("Input", {"shape": (None, 4)}), ("Dense", {"units": 2}))
    (problem,) = validate(g)
    assert (problem.code, problem.severity, problem.fix) == ("dense_on_nd", "warning", None)
    assert "applies to every step" in problem.message
    g, (_, dense) = chain(("Input", {"shape": (4, None)}), ("Dense", {"units": 2}))  # the features vary: refused
    (problem,) = validate(g)
    assert problem.code == "shape_mismatch" and "last dimension is known" in problem.message
