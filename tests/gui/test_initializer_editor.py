"""The inspector's editor of initializers (issue 23): a choice of Keras's classes (by name
where Keras has one) with one field per argument, checked as typed, applied through undo."""

from PySide6.QtCore import Qt

from .helpers import select_node, type_into


def _dense(qtbot, window):
    window.load_template("mnist_cnn")
    nid = next(n.id for n in window.graph.nodes.values() if n.type == "Dense")
    select_node(qtbot, window, nid)
    return nid


def _choose(qtbot, combo, text):
    combo.setFocus()
    qtbot.keyClicks(combo, text)
    assert combo.currentText() == text


def test_a_constant_bias_is_chosen_and_its_value_typed(qtbot, window):
    nid = _dense(qtbot, window)
    node, editor = window.graph.nodes[nid], window.inspector.editors["bias_initializer"]
    assert editor.combo.currentText() == "zeros" and not editor.fields
    _choose(qtbot, editor.combo, "Constant")
    assert node.params["bias_initializer"] == {"class_name": "Constant", "config": {"value": 0.0}}
    field = editor.fields["value"]
    type_into(qtbot, field, "0.1")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert node.params["bias_initializer"] == {"class_name": "Constant", "config": {"value": 0.1}}

    type_into(qtbot, editor.fields["value"], "abc")
    qtbot.keyClick(editor.fields["value"], Qt.Key.Key_Return)
    error = window.inspector.errors["bias_initializer"]
    assert error.isVisible() and "finite number" in error.text()
    assert node.params["bias_initializer"]["config"]["value"] == 0.1

    window.document.undo_stack.undo()   # edits of one parameter in a row are one undo step
    assert node.params["bias_initializer"] == "zeros"
    assert editor.combo.currentText() == "zeros" and not editor.fields


def test_a_seeded_kernel_keeps_its_config_and_defaults_fall_back_to_the_name(qtbot, window):
    nid = _dense(qtbot, window)
    node, editor = window.graph.nodes[nid], window.inspector.editors["kernel_initializer"]
    _choose(qtbot, editor.combo, "he_normal")
    assert node.params["kernel_initializer"] == "he_normal" and set(editor.fields) == {"seed"}
    assert editor.fields["seed"].text() == "none"
    type_into(qtbot, editor.fields["seed"], "7")
    qtbot.keyClick(editor.fields["seed"], Qt.Key.Key_Return)
    assert node.params["kernel_initializer"] == {"class_name": "HeNormal", "config": {"seed": 7}}
    type_into(qtbot, editor.fields["seed"], "none")
    qtbot.keyClick(editor.fields["seed"], Qt.Key.Key_Return)
    assert node.params["kernel_initializer"] == "he_normal"
    editor.combo.setCurrentIndex(editor.combo.findText("VarianceScaling"))   # (typing again within the
    assert set(editor.fields) == {"scale", "mode", "distribution", "seed"}   # combo's search interval appends)
    editor.fields["mode"].setCurrentText("fan_avg")
    assert node.params["kernel_initializer"]["config"]["mode"] == "fan_avg"


def test_an_array_constant_is_shown_by_its_shape_read_only_and_kept(qtbot, window):
    window.load_template("mnist_cnn")
    node = next(n for n in window.graph.nodes.values() if n.type == "Dense")
    matrix = [[0.5] * 10 for _ in range(3)]      # Constant(embedding_matrix), from code or a file
    node.params["kernel_initializer"] = {"class_name": "Constant", "config": {"value": matrix}}
    select_node(qtbot, window, node.id)
    editor = window.inspector.editors["kernel_initializer"]
    field = editor.fields["value"]
    assert field.text() == "[3×10]" and field.isReadOnly() and "(3, 10)" in field.toolTip()
    # its name above it, so that the shape has the column's width; other classes' names beside
    assert editor._column.rowWrapPolicy() == editor._column.RowWrapPolicy.WrapAllRows
    assert field.width() >= field.fontMetrics().horizontalAdvance(field.text())
    assert editor._arguments() == {"value": matrix}
    _choose(qtbot, editor.combo, "zeros")        # another class: its fields are typed again
    assert node.params["kernel_initializer"] == "zeros" and not editor._arrays
    assert editor._column.rowWrapPolicy() == editor._column.RowWrapPolicy.DontWrapRows
