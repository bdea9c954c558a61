"""The canvas's right-click menu: edit actions for what is under the cursor, and every
layer type by category, added right where the user clicked."""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QMenu

from visualnet.graph import all_specs

from . import icons


def canvas_menu(window, scene_pos: QPointF) -> QMenu:
    """The menu for a right-click at `scene_pos`; what is under it becomes the selection."""
    scene = window.scene
    node = scene.node_at(scene_pos)
    edge = None if node is not None else scene.edge_at(scene_pos)
    if node is not None and not node.isSelected():
        scene.select([node.node_id])
    elif edge is not None and not edge.isSelected():
        scene.select([], [edge.edge_id])
    elif node is None and edge is None:
        scene.clearSelection()
    menu = QMenu(window)
    nodes = scene.selected_node_ids()
    if nodes or scene.selected_edge_ids():
        for key in ("cut", "copy", "duplicate", "delete"):
            if key == "delete" or nodes:
                menu.addAction(window.actions[key])
        if len(nodes) == 1:
            rename = menu.addAction("Rename…")
            rename.triggered.connect(lambda _=False, nid=nodes[0]: window.rename_layer(nid))
        menu.addSeparator()
    at = QPointF(scene_pos)
    _layer_menu(menu.addMenu("Add Layer Here"), lambda t: window.add_layer(t, at))
    menu.addAction(window.actions["paste"])
    menu.addSeparator()
    for key in ("select_all", "arrange", "fit"):
        menu.addAction(window.actions[key])
    return menu


def wire_end_menu(window, src: str, scene_pos: QPointF) -> QMenu:
    """After a wire from `src` is let go on empty canvas: the layer types that can follow
    it; choosing one adds it there, wired (one undo step)."""
    menu = QMenu(window)
    title = menu.addAction(f"Add a layer after {window.graph.nodes[src].name}")
    title.setEnabled(False)
    at = QPointF(scene_pos)
    _layer_menu(menu, lambda t: window.add_layer_after(src, t, at), skip_inputs=True)
    return menu


def _layer_menu(menu: QMenu, add, skip_inputs: bool = False) -> None:
    groups: dict[str, QMenu] = {}
    for spec in all_specs():
        if skip_inputs and spec.max_inputs == 0:
            continue
        icon = icons.category_icon(spec.category)
        group = groups.get(spec.category)
        if group is None:
            group = groups[spec.category] = menu.addMenu(icon, spec.category.capitalize())
        action = group.addAction(icon, spec.type)
        action.setStatusTip(spec.doc)
        action.triggered.connect(lambda _=False, t=spec.type: add(t))
