"""Build the MNIST CNN only through the GUI (palette drags, port drags, inspector typing)
and compare it with the template and with real Keras."""

import pytest
from PySide6.QtCore import QPoint

from visualnet.graph import keras_order
from visualnet.graph.templates import load_template

from .helpers import drag_layer_to_canvas, select_node, set_param, structure, wire

LAYERS = [  # (type, parameters typed in the inspector), in the template's order
    ("Input", {"shape": (28, 28, 1)}),
    ("Conv2D", {"filters": 32, "kernel_size": (3, 3), "activation": "relu"}),
    ("MaxPooling2D", {}),
    ("Conv2D", {"filters": 64, "kernel_size": (3, 3), "activation": "relu"}),
    ("MaxPooling2D", {}),
    ("Flatten", {}),
    ("Dense", {"units": 128, "activation": "relu"}),
    ("Dense", {"units": 10, "activation": "softmax"}),
]


@pytest.fixture(scope="module")
def keras_model():
    keras = pytest.importorskip("keras")
    from keras import layers
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(32, (3, 3), activation="relu"), layers.MaxPooling2D(),
        layers.Conv2D(64, (3, 3), activation="relu"), layers.MaxPooling2D(),
        layers.Flatten(), layers.Dense(128, activation="relu"), layers.Dense(10, activation="softmax"),
    ])


def build_mnist_cnn(qtbot, window) -> list[str]:
    vp = window.view.viewport().rect()
    ids = []
    for i, (layer_type, params) in enumerate(LAYERS):
        point = QPoint(110 + (i % 4) * 200, vp.height() // 2 - 110 + (i // 4) * 200)
        nid = drag_layer_to_canvas(qtbot, window, layer_type, point)
        select_node(qtbot, window, nid)
        for name, value in params.items():
            set_param(qtbot, window, name, value)
        if ids:
            wire(qtbot, window, ids[-1], nid)
        ids.append(nid)
    return ids


def test_build_mnist_cnn_through_the_gui(qtbot, window, keras_model):
    ids = build_mnist_cnn(qtbot, window)
    graph = window.graph
    template = load_template("mnist_cnn")
    assert structure(graph) == structure(template)

    info = window.document.info
    assert not window.document.problems
    order = keras_order(graph)
    assert order == ids
    # shapes and parameter counts equal Keras's
    assert [info[n].shape for n in order] == [(None, 28, 28, 1)] + [tuple(l.output.shape) for l in keras_model.layers]
    assert [info[n].params for n in order[1:]] == [l.count_params() for l in keras_model.layers]
    assert sum(info[n].params for n in order) == keras_model.count_params() == 225_034
    # the summary panel shows the same
    rows = window.summary_panel.rows()
    assert [r[0] for r in rows] == [f"{graph.nodes[n].name} ({graph.nodes[n].type})" for n in order]
    assert rows[1][1:4] == ("(None, 26, 26, 32)", "320", "194,688")     # 3*3*1*32 at 26*26 places
    assert window.summary_panel.total_params == 225_034
    assert "225,034" in window.summary_panel.totals.text()
    assert window.summary_panel.multiply_adds == sum(info[n].multiply_adds for n in order)
    assert f"{window.summary_panel.multiply_adds:,}" in window.summary_panel.totals.text()

    # every step was one undoable edit: undo everything, then redo everything
    stack = window.document.undo_stack
    steps = stack.count()
    assert steps >= len(LAYERS) * 2 - 1
    while stack.canUndo():
        stack.undo()
    assert not graph.nodes
    while stack.canRedo():
        stack.redo()
    assert structure(graph) == structure(template)
