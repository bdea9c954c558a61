"""TimeDistributed on the canvas (issue 22): one node holding the wrapped layer, whose type
and parameters the inspector edits like any other; the shape follows."""

from visualnet.gui.param_editors.tuples import ShapeEditor

from .helpers import select_node, type_into


def test_time_distributed_conv2d_over_frames_edited_in_the_inspector(qtbot, window):
    g = window.graph
    i = g.add_node("Input", {"shape": (None, 8, 8, 3)}, position=(0.0, 0.0))
    td = g.add_node("TimeDistributed", position=(260.0, 0.0))
    g.connect(i.id, td.id)
    window.document.refresh_if_needed()
    assert window.document.info[td.id].shape == (None, None, 8, 8, 32)  # Dense on the channels: the default
    select_node(qtbot, window, td.id)
    combo = window.inspector.editors["wrapped"].combo
    combo.setCurrentIndex(combo.findData("Conv2D"))
    assert g.nodes[td.id].params["wrapped"] == "Conv2D"
    assert window.document.info[td.id].shape == (None, None, 6, 6, 32)  # Conv2D's default kernel, 3x3
    kernel = window.inspector.editors["kernel_size"]
    assert isinstance(kernel, ShapeEditor)
    type_into(qtbot, kernel.line, "3, 2")
    assert g.nodes[td.id].params["kernel_size"] == (3, 2)
    assert window.document.info[td.id].shape == (None, None, 6, 7, 32)
    combo.setCurrentIndex(combo.findData("Conv1D"))  # a kernel of two values does not fit a Conv1D: said so
    window.document.refresh_if_needed()
    (problem,) = [p for p in window.document.problems if p.node_id == td.id]
    assert problem.code == "shape_mismatch" and "'kernel_size' must have 1 values" in problem.message
