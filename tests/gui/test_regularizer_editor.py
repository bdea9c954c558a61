"""The inspector's editor of regularizers and constraints (issue 24): a choice of Keras's
classes with one field per argument, checked as typed, applied through undo commands."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit

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


def test_choosing_a_regularizer_sets_keras_defaults_and_its_factor_is_typed(qtbot, window):
    nid = _dense(qtbot, window)
    node, editor = window.graph.nodes[nid], window.inspector.editors["kernel_regularizer"]
    assert [editor.combo.itemText(i) for i in range(editor.combo.count())] == [
        "none", "L1", "L2", "L1L2", "OrthogonalRegularizer"]
    assert not editor.fields
    _choose(qtbot, editor.combo, "L2")
    assert node.params["kernel_regularizer"] == {"class_name": "L2", "config": {"l2": 0.01}}
    field = editor.fields["l2"]
    assert isinstance(field, QLineEdit) and field.text() == "0.01"
    type_into(qtbot, field, "0.001")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert node.params["kernel_regularizer"] == {"class_name": "L2", "config": {"l2": 0.001}}

    type_into(qtbot, editor.fields["l2"], "-1")
    qtbot.keyClick(editor.fields["l2"], Qt.Key.Key_Return)
    error = window.inspector.errors["kernel_regularizer"]
    assert error.isVisible() and "non-negative" in error.text()
    assert node.params["kernel_regularizer"]["config"]["l2"] == 0.001

    window.document.undo_stack.undo()   # edits of one parameter in a row are one undo step
    assert node.params["kernel_regularizer"] is None
    assert editor.combo.currentText() == "none" and not editor.fields


def test_a_constraint_takes_its_axis_as_a_list(qtbot, window):
    nid = _dense(qtbot, window)
    node, editor = window.graph.nodes[nid], window.inspector.editors["kernel_constraint"]
    _choose(qtbot, editor.combo, "MaxNorm")
    assert set(editor.fields) == {"max_value", "axis"}
    type_into(qtbot, editor.fields["axis"], "0, 1")
    qtbot.keyClick(editor.fields["axis"], Qt.Key.Key_Return)
    assert node.params["kernel_constraint"] == {"class_name": "MaxNorm", "config": {"max_value": 2, "axis": [0, 1]}}
    editor.combo.setCurrentIndex(0)   # none
    assert node.params["kernel_constraint"] is None and not editor.fields


def test_orthogonal_mode_is_a_choice(qtbot, window):
    nid = _dense(qtbot, window)
    node, editor = window.graph.nodes[nid], window.inspector.editors["kernel_regularizer"]
    _choose(qtbot, editor.combo, "OrthogonalRegularizer")
    mode = editor.fields["mode"]
    assert isinstance(mode, QComboBox) and mode.currentText() == "rows"
    mode.setCurrentText("columns")
    assert node.params["kernel_regularizer"]["config"] == {"factor": 0.01, "mode": "columns"}
