"""The canvas's one-click fixes (issue 26): Insert Reshape proposes a shape the next layer
accepts and shows the new layer; a layer left without its wire is offered 'Connect from
...' (or, for an Input, 'Connect to ...') and 'Delete'."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QInputDialog

from visualnet.graph import Graph, is_valid, validate
from visualnet.gui.fixes import accepts, guess_image_shape, reshape_targets

from .helpers import LEFT


def placed(g, *layers, y=0.0, x0=0.0):
    ids = []
    for i, (layer_type, params) in enumerate(layers):
        ids.append(g.add_node(layer_type, params, position=(x0 + 240.0 * i, y)).id)
        if len(ids) > 1:
            g.connect(ids[-2], ids[-1])
    return ids


def row(window, code, node_id=None):
    item = window.problems_panel.row_of(code, node_id)
    assert item is not None, [(p.code, p.message) for p in window.document.problems]
    return item


def test_insert_reshape_proposes_a_shape_the_next_layer_accepts(qtbot, window, monkeypatch):
    """8 values into a Conv2D with a 3x1 kernel: the closest-to-square (2, 4, 1) is too low
    for the kernel, (4, 2, 1) fits; that is what the person is offered."""
    asked = []

    def answer(parent, title, label, text=""):
        asked.append(text)
        return text, True
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(answer))
    g = Graph()
    i, conv, flat, out = placed(g, ("Input", {"shape": (8,)}), ("Conv2D", {"filters": 4, "kernel_size": (3, 1)}),
                                ("Flatten", {}), ("Dense", {"units": 2, "activation": "softmax"}))
    window.set_graph(g, "reshape")
    edge = g.in_edges(conv)[0].id
    assert not accepts(g, edge, guess_image_shape(8))           # what the fix used to propose
    qtbot.mouseClick(window.problems_panel.fix_button(row(window, "shape_mismatch")), LEFT)
    assert asked == ["4, 2, 1"]
    assert is_valid(validate(g)) and not window.document.problems
    reshape = next(n for n in g.nodes.values() if n.type == "Reshape")
    assert reshape.params["target_shape"] == (4, 2, 1)


def test_a_square_that_fits_is_applied_without_a_question(window):
    assert reshape_targets(784)[:3] == [(28, 28, 1), (16, 49, 1), (49, 16, 1)]
    assert all(h * w * c == 150 for h, w, c in reshape_targets(150)) and reshape_targets(150)[0] == (10, 15, 1)
    g = Graph()
    placed(g, ("Input", {"shape": (784,)}), ("Conv2D", {"filters": 4}), ("Flatten", {}), ("Dense", {"units": 2}))
    window.set_graph(g, "square")
    window.fixer.ask_shape = lambda n, guess: pytest.fail("a fitting square needs no question")
    assert window.fixer.apply(next(p for p in window.document.problems if p.code == "shape_mismatch"))
    reshape = next(n for n in g.nodes.values() if n.type == "Reshape")
    assert reshape.params["target_shape"] == (28, 28, 1) and is_valid(validate(g))


def test_the_inserted_layer_is_selected_and_in_view(qtbot, window):
    g = Graph()
    ids = placed(g, ("Input", {"shape": (784,)}), ("Dense", {"units": 64}), ("Dense", {"units": 64}),
                 ("Dense", {"units": 784}), ("Conv2D", {"filters": 8}), ("Flatten", {}), ("Dense", {"units": 10}))
    window.set_graph(g, "long")
    window.view.set_zoom(2.0, window.scene.node_items[ids[0]].sceneBoundingRect().center())
    window.view.centerOn(window.scene.node_items[ids[0]])
    conv_rect = window.scene.node_items[ids[4]].sceneBoundingRect()
    assert not window.view.visible_rect().intersects(conv_rect)          # the fix happens off-screen
    qtbot.mouseClick(window.problems_panel.fix_button(row(window, "shape_mismatch")), LEFT)
    new = next(n.id for n in g.nodes.values() if n.type == "Reshape")
    assert window.scene.selected_node_ids() == [new]
    assert window.view.visible_rect().contains(window.scene.node_items[new].sceneBoundingRect())


def test_an_unconnected_layer_is_offered_connect_from_the_likely_layer_or_delete(qtbot, window):
    g = Graph()
    i, a = placed(g, ("Input", {"shape": (4,)}), ("Dense", {"units": 8}))
    far = g.add_node("Dense", {"units": 3}, position=(240.0, 600.0)).id    # below, a free output: less likely
    b = g.add_node("Dense", {"units": 2}, position=(480.0, 0.0)).id        # dropped to the right of 'a', unwired
    g.connect(i, far)
    window.set_graph(g, "unwired")
    buttons = window.problems_panel.fix_buttons(row(window, "unconnected_input", b))
    name_a = g.nodes[a].name
    assert [x.text() for x in buttons] == [f"Connect from {name_a}", f"Delete {g.nodes[b].name}"]
    qtbot.mouseClick(buttons[0], LEFT)
    assert g.inputs_of(b) == [a]
    assert not any(p.code == "unconnected_input" for p in window.document.problems)
    window.actions["undo"].trigger()
    assert g.inputs_of(b) == []
    buttons = window.problems_panel.fix_buttons(row(window, "unconnected_input", b))
    qtbot.mouseClick(buttons[1], LEFT)
    assert b not in g.nodes
    window.actions["undo"].trigger()
    assert b in g.nodes


def test_an_unused_input_is_offered_connect_to_the_layer_without_input(qtbot, window):
    g = Graph()
    spare = g.add_node("Input", {"shape": (4,)}, position=(0.0, 300.0)).id
    i, a = placed(g, ("Input", {"shape": (4,)}), ("Dense", {"units": 8}))
    lonely = g.add_node("Add", {}, position=(480.0, 300.0)).id         # a merging layer with a free input
    g.connect(a, lonely)
    window.set_graph(g, "spare input")
    buttons = window.problems_panel.fix_buttons(row(window, "unused_input", spare))
    assert [x.text() for x in buttons][-1] == f"Delete {g.nodes[spare].name}"
    qtbot.mouseClick(window.problems_panel.fix_button(row(window, "unused_input", spare)), LEFT)
    assert sorted(g.inputs_of(lonely)) == sorted([a, spare])
