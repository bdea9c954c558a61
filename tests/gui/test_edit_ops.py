"""Selection, clipboard, duplicate, arrange, zoom, fit, pan, minimap and the window's
keyboard shortcuts, driven with real events."""

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QApplication

from visualnet.graph import get_spec
from visualnet.graph.registry import all_specs

from .helpers import LEFT, NONE, drag, node_point, structure

CTRL = Qt.KeyboardModifier.ControlModifier


def names(graph):
    return sorted(n.name for n in graph.nodes.values())


def test_copy_paste_brings_internal_wires_with_new_ids(qtbot, window):
    window.load_template("resnet_block")
    g, vp = window.graph, window.view.viewport()
    by_name = {n.name: n.id for n in g.nodes.values()}
    chosen = [by_name[n] for n in ("conv2d", "conv2d_1", "conv2d_2", "add")]
    window.scene.select(chosen)
    qtbot.keyClick(vp, Qt.Key.Key_C, CTRL)
    qtbot.keyClick(vp, Qt.Key.Key_V, CTRL)
    assert len(g.nodes) == 12
    new = [n for n in g.nodes.values() if n.id not in by_name.values()]
    assert sorted(n.name for n in new) == ["add_1", "conv2d_3", "conv2d_4", "conv2d_5"]
    assert sorted(window.scene.selected_node_ids()) == sorted(n.id for n in new)
    # the four internal wires came along (conv→conv→conv→add and the skip conv→add), re-pointed
    new_ids = {n.id for n in new}
    internal = [e for e in g.edges.values() if e.src in new_ids and e.dst in new_ids]
    assert len(internal) == 4
    assert not [e for e in g.edges.values() if (e.src in new_ids) != (e.dst in new_ids)]
    # same parameters, positions offset
    for old_name, copy in zip(("conv2d", "conv2d_1", "conv2d_2", "add"), new):
        old = g.nodes[by_name[old_name]]
        assert copy.type == old.type and copy.params == old.params
        assert copy.position == (old.position[0] + 40, old.position[1] + 40)
    # a second paste goes further; one undo removes one paste
    qtbot.keyClick(vp, Qt.Key.Key_V, CTRL)
    assert len(g.nodes) == 16
    window.actions["undo"].trigger()
    window.actions["undo"].trigger()
    assert len(g.nodes) == 8 and len(g.edges) == 8


def test_cut_and_duplicate(qtbot, window):
    window.load_template("mnist_mlp")
    g, vp = window.graph, window.view.viewport()
    before = structure(g)
    by_name = {n.name: n.id for n in g.nodes.values()}
    window.scene.select([by_name["dense"], by_name["dropout"]])
    qtbot.keyClick(vp, Qt.Key.Key_X, CTRL)
    assert names(g) == ["dense_1", "flatten", "input_layer"]
    assert len(g.edges) == 1
    qtbot.keyClick(vp, Qt.Key.Key_V, CTRL)
    assert names(g) == ["dense", "dense_1", "dropout", "flatten", "input_layer"]
    assert len(g.edges) == 2  # the wire between the cut layers came back; their outside wires did not
    window.actions["undo"].trigger()
    window.actions["undo"].trigger()
    assert structure(g) == before

    window.scene.select([by_name["dense_1"]])
    qtbot.keyClick(vp, Qt.Key.Key_D, CTRL)
    assert "dense_2" in names(g)
    dup = g.node_by_name("dense_2")
    assert dup.params == g.nodes[by_name["dense_1"]].params
    assert window.scene.selected_node_ids() == [dup.id]


def test_select_all_rubber_band_and_delete(qtbot, window):
    window.load_template("tabular_binary")
    g, vp = window.graph, window.view.viewport()
    qtbot.keyClick(vp, Qt.Key.Key_A, CTRL)
    assert sorted(window.scene.selected_node_ids()) == sorted(g.nodes)
    assert sorted(window.scene.selected_edge_ids()) == sorted(g.edges)
    window.scene.clearSelection()
    # rubber band around the first two layers, from empty canvas
    ids = list(g.nodes)
    rect = window.scene.nodes_rect(ids[:2])
    start = window.view.mapFromScene(rect.topLeft() - QPointF(30, 30))
    end = window.view.mapFromScene(rect.bottomRight() + QPointF(10, 30))
    drag(qtbot, window, start, end)
    assert sorted(window.scene.selected_node_ids()) == sorted(ids[:2])
    qtbot.keyClick(vp, Qt.Key.Key_Delete)
    assert list(g.nodes) == ids[2:]
    window.actions["undo"].trigger()
    assert sorted(g.nodes) == sorted(ids) and len(g.edges) == 3


def test_arrange_is_one_undoable_edit(qtbot, window):
    window.load_template("two_branch")
    g = window.graph
    tidy = {n.id: n.position for n in g.nodes.values()}
    for i, nid in enumerate(g.nodes):  # scramble through the GUI's commands
        window.scene.select([nid])
        start = node_point(window, nid)
        window.view.set_zoom(1.0, window.scene.node_items[nid].sceneBoundingRect().center())
        start = node_point(window, nid)
        drag(qtbot, window, start, start + QPoint(13 * (i % 3), 90 * (i % 2)))
    scrambled = {n.id: n.position for n in g.nodes.values()}
    assert scrambled != tidy
    window.actions["arrange"].trigger()
    arranged = {n.id: n.position for n in g.nodes.values()}
    # left to right by data flow, columns as in the layout, no overlaps
    for e in g.edges.values():
        assert arranged[e.src][0] < arranged[e.dst][0]
    rects = [window.scene.node_items[n].sceneBoundingRect() for n in g.nodes]
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1:])
    assert window.document.undo_stack.undoText() == "Arrange layers"
    window.actions["undo"].trigger()
    assert {n.id: n.position for n in g.nodes.values()} == scrambled


def test_zoom_fit_and_pan(qtbot, window):
    window.load_template("mnist_cnn")
    view, vp = window.view, window.view.viewport()
    view.set_zoom(2.0)
    qtbot.mouseClick(vp, LEFT, pos=QPoint(5, 5))  # focus the canvas (empty spot)
    qtbot.keyClick(vp, Qt.Key.Key_F)
    rect = window.scene.nodes_rect()
    assert view.visible_rect().contains(rect)
    fitted = view.zoom()
    qtbot.keyClick(vp, Qt.Key.Key_Plus, CTRL)
    assert view.zoom() > fitted
    qtbot.keyClick(vp, Qt.Key.Key_0, CTRL)
    assert view.zoom() == 1.0
    qtbot.keyClick(vp, Qt.Key.Key_Minus, CTRL)
    assert view.zoom() < 1.0
    # the wheel zooms about the cursor
    z = view.zoom()
    point = vp.rect().center() + QPoint(100, 50)
    under = view.mapToScene(point)
    wheel(vp, point, 120)
    assert view.zoom() > z
    after = view.mapToScene(point)
    assert abs(after.x() - under.x()) < 3 and abs(after.y() - under.y()) < 3
    # middle-button drag pans
    before = view.visible_rect().center()
    qtbot.mousePress(vp, Qt.MouseButton.MiddleButton, NONE, QPoint(400, 300))
    qtbot.mouseMove(vp, QPoint(350, 280))
    qtbot.mouseMove(vp, QPoint(300, 260))
    qtbot.mouseRelease(vp, Qt.MouseButton.MiddleButton, NONE, QPoint(300, 260))
    moved = view.visible_rect().center() - before
    assert abs(moved.x() * view.zoom() - 100) < 3 and abs(moved.y() * view.zoom() - 40) < 3
    assert window.zoom_label.text() == f"{round(view.zoom() * 100)}%"


def wheel(widget, point, delta):
    from PySide6.QtGui import QWheelEvent
    event = QWheelEvent(QPointF(point), QPointF(widget.mapToGlobal(point)), QPoint(0, 0), QPoint(0, delta),
                        Qt.MouseButton.NoButton, NONE, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_minimap_appears_for_large_models(qtbot, window):
    window.load_template("tabular_binary")
    window.view.fit()
    mini = window.view.minimap
    QApplication.processEvents()  # the scene's changes, reported queued, restart the minimap's refresh timer
    qtbot.waitUntil(lambda: not (window._fit_timer.isActive() or mini._timer.isActive()), timeout=60_000)
    assert not mini.is_needed() and not mini.isVisible()  # its refresh has run and hid it
    window.view.set_zoom(2.0)
    qtbot.waitUntil(window.view.minimap.isVisible, timeout=60_000)
    # clicking in the minimap moves the main view there
    target = window.scene.node_items[list(window.graph.nodes)[-1]].sceneBoundingRect().center()
    qtbot.mouseClick(mini.viewport(), LEFT, pos=mini.mapFromScene(target))
    centre = window.view.visible_rect().center()
    assert abs(centre.x() - target.x()) < 25 and abs(centre.y() - target.y()) < 25
    window.actions["minimap"].trigger()  # turned off by the user
    qtbot.waitUntil(lambda: not mini.isVisible(), timeout=60_000)


def test_palette_search_and_double_click(qtbot, window):
    palette = window.palette
    qtbot.keyClick(window.view.viewport(), Qt.Key.Key_F, CTRL)
    assert palette.search.hasFocus()
    qtbot.keyClicks(palette.search, "pool")
    found = palette.visible_types()       # the pooling layers, and layers whose description mentions pooling
    pooling = [t for t in found if "Pooling" in t]
    assert pooling == [t for t in (s.type for s in all_specs()) if "Pooling" in t] and len(pooling) == 12
    assert all("pool" in get_spec(t).doc.lower() for t in found if "Pooling" not in t), found
    palette.search.clear()
    qtbot.keyClicks(palette.search, "normal")
    found = palette.visible_types()       # the normalizations (BatchNormalization first), and docs saying so
    assert found[0] == "BatchNormalization"
    assert {"LayerNormalization", "GroupNormalization", "UnitNormalization"} <= set(found), found
    assert all("normal" in (t + get_spec(t).doc).lower() for t in found), found
    qtbot.keyClick(palette.search, Qt.Key.Key_Return)  # Enter adds the first match
    assert [n.type for n in window.graph.nodes.values()] == ["BatchNormalization"]
    palette.search.clear()
    # double-click adds at the view centre
    rect = palette.item_rect("Dense")
    qtbot.mouseClick(palette.tree.viewport(), LEFT, pos=rect.center())  # a real double-click: click, then
    qtbot.mouseDClick(palette.tree.viewport(), LEFT, pos=rect.center())  # the double-click event
    dense = next(n for n in window.graph.nodes.values() if n.type == "Dense")
    centre = window.view.visible_rect().center()
    item = window.scene.node_items[dense.id].sceneBoundingRect()
    assert abs(item.center().x() - centre.x()) <= 20
    assert not item.intersects(window.scene.node_items[next(iter(window.graph.nodes))].sceneBoundingRect())


def test_title_start_page_templates_and_new(qtbot, window):
    assert window.start_page.isVisible()
    assert window.windowTitle() == "Untitled[*] — VisualNet" and not window.isWindowModified()
    qtbot.mouseClick(window.start_page.buttons["mnist_cnn"], LEFT)
    assert len(window.graph.nodes) == 8 and not window.start_page.isVisible()
    assert window.windowTitle().startswith("MNIST CNN") and not window.isWindowModified()
    window.scene.select([next(iter(window.graph.nodes))])
    window.actions["duplicate"].trigger()
    assert window.isWindowModified()
    window.actions["undo"].trigger()
    assert not window.isWindowModified()
    titles = [a.text() for a in window.templates_menu.actions()]
    assert titles == ["MNIST MLP", "MNIST CNN", "Tabular binary classifier", "ResNet-style block", "Two-branch model",
                      "Denoising autoencoder", "U-Net-style segmentation", "Depthwise-separable CNN",
                      "Augmentation + CNN", "Text classifier", "Bidirectional LSTM (text)", "Transformer text classifier", "Series forecaster",
                      "Sensor sequence classifier", "Two-headed table model"]
    window.templates_menu.actions()[4].trigger()
    assert any(n.type == "Concatenate" for n in window.graph.nodes.values())
    qtbot.keyClick(window.view.viewport(), Qt.Key.Key_N, CTRL)
    assert not window.graph.nodes and window.start_page.isVisible()
    for key in ("open", "save", "save_as"):
        assert window.actions[key].isEnabled() and "coming" not in window.actions[key].text()


def test_dark_theme_repaints(qtbot, window, qapp):
    from visualnet.gui import theme
    window.load_template("two_branch")
    try:
        window.actions["theme_dark"].trigger()
        assert theme.current().dark
        assert qapp.palette().window().color().lightness() < 80
        image = window.view.grab().toImage()
        assert image.pixelColor(5, 5).lightness() < 80  # dark canvas
    finally:
        theme.apply(qapp, "light")


def test_context_menu_adds_a_layer_where_clicked(qtbot, window):
    window.load_template("tabular_binary")
    g = window.graph
    spot = window.scene.nodes_rect().bottomLeft() + QPointF(120, 200)
    menu = window.build_context_menu(spot)
    assert window.scene.selected_node_ids() == []
    add = next(a for a in menu.actions() if a.text() == "Add Layer Here").menu()
    regularization = next(a for a in add.actions() if a.text() == "Regularization").menu()
    next(a for a in regularization.actions() if a.text() == "Dropout").trigger()
    dropout = next(n for n in g.nodes.values() if n.type == "Dropout")
    centre = window.scene.node_items[dropout.id].sceneBoundingRect().center()
    assert abs(centre.x() - spot.x()) <= 20 and abs(centre.y() - spot.y()) <= 20
    # on a layer: it is selected and its actions are offered
    target = list(g.nodes)[1]
    menu = window.build_context_menu(window.scene.node_items[target].sceneBoundingRect().center())
    assert window.scene.selected_node_ids() == [target]
    texts = [a.text().replace("&", "") for a in menu.actions()]
    assert {"Cut", "Copy", "Duplicate", "Delete", "Rename…"} <= set(texts)


def test_arrow_keys_nudge_the_selection(qtbot, window):
    window.load_template("tabular_binary")
    g, vp = window.graph, window.view.viewport()
    nid = list(g.nodes)[2]
    qtbot.mouseClick(vp, LEFT, pos=node_point(window, nid))
    x, y = g.nodes[nid].position
    qtbot.keyClick(vp, Qt.Key.Key_Right)
    qtbot.keyClick(vp, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert g.nodes[nid].position == (x + 20, y + 100)
    window.actions["undo"].trigger()
    assert g.nodes[nid].position == (x + 20, y)


def test_ctrl_s_saves_an_untitled_model_under_the_name_asked_for(qtbot, window, tmp_path, monkeypatch):
    """The File menu's Save on an untitled model asks for a name (the dialog is replaced
    here), writes the project and marks the document saved."""
    from PySide6.QtWidgets import QFileDialog

    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: asked.append(a) or (str(tmp_path / "m"), "")))
    window.load_template("tabular_binary")
    window.scene.select([next(iter(window.graph.nodes))])
    window.actions["duplicate"].trigger()
    assert window.isWindowModified()
    assert window.actions["save"].isEnabled() and "coming" not in window.actions["save"].text()
    qtbot.keyClick(window.view.viewport(), Qt.Key.Key_S, CTRL)
    assert len(asked) == 1 and (tmp_path / "m.vnet").exists()
    assert not window.isWindowModified() and window.windowTitle() == "m.vnet[*] — VisualNet"
    assert window.document.path == tmp_path / "m.vnet"
