from visualnet.graph import Graph, infer_shapes, is_valid, validate

from .helpers import MNIST_CNN, chain


def codes(graph):
    return {(p.code, p.node_id, p.edge_id) for p in validate(graph)}


def test_valid_cnn_and_its_shapes_and_params():
    g, ids = chain(*MNIST_CNN)
    info = infer_shapes(g)
    shapes = [info[n].shape for n in ids]
    assert shapes == [(None, 28, 28, 1), (None, 26, 26, 32), (None, 13, 13, 32), (None, 11, 11, 64),
                      (None, 5, 5, 64), (None, 1600), (None, 128), (None, 10)]
    assert [info[n].params for n in ids] == [0, 320, 0, 18496, 0, 0, 204928, 1290]
    assert validate(g) == []


def test_each_problem_kind_lands_on_the_node_or_wire_at_fault():
    assert {p.code for p in validate(Graph())} == {"empty"}
    g = Graph()
    d = g.add_node("Dense")
    found = codes(g)
    assert ("no_input", None, None) in found and ("unconnected_input", d.id, None) in found

    g, (i, d1, d2) = chain(("Input", {"shape": (784,)}), ("Dense", {}), ("Dense", {}))
    a = g.add_node("Add")
    g.connect(d2, a.id)
    g.connect(d1, a.id)
    g.disconnect(g.in_edges(d2)[0].id)
    e = g.connect(a.id, d2, allow_cycle=True)  # as a hand-edited file may hold
    cyc = [p for p in validate(g) if p.code == "cycle"]
    assert {p.node_id for p in cyc if p.node_id} == {a.id, d2}
    assert {p.edge_id for p in cyc if p.edge_id} >= {e.id}

    g, (i, c) = chain(("Input", {"shape": (784,)}), ("Conv2D", {"filters": 4, "kernel_size": 3}))
    (p,) = validate(g)
    assert (p.code, p.node_id, p.edge_id, p.fix) == ("shape_mismatch", c, g.in_edges(c)[0].id, "insert_reshape")
    assert "(None, 784)" in p.message and "4-D" in p.message

    g = Graph()
    x, y = g.add_node("Input", {"shape": (4,)}), g.add_node("Input", {"shape": (5,)})
    add = g.add_node("Add")
    g.connect(x.id, add.id)
    e2 = g.connect(y.id, add.id)
    (p,) = validate(g)
    assert (p.code, p.node_id, p.edge_id) == ("shape_mismatch", add.id, e2.id)
    assert "(None, 4)" in p.message and "(None, 5)" in p.message

    g, (i, d) = chain(("Input", {"shape": (4,)}), ("Dense", {}))
    g.nodes[d].params["units"] = 0  # as a hand-edited file could hold
    (p,) = validate(g)
    assert (p.code, p.node_id, p.detail["param"]) == ("param_invalid", d, "units")

    g, (i, d, e) = chain(("Input", {"shape": (4,)}), ("Dense", {}), ("Dense", {}))
    extra = g.add_node("Dense")
    g.connect(d, extra.id)
    assert {(p.code, p.node_id) for p in validate(g)} == {("several_outputs", e), ("several_outputs", extra.id)}

    g, (i, f) = chain(("Input", {"shape": (28, 28, 1)}), ("Dense", {"units": 3}))
    (p,) = validate(g)
    assert (p.code, p.severity, p.fix) == ("dense_on_nd", "warning", "insert_flatten")
    assert is_valid([p])

    g = Graph()
    lone = g.add_node("Input", {"shape": (3,)})
    assert ("unused_input", lone.id, None) in codes(g)
    assert ("no_output", None, None) in codes(g)
