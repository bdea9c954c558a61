"""Driving the canvas like a user: points of ports and nodes in viewport coordinates,
mouse drags, and palette drags onto the canvas."""

from __future__ import annotations

import warnings

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier


def scene_to_viewport(window, point: QPointF) -> QPoint:
    return window.view.mapFromScene(point)


def port_point(window, node_id: str, kind: str = "out", index: int = 0) -> QPoint:
    item = window.scene.node_items[node_id]
    port = item.output_port if kind == "out" else item.input_ports[index]
    return scene_to_viewport(window, port.scenePos())


def node_point(window, node_id: str) -> QPoint:
    item = window.scene.node_items[node_id]
    return scene_to_viewport(window, item.mapToScene(item.rect().center() + QPointF(0, 8)))


def drag(qtbot, window, start: QPoint, end: QPoint, steps: int = 6, modifier=NONE) -> None:
    """Press at `start`, move in steps, release at `end`, on the canvas viewport."""
    vp = window.view.viewport()
    qtbot.mousePress(vp, LEFT, modifier, start)
    for i in range(1, steps + 1):
        qtbot.mouseMove(vp, start + (end - start) * (i / steps))
    qtbot.mouseRelease(vp, LEFT, modifier, end)


def wire(qtbot, window, src: str, dst: str, port: int = 0) -> None:
    drag(qtbot, window, port_point(window, src, "out"), port_point(window, dst, "in", port))


def palette_drag_mime(qtbot, window, layer_type: str):
    """Start a real drag in the palette (press and move past the drag distance) and return
    the QMimeData its QDrag carries. The offscreen platform ends a QDrag at once, so the
    drop itself is delivered by `drop_on_canvas`."""
    tree = window.palette.tree
    started = []
    tree.drag_started.connect(started.append)
    start = window.palette.item_rect(layer_type).center()
    qtbot.mousePress(tree.viewport(), LEFT, NONE, start)
    qtbot.mouseMove(tree.viewport(), start + QPoint(12, 0))
    qtbot.mouseMove(tree.viewport(), start + QPoint(40, 4))
    qtbot.mouseRelease(tree.viewport(), LEFT, NONE, start + QPoint(40, 4))
    tree.drag_started.disconnect(started.append)
    assert started, f"dragging the {layer_type} entry did not start a drag"
    return started[0]


def drop_on_canvas(window, mime, point: QPoint) -> bool:
    """Deliver the drag's enter, move and drop events to the canvas viewport at `point`."""
    vp = window.view.viewport()
    copy = Qt.DropAction.CopyAction
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        events = [QDragEnterEvent(point, copy, mime, LEFT, NONE),
                  QDragMoveEvent(point + QPoint(1, 1), copy, mime, LEFT, NONE),
                  QDragMoveEvent(point, copy, mime, LEFT, NONE),
                  QDropEvent(QPointF(point), copy, mime, LEFT, NONE)]
    accepted = True
    for event in events:
        QApplication.sendEvent(vp, event)
        accepted = accepted and event.isAccepted()
    return accepted


def drag_layer_to_canvas(qtbot, window, layer_type: str, point: QPoint) -> str:
    """Drag a palette entry onto the canvas; returns the new node's id."""
    before = set(window.graph.nodes)
    mime = palette_drag_mime(qtbot, window, layer_type)
    assert drop_on_canvas(window, mime, point)
    added = set(window.graph.nodes) - before
    assert len(added) == 1, added
    return added.pop()


def structure(graph) -> dict:
    """The graph as comparable data: nodes by name (type, params), wires by names."""
    nodes = {n.name: (n.type, dict(n.params)) for n in graph.nodes.values()}
    wires = sorted((graph.nodes[e.src].name, graph.nodes[e.dst].name, e.dst_port) for e in graph.edges.values())
    return {"nodes": nodes, "wires": wires}


def select_node(qtbot, window, node_id: str) -> None:
    qtbot.mouseClick(window.view.viewport(), LEFT, NONE, node_point(window, node_id))
    assert window.scene.selected_node_ids() == [node_id]
    assert window.inspector.node_id == node_id


def type_into(qtbot, widget, text: str) -> None:
    """Select what the field holds and type `text`, like a user."""
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(widget, text)


def set_param(qtbot, window, name: str, value) -> None:
    """Edit a parameter of the selected layer in the inspector with the keyboard."""
    editor = window.inspector.editors[name]
    kind = editor.param.kind
    if kind in ("int", "float"):
        type_into(qtbot, editor.spin, str(value))
    elif kind == "shape":
        type_into(qtbot, editor.line, ", ".join(map(str, value)))
    elif kind == "ints":
        for spin, v in zip(editor.spins, value):
            type_into(qtbot, spin, str(v))
    elif kind in ("choice", "activation", "initializer"):
        combo = editor.combo
        combo.setFocus()
        qtbot.keyClicks(combo, str(value))
        assert combo.currentData() == value, (name, combo.currentText())
    elif kind == "bool":
        if editor.check.isChecked() != value:
            qtbot.mouseClick(editor.check, LEFT)
