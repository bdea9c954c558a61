"""The templates: graph JSON data that loads, validates, and says what the issue asks."""

import json

import pytest

from visualnet.graph import Graph, infer_shapes, keras_order, to_dict, validate
from visualnet.graph.templates import UnknownTemplateError, all_templates, get_template, load_template


def test_every_template_loads_and_is_valid():
    names = [t.name for t in all_templates()]
    assert names == ["mnist_mlp", "mnist_cnn", "tabular_binary", "resnet_block", "two_branch", "conv_autoencoder",
                     "unet_segmentation", "separable_classifier", "augmented_cnn", "text_classifier",
                     "bidirectional_lstm_text", "transformer_text_classifier", "series_forecaster",
                     "sensor_classifier", "two_headed_table"]
    for template in all_templates():
        graph = template.load()
        # a model with several outputs is told so (a warning on each), nothing else
        assert not [p for p in validate(graph) if p.code != "several_outputs"], (template.name, validate(graph))
        assert all(n.position is not None for n in graph.nodes.values())
        assert template.title and template.description
        # the file is plain graph JSON: it round-trips through to_dict
        data = json.loads(template.path.read_text())
        assert to_dict(graph)["nodes"] == data["nodes"]


def layers(graph):
    out = []
    for nid in keras_order(graph):
        node = graph.nodes[nid]
        out.append((node.type, {k: v for k, v in node.params.items() if v != node.spec.param(k).default}))
    return out


def test_mnist_cnn_is_exactly_the_issue_s_model():
    graph = load_template("mnist_cnn")
    expected = [
        ("Input", {"shape": (28, 28, 1)}),
        ("Conv2D", {"filters": 32, "kernel_size": (3, 3), "activation": "relu"}),
        ("MaxPooling2D", {}),
        ("Conv2D", {"filters": 64, "kernel_size": (3, 3), "activation": "relu"}),
        ("MaxPooling2D", {}),
        ("Flatten", {}),
        ("Dense", {"units": 128, "activation": "relu"}),
        ("Dense", {"units": 10, "activation": "softmax"}),
    ]
    order = keras_order(graph)
    assert len(order) == len(graph.nodes) == len(expected)
    for nid, (layer_type, params) in zip(order, expected):
        node = graph.nodes[nid]
        assert node.type == layer_type
        assert node.params == {**node.spec.defaults(), **params}  # everything else at Keras's defaults
    assert sum(i.params for i in infer_shapes(graph).values()) == 225_034


def test_other_templates_match_their_descriptions():
    mlp = [t for t, _ in layers(load_template("mnist_mlp"))]
    assert mlp == ["Input", "Flatten", "Dense", "Dropout", "Dense"]
    tab = layers(load_template("tabular_binary"))
    assert tab[0] == ("Input", {"shape": (8,)})
    assert [(t, p.get("units"), p.get("activation")) for t, p in tab[1:]] == [
        ("Dense", 12, "relu"), ("Dense", 8, "relu"), ("Dense", 1, "sigmoid")]
    res = load_template("resnet_block")
    add = next(n for n in res.nodes.values() if n.type == "Add")
    assert len(res.inputs_of(add.id)) == 2
    two = load_template("two_branch")
    cat = next(n for n in two.nodes.values() if n.type == "Concatenate")
    assert len(two.inputs_of(cat.id)) == 2
    assert infer_shapes(two)[cat.id].shape == (None, 28, 28, 32)


def test_unknown_template_names_the_known_ones():
    with pytest.raises(UnknownTemplateError, match="mnist_cnn"):
        get_template("nope")


def test_graph_without_positions_is_arranged_when_opened(window):
    g = Graph()
    a = g.add_node("Input", {"shape": (4,)})
    b = g.add_node("Dense", {"units": 2})
    g.connect(a.id, b.id)
    window.set_graph(g, "code-built")
    assert g.nodes[a.id].position[0] < g.nodes[b.id].position[0]
    assert not window.isWindowModified() and window.document.undo_stack.count() == 0


def test_command_line_opens_model_files_and_templates(tmp_path):
    from visualnet.__main__ import parser
    from visualnet.graph import to_json
    from visualnet.gui.app import load_target
    path = tmp_path / "mine.json"
    path.write_text(to_json(load_template("two_branch")))
    graph, title, where = load_target(str(path))
    assert title == "mine" and where == path and len(graph.nodes) == 7
    graph, title, where = load_target("resnet_block")
    assert title == "ResNet-style block" and where is None
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    with pytest.raises(ValueError, match="bad.json"):
        load_target(str(bad))
    args = parser().parse_args(["mnist_cnn", "--screenshot", "x.png", "--size", "1280x720"])
    # no --theme: the theme saved in the settings (which default to following the system)
    assert (args.target, args.screenshot, args.size, args.theme) == ("mnist_cnn", "x.png", (1280, 720), None)
    with pytest.raises(SystemExit):
        parser().parse_args(["--size", "12"])
