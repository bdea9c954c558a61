"""The inspector: a form generated from the registry, validated as typed, applied live
through undo commands."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox

from visualnet.graph import get_spec

from .helpers import select_node, set_param, type_into


def load(window, name="mnist_cnn"):
    window.load_template(name)
    return {n.name: n.id for n in window.graph.nodes.values()}


def test_form_is_generated_from_the_registry(qtbot, window):
    ids = load(window)
    select_node(qtbot, window, ids["conv2d"])
    spec = get_spec("Conv2D")
    editors = window.inspector.editors
    assert list(editors) == list(spec.param_names)
    assert isinstance(editors["filters"].spin, QSpinBox)
    param = spec.param("filters")
    assert editors["filters"].spin.minimum() == param.min
    assert editors["filters"].spin.maximum() == (param.max if param.max is not None else 2_147_483_647)
    assert editors["filters"].spin.value() == 32
    assert [s.value() for s in editors["kernel_size"].spins] == [3, 3]
    assert isinstance(editors["padding"].combo, QComboBox)
    assert [editors["padding"].combo.itemText(i) for i in range(2)] == ["valid", "same"]
    assert editors["activation"].combo.currentData() == "relu"
    assert isinstance(editors["use_bias"].check, QCheckBox)
    assert spec.param("filters").doc in editors["filters"].toolTip()
    assert param.range_text() in editors["filters"].toolTip()

    select_node(qtbot, window, ids["input_layer"])
    assert isinstance(window.inspector.editors["shape"].line, QLineEdit)
    assert window.inspector.editors["shape"].line.text() == "28, 28, 1"

    window.load_template("mnist_mlp")
    select_node(qtbot, window, next(n.id for n in window.graph.nodes.values() if n.type == "Dropout"))
    rate = window.inspector.editors["rate"].spin
    assert isinstance(rate, QDoubleSpinBox) and rate.value() == 0.2
    seed = window.inspector.editors["seed"].spin
    assert seed.text() == "unset"  # optional: None shown as unset


def test_typed_values_apply_live_and_undo_in_one_step(qtbot, window):
    ids = load(window)
    g = window.graph
    dense = ids["dense"]
    select_node(qtbot, window, dense)
    count = window.document.undo_stack.count()
    type_into(qtbot, window.inspector.editors["units"].spin, "256")
    assert g.nodes[dense].params["units"] == 256
    # shapes follow at once, everywhere
    assert window.document.info[dense].shape == (None, 256)
    assert window.scene.node_items[dense].shape_value == (None, 256)
    assert window.document.info[ids["dense_1"]].params == 256 * 10 + 10
    # typing 2, 25, 256 is one undo step
    assert window.document.undo_stack.count() == count + 1
    window.actions["undo"].trigger()
    assert g.nodes[dense].params["units"] == 128
    assert window.inspector.editors["units"].spin.value() == 128
    set_param(qtbot, window, "activation", "tanh")
    assert g.nodes[dense].params["activation"] == "tanh"
    set_param(qtbot, window, "use_bias", False)
    assert g.nodes[dense].params["use_bias"] is False
    assert window.document.info[dense].params == 1600 * 128
    window.actions["undo"].trigger()
    window.actions["undo"].trigger()
    assert g.nodes[dense].params["activation"] == "relu" and g.nodes[dense].params["use_bias"] is True


def test_invalid_values_show_the_param_error_inline(qtbot, window):
    ids = load(window)
    g = window.graph
    select_node(qtbot, window, ids["dense"])
    error = window.inspector.errors["units"]
    type_into(qtbot, window.inspector.editors["units"].spin, "0")
    assert g.nodes[ids["dense"]].params["units"] == 128  # not applied
    assert error.isVisible() and "'units' must be >= 1" in error.text()
    type_into(qtbot, window.inspector.editors["units"].spin, "64")
    assert not error.isVisible() and g.nodes[ids["dense"]].params["units"] == 64

    select_node(qtbot, window, ids["input_layer"])
    line = window.inspector.editors["shape"].line
    type_into(qtbot, line, "28, 0, 1")
    error = window.inspector.errors["shape"]
    assert error.isVisible() and "must be >= 1" in error.text()
    # applied live as typed: the last valid value ('28, ') stays until the text is valid again
    assert g.nodes[ids["input_layer"]].params["shape"] == (28,)
    type_into(qtbot, line, "28, a")
    assert error.isVisible() and "integers" in error.text()
    assert g.nodes[ids["input_layer"]].params["shape"] == (28,)
    type_into(qtbot, line, "32, 32, 3")
    assert not error.isVisible() and g.nodes[ids["input_layer"]].params["shape"] == (32, 32, 3)
    assert window.document.info[ids["conv2d"]].shape == (None, 30, 30, 32)

    window.load_template("mnist_mlp")
    drop = next(n.id for n in window.graph.nodes.values() if n.type == "Dropout")
    select_node(qtbot, window, drop)
    type_into(qtbot, window.inspector.editors["rate"].spin, "1")
    assert window.inspector.errors["rate"].isVisible()
    assert "in [0, 1)" in window.inspector.errors["rate"].text()
    assert window.graph.nodes[drop].params["rate"] == 0.2


def test_rename_is_checked_and_undoable(qtbot, window):
    ids = load(window)
    g = window.graph
    select_node(qtbot, window, ids["dense"])
    name = window.inspector.name_edit
    type_into(qtbot, name, "conv2d")
    qtbot.keyClick(name, Qt.Key.Key_Return)
    assert g.nodes[ids["dense"]].name == "dense"
    assert "already used" in window.inspector.name_error.text() and window.inspector.name_error.isVisible()
    type_into(qtbot, name, "hidden")
    qtbot.keyClick(name, Qt.Key.Key_Return)
    assert g.nodes[ids["dense"]].name == "hidden"
    assert window.scene.node_items[ids["dense"]].name == "hidden"
    window.actions["undo"].trigger()
    assert g.nodes[ids["dense"]].name == "dense" and name.text() == "dense"


def test_editor_ranges_follow_every_numeric_param(qtbot):
    from visualnet.graph import all_specs
    from visualnet.gui.param_editors import editor_for
    for spec in all_specs():
        for param in spec.params:
            editor = editor_for(param)
            qtbot.addWidget(editor)
            if param.kind in ("int", "float") and param.min is not None:
                assert editor.spin.minimum() == param.min - (1 if param.optional else 0)   # one below: unset
            if param.kind in ("int", "float") and param.max is not None:
                assert editor.spin.maximum() == param.max
            editor.set_value(param.default)  # every default can be shown


def test_selection_of_several_layers_or_a_wire(qtbot, window):
    ids = load(window)
    window.scene.select([ids["dense"], ids["dense_1"]])
    assert window.inspector.node_id is None
    texts = " ".join(w.text() for w in window.inspector.widget().findChildren(type(window.inspector.name_error))
                     if hasattr(w, "text"))
    assert "2 layers" in texts
    edge = next(iter(window.graph.edges))
    window.scene.select([], [edge])
    texts = " ".join(w.text() for w in window.inspector.widget().findChildren(type(window.inspector.name_error)))
    assert "Wire" in texts and "Carries (None, 28, 28, 1)" in texts


def test_fixing_a_bad_parameter_from_a_file_undoes_to_the_bad_value(qtbot, window):
    from visualnet.graph import Graph
    g = Graph()
    i = g.add_node("Input", {"shape": (4,)}, position=(0, 0))
    d = g.add_node("Dense", {"units": 0}, strict=False, position=(260, 0))  # as a broken file would hold it
    e = g.connect(i.id, d.id)
    window.set_graph(g, "broken")
    assert [p.code for p in window.document.problems] == ["param_invalid"]
    select_node(qtbot, window, d.id)
    type_into(qtbot, window.inspector.editors["units"].spin, "5")
    assert g.nodes[d.id].params["units"] == 5 and not window.document.problems
    window.actions["undo"].trigger()
    assert g.nodes[d.id].params["units"] == 0 and g.nodes[d.id].name == "dense"
    assert list(g.edges) == [e.id] and g.edges[e.id].dst == d.id
    assert [p.code for p in window.document.problems] == ["param_invalid"]
    window.actions["redo"].trigger()
    assert g.nodes[d.id].params["units"] == 5


def test_the_form_fits_a_narrow_dock_at_a_large_font(qtbot, qapp, window):
    """At 12 pt in the default dock width, no field or text is cut off on the right: long
    rows put the field under its label and combo boxes narrow (the inspector never scrolls
    sideways, so what is wider than the dock is clipped)."""
    font = qapp.font()
    try:
        large = qapp.font()
        large.setPointSizeF(12.0)
        qapp.setFont(large)
        window.resize(1280, 720)
        ids = load(window)
        for name in ("conv2d", "dense", "input_layer"):
            select_node(qtbot, window, ids[name])
            qapp.processEvents()
            inspector = window.inspector
            content = inspector.widget()
            assert content.minimumSizeHint().width() <= inspector.viewport().width(), name
            assert content.width() <= inspector.viewport().width(), name
    finally:
        qapp.setFont(font)
