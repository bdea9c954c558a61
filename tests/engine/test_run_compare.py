"""compare_runs: hyper-parameter, graph and recipe differences, final metrics side by side."""

import json

from visualnet.engine.run_compare import compare_runs, dict_differences, graph_differences
from visualnet.engine.run_history import RunHistory


def graph(units=64, extra=False, wire=True, activation="relu"):
    nodes = [{"id": "in", "type": "Input", "name": "input", "params": {"shape": [4]}},
             {"id": "d1", "type": "Dense", "name": "hidden", "params": {"units": units, "activation": activation}},
             {"id": "d2", "type": "Dense", "name": "out", "params": {"units": 3, "activation": "softmax"}}]
    edges = [{"id": "e1", "src": "in", "src_port": 0, "dst": "d1", "dst_port": 0}]
    if wire:
        edges.append({"id": "e2", "src": "d1", "src_port": 0, "dst": "d2", "dst_port": 0})
    if extra:
        nodes.append({"id": "dr", "type": "Dropout", "name": "dropout", "params": {"rate": 0.5}})
        edges.append({"id": "e3", "src": "d1", "src_port": 0, "dst": "dr", "dst_port": 0})
    return {"format_version": 1, "nodes": nodes, "edges": edges}


def history(lr=0.001, batch_size=32, g=None, recipe=None, final=None, duration=1.5):
    return RunHistory(settings={"optimizer": "adam", "optimizer_params": {"learning_rate": lr},
                                "batch_size": batch_size, "metrics": ["accuracy"], "seed": None},
                      graph=g, recipe=recipe, final=final or {"loss": 0.5, "accuracy": 0.8},
                      duration=duration, status="finished")


def test_identical_runs_have_no_differences():
    a = history(g=graph(), recipe={"split": {"validation": 0.1}})
    cmp = compare_runs(a, a.to_dict())
    assert cmp.settings == [] and cmp.graph == [] and cmp.recipe == [] and cmp.lines() == []
    assert cmp.graph_known and cmp.recipe_known


def test_hyper_parameter_differences_are_listed_by_dotted_key():
    cmp = compare_runs(history(lr=0.001), history(lr=0.01, batch_size=64))
    assert [(d.key, d.a, d.b) for d in cmp.settings] == [("optimizer_params.learning_rate", 0.001, 0.01),
                                                         ("batch_size", 32, 64)]
    assert "optimizer_params.learning_rate: 0.001 -> 0.01" in cmp.lines()


def test_keys_on_one_side_only_and_nested_dicts_appearing():
    diffs = dict_differences({"a": 1, "es": None}, {"a": 1, "b": [1, 2], "es": {"patience": 3}})
    assert [(d.key, d.a, d.b) for d in diffs] == [("es.patience", None, 3), ("b", None, [1, 2])]
    diffs = dict_differences({"s": {"kind": "step"}}, {})
    assert [(d.key, d.a, d.b) for d in diffs] == [("s.kind", "step", None)]
    assert dict_differences({"x": 1}, {"x": 1.0}) == []


def test_graph_differences_layers_added_removed_changed_and_wires():
    a, b = graph(), graph(units=128, extra=True, wire=False, activation="tanh")
    b["nodes"] = [n for n in b["nodes"] if n["id"] != "d2"]
    b["edges"] = [e for e in b["edges"] if e["dst"] != "d2"]
    diffs = graph_differences(a, b)
    kinds = {(d.kind, d.item) for d in diffs}
    assert ("removed", "out (d2)") in kinds and ("added", "dropout (dr)") in kinds
    changed = [d for d in diffs if d.kind == "changed"]
    assert len(changed) == 1 and changed[0].item == "hidden (d1)"
    assert "units: 64 -> 128" in changed[0].detail and "activation: relu -> tanh" in changed[0].detail
    assert ("wire removed", "hidden:0 -> out:0") in kinds and ("wire added", "hidden:0 -> dropout:0") in kinds
    assert len(diffs) == 5


def test_compare_runs_lists_graph_recipe_and_final_metrics():
    a = history(g=graph(), recipe={"source": {"name": "iris"}, "split": {"validation": 0.1}},
                final={"loss": 0.5, "accuracy": 0.8, "val_loss": 0.6}, duration=2.0)
    b = history(g=graph(units=32), recipe={"source": {"name": "iris"}, "split": {"validation": 0.2}},
                final={"loss": 0.4, "accuracy": 0.85}, duration=3.0)
    cmp = compare_runs(json.loads(a.to_json()), b)
    assert cmp.settings == []
    assert [(d.kind, d.item) for d in cmp.graph] == [("changed", "hidden (d1)")]
    assert [(d.key, d.a, d.b) for d in cmp.recipe] == [("split.validation", 0.1, 0.2)]
    assert cmp.metrics == [("loss", 0.5, 0.4), ("accuracy", 0.8, 0.85), ("val_loss", 0.6, None),
                           ("duration", 2.0, 3.0)]
    assert "data split.validation: 0.1 -> 0.2" in cmp.lines()


def test_runs_without_graph_or_recipe_compare_what_they_have():
    cmp = compare_runs(history(g=None), history(g=graph(), lr=0.1))
    assert not cmp.graph_known and not cmp.recipe_known and cmp.graph == [] and cmp.recipe == []
    assert [d.key for d in cmp.settings] == ["optimizer_params.learning_rate"]
