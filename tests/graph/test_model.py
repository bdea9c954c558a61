import pytest

from visualnet.graph import Graph, GraphError, ParamError

from .helpers import chain


def test_edits_emit_events_and_keep_ids():
    g = Graph()
    events = []
    g.subscribe(lambda e: events.append((e.kind, e.node_id or e.edge_id)))
    a = g.add_node("Input", {"shape": (4,)}, position=(0, 0))
    b = g.add_node("Dense", {"units": 3})
    e = g.connect(a.id, b.id)
    old = g.set_params(b.id, units=5)
    g.move_node(b.id, (10, 20))
    g.rename(b.id, "head")
    removed = g.remove_node(b.id)
    assert old == {"units": 3} and removed == [e]
    assert [k for k, _ in events] == ["node_added", "node_added", "edge_added", "params_changed", "node_moved",
                                      "node_renamed", "edge_removed", "node_removed"]
    g.add_node("Dense", {"units": 5}, node_id=b.id)
    g.connect(a.id, b.id, edge_id=e.id)
    assert set(g.nodes) == {a.id, b.id} and set(g.edges) == {e.id}


def test_names_are_unique_like_keras():
    g = Graph()
    names = [g.add_node("Dense").name for _ in range(3)]
    assert names == ["dense", "dense_1", "dense_2"]
    with pytest.raises(GraphError, match="already used"):
        g.add_node("Dense", name="dense")


def test_refused_wires_say_why():
    g, (i, d1, d2) = chain(("Input", {"shape": (4,)}), ("Dense", {}), ("Dense", {}))
    add = g.add_node("Add")
    g.connect(d2, add.id)
    g.disconnect(g.in_edges(d1)[0].id)
    with pytest.raises(GraphError, match="would make a cycle: 'dense' already feeds 'add'"):
        g.connect(add.id, d1)
    with pytest.raises(GraphError, match="takes 1 input and it is already wired"):
        g.connect(i, d2)
    with pytest.raises(GraphError, match="itself"):
        g.connect(d1, d1)
    with pytest.raises(GraphError, match="Input layer: it has no input port"):
        g.connect(d1, i)
    g.connect(i, add.id)
    with pytest.raises(GraphError, match="already wired to 'add'"):
        g.connect(i, add.id)
def test_merge_ports_in_order():
    g = Graph()
    a, b = g.add_node("Input", {"shape": (2,)}), g.add_node("Input", {"shape": (3,)})
    c = g.add_node("Concatenate")
    g.connect(b.id, c.id, dst_port=1)
    g.connect(a.id, c.id)
    assert g.inputs_of(c.id) == [a.id, b.id]


def test_set_params_is_checked():
    g = Graph()
    d = g.add_node("Dense")
    with pytest.raises(ParamError):
        g.set_params(d.id, units=-1)
    assert g.nodes[d.id].params["units"] == 32
