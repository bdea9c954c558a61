"""Sequences of any length on the canvas (issue 22): 'None, 4' typed into the Input's shape,
None shown in the shapes and carried through the sequence layers, what cannot take it
explained on the layer, and the sensor_classifier template (Input (None, 4)) trained on the
indoor movement sequences from the training page."""

from visualnet.gui.param_editors.tuples import parse_tuple

from .helpers import select_node, type_into
from .test_text_and_series import train_and_evaluate
from .test_training import choose


def test_none_is_typed_as_none_or_a_question_mark():
    assert parse_tuple("None, 4") == (None, 4) == parse_tuple("?, 4")
    assert parse_tuple("(None,)") == (None,)
    assert parse_tuple("None, a") == "None, a"  # as typed, for Param.coerce to explain


def test_input_of_any_length_on_the_canvas(qtbot, window):
    window.load_template("sensor_classifier")
    g = window.graph
    ids = {n.name: n.id for n in g.nodes.values()}
    select_node(qtbot, window, ids["input_layer"])
    line = window.inspector.editors["shape"].line
    assert line.text() == "None, 4"
    type_into(qtbot, line, "None, 6")
    assert not window.inspector.errors["shape"].isVisible()
    assert g.nodes[ids["input_layer"]].params["shape"] == (None, 6)
    assert window.document.info[ids["lstm"]].input_shapes == [(None, None, 6)]
    assert window.scene.node_items[ids["masking"]].shape_value == (None, None, 6)
    assert "(None, None, 6)" in window.scene.node_items[ids["masking"]].toolTip()
    # a layer that cannot take a length that varies says so
    flatten = g.add_node("Flatten")
    g.connect(ids["masking"], flatten.id)
    window.document.refresh_if_needed()
    problems = [p for p in window.document.problems if p.node_id == flatten.id and p.code != "several_outputs"]
    assert [p.code for p in problems] == ["flatten_varies"]
    assert "(None, None, 6)" in problems[0].message and "GlobalAveragePooling1D" in problems[0].message
    # a None where Reshape's target needs a number is refused with the parameter named
    reshape = g.add_node("Reshape", position=(0.0, 300.0))
    window.document.refresh_if_needed()
    select_node(qtbot, window, reshape.id)
    type_into(qtbot, window.inspector.editors["target_shape"].line, "None, 4")
    assert window.inspector.errors["target_shape"].isVisible()
    assert "target_shape" in window.inspector.errors["target_shape"].text()


def test_sensor_classifier_trains_on_the_indoor_movement_sequences(qtbot, page):
    choose(qtbot, page, "indoor_movement", "sensor_classifier")
    assert page.problems.problems == []
    assert page.prepared.train.x.shape[1:] == (129, 4)
    view = train_and_evaluate(qtbot, page)
    assert view.report is not None
