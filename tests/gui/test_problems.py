"""Every validation problem kind shows on the right layer or wire and in the problems
panel; clicking a problem selects and centres it; one-click fixes give valid graphs and
undo in one step."""

import html

import pytest
from PySide6.QtWidgets import QInputDialog

from visualnet.graph import Edge, Graph, is_valid, validate

from .helpers import LEFT, structure


def chain(g, *layers):
    ids = []
    for layer_type, params in layers:
        ids.append(g.add_node(layer_type, params).id)
        if len(ids) > 1:
            g.connect(ids[-2], ids[-1])
    return ids


def graph_with(code):
    """A small graph showing problem `code`; returns (graph, node the problem is on, wire it is on)."""
    g = Graph()
    if code == "empty":
        return g, None, None
    if code == "no_input":
        d = g.add_node("Dense", {"units": 4})
        return g, None, None
    if code == "no_output":
        g.add_node("Input", {"shape": (4,)})
        return g, None, None
    if code == "unused_input":
        i = g.add_node("Input", {"shape": (4,)})
        chain(g, ("Input", {"shape": (4,)}), ("Dense", {"units": 2}))
        return g, i.id, None
    if code == "several_outputs":
        i, a = chain(g, ("Input", {"shape": (4,)}), ("Dense", {"units": 2}))
        b = g.add_node("Dense", {"units": 3})
        g.connect(i, b.id)
        return g, b.id, None
    if code == "cycle":
        i, a, add, d = chain(g, ("Input", {"shape": (4,)}), ("Dense", {"units": 4}), ("Add", {}),
                             ("Dense", {"units": 4}))
        back = Edge("closing_wire", d, add, 1)
        g.edges[back.id] = back  # the Graph's API refuses cycles: make one as a broken file could
        return g, d, back.id
    if code == "param_invalid":
        i = g.add_node("Input", {"shape": (4,)})
        d = g.add_node("Dense", {"units": 0}, strict=False)
        g.connect(i.id, d.id)
        return g, d.id, None
    if code == "unconnected_input":
        chain(g, ("Input", {"shape": (4,)}), ("Dense", {"units": 2}))
        a = g.add_node("Add")
        g.connect(list(g.nodes)[1], a.id)
        return g, a.id, None
    if code == "shape_mismatch":
        i, c = chain(g, ("Input", {"shape": (784,)}), ("Conv2D", {"filters": 8}))
        return g, c, g.in_edges(c)[0].id
    if code == "dense_on_nd":
        i, d = chain(g, ("Input", {"shape": (28, 28, 1)}), ("Dense", {"units": 10, "activation": "softmax"}))
        return g, d, g.in_edges(d)[0].id
    raise AssertionError(code)


CODES = ["empty", "no_input", "no_output", "unused_input", "several_outputs", "cycle", "param_invalid",
         "unconnected_input", "shape_mismatch", "dense_on_nd"]


def test_every_problem_kind_is_shown_where_it_is(qtbot, window):
    for code in CODES:
        graph, node_id, edge_id = graph_with(code)
        window.set_graph(graph, code)
        problems = [p for p in window.document.problems if p.code == code]
        assert problems, code
        panel_codes = [p.code for p in window.problems_panel.problems()]
        assert code in panel_codes
        row = window.problems_panel.row_of(code, node_id=node_id)
        assert row is not None and row.text(0) == next(p for p in problems if p.node_id == node_id).message
        if node_id is not None:
            item = window.scene.node_items[node_id]
            assert code in [p.code for p in item.problems]
            assert item.severity == next(p for p in problems if p.node_id == node_id).severity
            assert row.text(1) == graph.nodes[node_id].name
            message = next(p for p in problems if p.node_id == node_id).message
            assert html.escape(message, quote=False) in item.toolTip()
        if edge_id is not None:
            edge = window.scene.edge_items[edge_id]
            assert code in [p.code for p in edge.problems], code
            assert edge.severity is not None
        # layers and wires without a problem are drawn normally
        for nid, item in window.scene.node_items.items():
            expect = {p.code for p in window.document.problems if p.node_id == nid}
            assert {p.code for p in item.problems} == expect
    assert window.statusBar().isVisible()


def test_clicking_a_problem_selects_and_centres_its_layer(qtbot, window):
    window.load_template("mnist_cnn")
    g = window.graph
    conv = next(n.id for n in g.nodes.values() if n.name == "conv2d_1")
    window.scene.select([conv])
    window.actions["delete"].trigger()  # now max_pooling2d's output feeds nothing...
    window.view.set_zoom(1.0)
    window.view.centerOn(-2000, -2000)
    tree = window.problems_panel.tree
    item = window.problems_panel.row_of("unconnected_input")
    target = item.data(0, 257).node_id  # Qt.UserRole + 1
    qtbot.mouseClick(tree.viewport(), LEFT, pos=tree.visualItemRect(item).center())
    assert window.scene.selected_node_ids() == [target]
    centre = window.view.mapToScene(window.view.viewport().rect().center())
    node_centre = window.scene.node_items[target].sceneBoundingRect().center()
    assert abs(centre.x() - node_centre.x()) < 30 and abs(centre.y() - node_centre.y()) < 30
    assert window.inspector.node_id == target


def click_fix(qtbot, window, code):
    item = window.problems_panel.row_of(code)
    assert item is not None, [p.code for p in window.document.problems]
    button = window.problems_panel.fix_button(item)
    assert button is not None
    qtbot.mouseClick(button, LEFT)


@pytest.mark.parametrize("code, shape, inserted, target", [
    ("dense_on_nd", (28, 28, 1), "Flatten", None),
    ("shape_mismatch", (784,), "Reshape", (28, 28, 1)),
    ("shape_mismatch", (150,), "Reshape", (5, 30, 1)),  # not a square: the user is asked
])
def test_one_click_fixes_give_valid_graphs(qtbot, window, monkeypatch, code, shape, inserted, target):
    asked = []

    def answer(parent, title, label, text=""):
        asked.append(text)
        return "5, 30, 1", True
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(answer))
    g = Graph()
    second = ("Dense", {"units": 10, "activation": "softmax"}) if code == "dense_on_nd" else ("Conv2D", {"filters": 8})
    ids = chain(g, ("Input", {"shape": shape}), second)
    for n, x in zip(ids, (0, 240)):
        g.move_node(n, (x, 0))
    window.set_graph(g, code)
    before = structure(g)
    click_fix(qtbot, window, code)
    assert is_valid(validate(g)) and not window.document.problems
    new = [n for n in g.nodes.values() if n.id not in ids]
    assert [n.type for n in new] == [inserted]
    assert g.inputs_of(new[0].id) == [ids[0]] and g.inputs_of(ids[1]) == [new[0].id]
    if target:
        assert new[0].params["target_shape"] == target
    assert bool(asked) == (shape == (150,))
    if asked:
        assert asked[0] == "10, 15, 1"  # the guess offered: closest factors
    # there is room for the new layer: nothing overlaps
    rects = [window.scene.node_items[n].sceneBoundingRect() for n in g.nodes]
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1:])
    # one undo step takes the fix back
    window.actions["undo"].trigger()
    assert structure(g) == before
    window.actions["redo"].trigger()
    assert is_valid(validate(g))


def test_set_params_fixes_from_future_rules(qtbot, window):
    """A validation rule that knows the right value (e.g. the number of classes) can offer
    it as fix='set_params'; the panel shows its button and applies it as one undoable edit."""
    from visualnet.graph import Problem
    from visualnet.gui.fixes import fix_label
    window.load_template("mnist_cnn")
    g = window.graph
    last = next(n for n in g.nodes.values() if n.name == "dense_1")
    problem = Problem("output_units", "warning", "The data has 3 classes.", node_id=last.id, fix="set_params",
                      detail={"params": {"units": 3}, "fix_label": "Set units to 3"})
    assert fix_label(problem) == "Set units to 3"
    assert window.fixer.apply(problem)
    assert g.nodes[last.id].params["units"] == 3
    assert window.document.undo_stack.undoText() == "Set units to 3 (dense_1)"
    window.actions["undo"].trigger()
    assert g.nodes[last.id].params["units"] == 10
    assert fix_label(Problem("x", "error", "m", fix="set_params", detail={})) is None
