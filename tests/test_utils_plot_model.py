"""utils.plot_model drawn by VisualNet (no Graphviz): SVG as text, PNG with Pillow, boxes placed
by the canvas's layered layout."""

import xml.etree.ElementTree as ET

import pytest

from visualnet import layers, models, utils

SVG = "{http://www.w3.org/2000/svg}"


def residual():
    inp = layers.Input((12, 12, 1), name="image")
    x = layers.Conv2D(4, 3, activation="relu", name="conv")(inp)
    y = layers.Conv2D(4, 3, padding="same", activation="relu", name="conv_b")(x)
    z = layers.Add(name="add")([x, layers.Conv2D(4, 3, padding="same", name="conv_c")(y)])
    out = layers.Dense(3, activation="softmax", name="probs")(layers.Flatten(name="flat")(z))
    return models.Model(inp, out, name="residual")


def _boxes_and_lines(path):
    root = ET.parse(path).getroot()
    boxes = {}
    for g in root.iter(f"{SVG}g"):
        rect = g.find(f"{SVG}rect")
        texts = [t.text for t in g.iter(f"{SVG}text")]
        boxes[texts[0]] = (texts, *(float(rect.get(k)) for k in ("x", "y", "width", "height")))
    lines = [tuple(float(l.get(k)) for k in ("x1", "y1", "x2", "y2")) for l in root.iter(f"{SVG}line")]
    return boxes, lines


def test_svg_boxes_wires_and_labels_top_to_bottom(tmp_path):
    assert utils.plot_model(residual(), tmp_path / "m.svg", show_shapes=True, show_layer_names=True,
                            show_layer_activations=True) is None
    boxes, lines = _boxes_and_lines(tmp_path / "m.svg")
    assert set(boxes) == {"image (InputLayer)", "conv (Conv2D)", "conv_b (Conv2D)", "conv_c (Conv2D)", "add (Add)",
                          "flat (Flatten)", "probs (Dense)"}
    assert boxes["flat (Flatten)"][0] == ["flat (Flatten)", "output: (None, 400)"]
    assert boxes["probs (Dense)"][0] == ["probs (Dense)", "output: (None, 3)", "activation: softmax"]
    assert len(lines) == 7 and all(y2 > y1 for _, y1, _, y2 in lines)          # every wire points down
    tops = {name: b[2] for name, b in boxes.items()}
    assert tops["image (InputLayer)"] < tops["conv (Conv2D)"] < tops["conv_b (Conv2D)"] < tops["add (Add)"]
    for (_, x, y, w, h), (_, x2, y2, w2, h2) in [(a, b) for a in boxes.values() for b in boxes.values() if a is not b]:
        assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y        # no two boxes overlap


def test_left_to_right_and_type_only_by_default(tmp_path):
    model = models.Sequential([layers.Input((4,)), layers.Dense(3, name="d1"), layers.Dense(2, name="d2")])
    utils.plot_model(model, tmp_path / "s.svg", rankdir="LR")
    _, lines = _boxes_and_lines(tmp_path / "s.svg")
    texts = [t.text for t in ET.parse(tmp_path / "s.svg").getroot().iter(f"{SVG}text")]
    assert texts == ["InputLayer", "Dense", "Dense"]
    assert len(lines) == 2 and all(x2 > x1 and y2 == y1 for x1, y1, x2, y2 in lines)


def test_png_is_drawn_at_the_dpi(tmp_path):
    from PIL import Image

    image = utils.plot_model(residual(), tmp_path / "m.png", show_shapes=True, dpi=96)
    utils.plot_model(residual(), tmp_path / "big.png", show_shapes=True, dpi=192)
    with Image.open(tmp_path / "m.png") as small, Image.open(tmp_path / "big.png") as big:
        assert small.size == image.size and abs(big.size[0] - 2 * small.size[0]) <= 2
        colours = small.convert("RGB").getcolors(1 << 20)
        assert len(colours) > 10                                     # boxes, text and arrows, not a blank page


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="rankdir=.BT."):
        utils.plot_model(residual(), tmp_path / "m.svg", rankdir="BT")
    with pytest.raises(TypeError, match="colour"):
        utils.plot_model(residual(), tmp_path / "m.svg", colour="red")
