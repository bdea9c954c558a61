"""Layers with several outputs on the canvas: an LSTM with return_state has one output port
per output, each labelled with its shape; wires start from the chosen port, state wires end
in the decoder's initial-state ports. Built with the mouse (palette drags, inspector,
port drags), then trained for one epoch."""

import numpy as np
from PySide6.QtCore import QPoint

from visualnet.engine.model import Model

from .helpers import drag, drag_layer_to_canvas, port_point, scene_to_viewport, select_node, set_param


def out_point(window, node_id: str, index: int) -> QPoint:
    return scene_to_viewport(window, window.scene.node_items[node_id].output_ports[index].scenePos())


def build_encoder_decoder(qtbot, window) -> dict:
    vp = window.view.viewport().rect()
    top = vp.height() // 2 - 160
    layout = {"enc_in": ("Input", {"shape": (6, 3)}, QPoint(110, top)),
              "dec_in": ("Input", {"shape": (5, 4)}, QPoint(110, top + 240)),
              "encoder": ("LSTM", {"units": 8, "return_state": True}, QPoint(360, top)),
              "decoder": ("LSTM", {"units": 8, "return_sequences": True}, QPoint(620, top + 240)),
              "dense": ("Dense", {"units": 4, "activation": "softmax"}, QPoint(880, top + 240))}
    ids = {}
    for key, (layer_type, params, point) in layout.items():
        ids[key] = nid = drag_layer_to_canvas(qtbot, window, layer_type, point)
        select_node(qtbot, window, nid)
        for name, value in params.items():
            set_param(qtbot, window, name, value)
    drag(qtbot, window, port_point(window, ids["enc_in"]), port_point(window, ids["encoder"], "in", 0))
    drag(qtbot, window, port_point(window, ids["dec_in"]), port_point(window, ids["decoder"], "in", 0))
    drag(qtbot, window, out_point(window, ids["encoder"], 1), port_point(window, ids["decoder"], "in", 1))
    # the other way round: from the free input port to the output port
    drag(qtbot, window, port_point(window, ids["decoder"], "in", 2), out_point(window, ids["encoder"], 2))
    drag(qtbot, window, port_point(window, ids["decoder"]), port_point(window, ids["dense"], "in", 0))
    return ids


def decoder_name_in(tip: str) -> bool:
    return tip.startswith("Input 2 (initial state_h) of lstm")


def test_encoder_decoder_on_the_canvas(qtbot, window):
    ids = build_encoder_decoder(qtbot, window)
    graph, scene = window.graph, window.scene
    assert not [p for p in window.document.problems if p.severity == "error"], window.document.problems
    wires = sorted((graph.nodes[e.src].name, e.src_port, graph.nodes[e.dst].name, e.dst_port)
                   for e in graph.edges.values())
    enc, dec = graph.nodes[ids["encoder"]].name, graph.nodes[ids["decoder"]].name
    assert (enc, 1, dec, 1) in wires and (enc, 2, dec, 2) in wires

    encoder = scene.node_items[ids["encoder"]]
    assert [p.label for p in encoder.output_ports] == ["output 8", "state_h 8", "state_c 8"]
    assert [p.shape_value for p in encoder.output_ports] == [(None, 8)] * 3
    assert encoder.shape_line() == "8 | 8 | 8"
    assert "state_h (None, 8)" in encoder.toolTip()
    assert decoder_name_in(scene.node_items[ids["decoder"]].input_ports[1].toolTip())
    assert [p.connected for p in encoder.output_ports] == [False, True, True]
    decoder = scene.node_items[ids["decoder"]]
    assert [p.shape_value for p in decoder.input_ports] == [(None, 5, 4), (None, 8), (None, 8)]
    assert len(decoder.output_ports) == 1
    # each state wire starts at its own port
    for e in graph.out_edges(ids["encoder"]):
        start, _ = scene.edge_items[e.id].endpoints()
        assert start == encoder.output_ports[e.src_port].scenePos()

    # turning return_state off removes the ports; the state wires are then refused, naming the port
    select_node(qtbot, window, ids["encoder"])
    set_param(qtbot, window, "return_state", False)
    assert len(encoder.output_ports) == 1
    assert any(p.code == "missing_port" and "output 2" in p.message for p in window.document.problems)
    window.document.undo_stack.undo()
    assert graph.nodes[ids["encoder"]].params["return_state"] and len(encoder.output_ports) == 3

    model = Model.from_graph(graph)
    rng = np.random.default_rng(0)
    x = [rng.normal(size=(32, 6, 3)).astype("float32"), rng.normal(size=(32, 5, 4)).astype("float32")]
    y = np.eye(4, dtype="float32")[rng.integers(0, 4, (32, 5))]
    model.compile("adam", "categorical_crossentropy")
    history = model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_the_inspector_offers_return_state_and_merge_mode_none(qtbot, window):
    vp = window.view.viewport().rect()
    nid = drag_layer_to_canvas(qtbot, window, "Bidirectional", QPoint(300, vp.height() // 2))
    select_node(qtbot, window, nid)
    assert "return_state" in window.inspector.editors
    combo = window.inspector.editors["merge_mode"].combo
    assert None in [combo.itemData(i) for i in range(combo.count())]
    combo.setCurrentIndex([combo.itemData(i) for i in range(combo.count())].index(None))
    assert window.graph.nodes[nid].params["merge_mode"] is None
    set_param(qtbot, window, "return_state", True)
    item = window.scene.node_items[nid]
    assert [p.name for p in item.output_ports] == ["forward", "backward", "forward_h", "forward_c", "backward_h",
                                                   "backward_c"]
    window.document.undo_stack.undo()
    assert [p.name for p in item.output_ports] == ["forward", "backward"]


def test_bidirectional_nodes_show_the_wrapped_layers_state_ports(qtbot, window):
    """A Bidirectional node has its sequence port and one port per initial state of the layer
    it wraps (both directions'), each named: 5 for an LSTM, 3 for a GRU."""
    node = drag_layer_to_canvas(qtbot, window, "Bidirectional", QPoint(300, 200))
    item = window.scene.node_items[node]
    names = [p.name for p in item.input_ports]
    assert names == ["sequence", "initial forward_h", "initial forward_c", "initial backward_h",
                     "initial backward_c"], names
    select_node(qtbot, window, node)
    set_param(qtbot, window, "wrapped", "GRU")      # the inspector's choice of the wrapped layer
    qtbot.waitUntil(lambda: len(window.scene.node_items[node].input_ports) == 3)
    assert [p.name for p in window.scene.node_items[node].input_ports] == \
        ["sequence", "initial forward_h", "initial backward_h"]
