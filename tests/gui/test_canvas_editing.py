"""Editing on the canvas with real input events: palette drags, wiring by dragging
between ports, deleting, and undo/redo of each step, checking the Graph every time."""

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QToolTip

from .helpers import LEFT, drag, drag_layer_to_canvas, node_point, port_point, wire

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def edges_of(graph):
    return sorted((e.src, e.dst, e.dst_port) for e in graph.edges.values())


def test_drag_wire_delete_undo_redo(qtbot, window):
    g = window.graph
    view, vp = window.view, window.view.viewport()
    centre = vp.rect().center()

    inp = drag_layer_to_canvas(qtbot, window, "Input", centre - QPoint(220, 0))
    assert g.nodes[inp].type == "Input" and g.nodes[inp].name == "input_layer"
    # the node is centred where it was dropped (within the grid snap)
    drop = view.mapToScene(centre - QPoint(220, 0))
    rect = window.scene.node_items[inp].sceneBoundingRect()
    assert abs(rect.center().x() - drop.x()) <= 20 and abs(rect.center().y() - drop.y()) <= 25

    dense = drag_layer_to_canvas(qtbot, window, "Dense", centre + QPoint(120, 0))
    assert list(g.nodes) == [inp, dense]

    wire(qtbot, window, inp, dense)
    assert [(e.src, e.dst) for e in g.edges.values()] == [(inp, dense)]
    (edge_id,) = g.edges
    assert window.scene.edge_items[edge_id].label() == "784"  # Input's default shape flows along the wire
    assert window.document.info[dense].shape == (None, 32)

    # delete the Dense layer: click it, press Delete
    qtbot.mouseClick(vp, LEFT, pos=node_point(window, dense))
    assert window.scene.selected_node_ids() == [dense]
    qtbot.keyClick(vp, Qt.Key.Key_Delete)
    assert list(g.nodes) == [inp] and not g.edges
    assert dense not in window.scene.node_items and edge_id not in window.scene.edge_items

    # undo each step with Ctrl+Z, checking the graph (same ids come back)
    qtbot.keyClick(vp, Qt.Key.Key_Z, CTRL)
    assert list(g.nodes) == [inp, dense] and list(g.edges) == [edge_id]
    qtbot.keyClick(vp, Qt.Key.Key_Z, CTRL)
    assert list(g.nodes) == [inp, dense] and not g.edges
    qtbot.keyClick(vp, Qt.Key.Key_Z, CTRL)
    assert list(g.nodes) == [inp]
    qtbot.keyClick(vp, Qt.Key.Key_Z, CTRL)
    assert not g.nodes and not window.scene.node_items
    assert not window.isWindowModified()

    # redo each step, with Ctrl+Shift+Z and Ctrl+Y
    qtbot.keyClick(vp, Qt.Key.Key_Z, CTRL | SHIFT)
    assert list(g.nodes) == [inp]
    assert window.isWindowModified()
    qtbot.keyClick(vp, Qt.Key.Key_Y, CTRL)
    assert list(g.nodes) == [inp, dense]
    qtbot.keyClick(vp, Qt.Key.Key_Y, CTRL)
    assert list(g.edges) == [edge_id]
    qtbot.keyClick(vp, Qt.Key.Key_Y, CTRL)
    assert list(g.nodes) == [inp] and not g.edges


def test_unwire_by_selecting_the_wire_and_by_dragging_its_end(qtbot, window):
    window.load_template("tabular_binary")
    g, vp = window.graph, window.view.viewport()
    ids = list(g.nodes)
    first = next(e for e in g.edges.values() if e.src == ids[0])
    # click the wire's label, Delete
    item = window.scene.edge_items[first.id]
    qtbot.mouseClick(vp, LEFT, pos=window.view.mapFromScene(item._label_rect.center()))
    assert window.scene.selected_edge_ids() == [first.id]
    qtbot.keyClick(vp, Qt.Key.Key_Delete)
    assert first.id not in g.edges and len(g.nodes) == 4
    window.actions["undo"].trigger()
    assert first.id in g.edges
    # drag the end of the second wire off its input port into empty canvas: the wire is removed
    second = next(e for e in g.edges.values() if e.src == ids[1])
    start = port_point(window, second.dst, "in")
    drag(qtbot, window, start, start + QPoint(0, 160))
    assert second.id not in g.edges
    window.actions["undo"].trigger()
    assert second.id in g.edges


def test_moving_wires_end_to_another_layer_rewires(qtbot, window):
    window.load_template("two_branch")
    g = window.graph
    by_name = {n.name: n.id for n in g.nodes.values()}
    e = next(e for e in g.edges.values() if g.nodes[e.src].name == "conv2d_1")
    assert g.nodes[e.dst].name == "concatenate"
    # pick the wire up at concatenate's input and drop it on flatten's input (flatten is wired: refused)
    drag(qtbot, window, port_point(window, e.dst, "in", e.dst_port), port_point(window, by_name["flatten"], "in"))
    assert e.id in g.edges  # refused: flatten already has its input
    assert "already wired" in window.statusBar().currentMessage()


def test_refused_wire_shows_the_reason(qtbot, window):
    window.load_template("resnet_block")
    by_name = {n.name: n.id for n in window.graph.nodes.values()}
    before = edges_of(window.graph)
    # the last layer's output back into Add's free port: a cycle
    wire(qtbot, window, by_name["dense"], by_name["add"], port=2)
    assert edges_of(window.graph) == before
    message = window.statusBar().currentMessage()
    assert "cycle" in message, message
    assert QToolTip.isVisible() and QToolTip.text() == message  # also shown at the cursor

    window.load_template("tabular_binary")
    g = window.graph
    ids = list(g.nodes)
    before = edges_of(g)
    # into a layer that already has its input
    wire(qtbot, window, ids[0], ids[2])
    assert edges_of(g) == before
    assert "already wired" in window.statusBar().currentMessage()
    # onto an Input layer (no input port): drop on its body
    drag(qtbot, window, port_point(window, ids[3], "out"), node_point(window, ids[0]))
    assert edges_of(g) == before
    assert "no input port" in window.statusBar().currentMessage()
    assert window.document.undo_stack.count() == 0


def test_merging_layer_accepts_several_inputs(qtbot, window):
    window.load_template("two_branch")
    g = window.graph
    by_name = {n.name: n.id for n in g.nodes.values()}
    cat = by_name["concatenate"]
    item = window.scene.node_items[cat]
    assert len(item.input_ports) == 3  # two wired and a free one
    wire(qtbot, window, by_name["input_layer"], cat, port=2)
    assert [g.nodes[s].name for s in g.inputs_of(cat)] == ["conv2d", "conv2d_1", "input_layer"]
    assert len(window.scene.node_items[cat].input_ports) == 4
    window.actions["undo"].trigger()
    assert len(g.inputs_of(cat)) == 2 and len(window.scene.node_items[cat].input_ports) == 3


def test_move_snaps_to_grid_and_undoes(qtbot, window):
    window.load_template("tabular_binary")
    g = window.graph
    nid = list(g.nodes)[1]
    old = g.nodes[nid].position
    start = node_point(window, nid)
    drag(qtbot, window, start, start + QPoint(37, 53))
    new = g.nodes[nid].position
    assert new != old and new[0] % 20 == 0 and new[1] % 20 == 0
    assert window.scene.node_items[nid].pos().toTuple() == new
    window.actions["undo"].trigger()
    assert g.nodes[nid].position == old
    assert window.scene.node_items[nid].pos().toTuple() == old


def test_wire_dropped_on_empty_canvas_offers_the_next_layer(qtbot, window):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    window.load_template("tabular_binary")
    g = window.graph
    last = list(g.nodes)[-1]
    start = port_point(window, last, "out")
    end = start + QPoint(150, 120)
    chosen = []

    def choose():  # the menu is modal: pick Core ▸ Dense in it like a user would
        popup = QApplication.activePopupWidget()
        core = next(a for a in popup.actions() if a.text() == "Core").menu()
        action = next(a for a in core.actions() if a.text() == "Dense")
        chosen.append(popup.actions()[0].text())
        action.trigger()
        popup.close()
    QTimer.singleShot(50, choose)
    drag(qtbot, window, start, end)
    qtbot.waitUntil(lambda: len(g.nodes) == 5, timeout=2000)
    assert chosen == ["Add a layer after dense_2"]
    new = next(n for n in g.nodes.values() if n.name == "dense_3")
    assert g.inputs_of(new.id) == [last]
    drop = window.view.mapToScene(end)
    centre = window.scene.node_items[new.id].sceneBoundingRect().center()
    assert abs(centre.x() - drop.x()) <= 20 and abs(centre.y() - drop.y()) <= 25
    window.actions["undo"].trigger()  # one step
    assert len(g.nodes) == 4 and len(g.edges) == 3
