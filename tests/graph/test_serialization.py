import json

import pytest

from visualnet.graph import GraphFormatError, from_json, to_json, validate

from .helpers import MNIST_CNN, chain


def test_round_trip_keeps_ids_names_params_positions():
    g, ids = chain(*MNIST_CNN)
    g.move_node(ids[1], (120.5, -3))
    text = to_json(g)
    back = from_json(text)
    assert to_json(back) == text
    assert json.loads(text)["format_version"] == 1
    assert back.nodes[ids[1]].position == (120.5, -3.0)
    assert back.nodes[ids[1]].params["kernel_size"] == (3, 3)


@pytest.mark.parametrize("mutate,fragment", [
    (lambda d: d.pop("format_version"), "format_version"),
    (lambda d: d.update(format_version=99), "format_version 99"),
    (lambda d: d["nodes"][1].update(type="Lambda"), "Unknown layer type 'Lambda'"),
    (lambda d: d["nodes"][1].pop("params"), "nodes[1]: field 'params'"),
    (lambda d: d["edges"][0].update(dst="nope"), "does not exist"),
    (lambda d: d["nodes"][2].update(name=d["nodes"][1]["name"]), "already used"),
    (lambda d: d["nodes"][0].update(id="../x"), "invalid id"),
    (lambda d: d.update(edges="x"), "'edges' must be a list"),
])
def test_broken_descriptions_give_specific_errors(mutate, fragment):
    g, _ = chain(*MNIST_CNN)
    data = json.loads(to_json(g))
    mutate(data)
    with pytest.raises(GraphFormatError, match=fragment.replace("[", r"\[").replace("]", r"\]")
                       .replace("(", r"\(").replace(")", r"\)")):
        from_json(json.dumps(data))


def test_out_of_range_values_load_and_are_reported():
    g, ids = chain(("Input", {"shape": (4,)}), ("Dense", {"units": 3}))
    data = json.loads(to_json(g))
    data["nodes"][1]["params"]["units"] = -2
    back = from_json(json.dumps(data))
    assert [p.code for p in validate(back)] == ["param_invalid"]


def test_not_json():
    with pytest.raises(GraphFormatError, match="not valid JSON"):
        from_json("{nope")
