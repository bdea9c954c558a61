"""Preprocessing inside the model: Rescaling, CenterCrop and Resizing (images channels last)."""

from __future__ import annotations

from ..keras_form import CHANNELS_LAST, Fixed, KerasForm
from ..params import Param
from ..registry import LayerSpec, ShapeError, register
from ..torch_form import TorchForm, unary
from ._common import fmt, same_shape

register(LayerSpec(
    "Rescaling", "core", "Multiplies by scale and adds offset, e.g. scale 1/255 maps pixels to [0, 1].",
    (Param("scale", "float", 1 / 255, "Factor applied to every input value.", required=True),
     Param("offset", "float", 0.0, "Value added after scaling.")),
    1, 1, same_shape, key_params=("scale", "offset"),
    torch=unary("({x} * {scale!r} + {offset!r})"),
    keywords=("scale", "pixels", "preprocessing"),
))


def image_size(layer: str, s) -> tuple:
    """(height, width) of a (batch, height, width, channels) input; ShapeError for another rank."""
    if len(s) != 4:
        raise ShapeError(f"{layer} expects images (batch, height, width, channels); it receives {fmt(s)}. "
                         "Add a Reshape such as (28, 28, 1) before it.")
    return s[1], s[2]


def _center_crop_shape(p, shapes):
    h, w = image_size("CenterCrop", shapes[0])
    if (h is not None and h < p["height"]) or (w is not None and w < p["width"]):
        raise ShapeError(f"CenterCrop cuts {p['height']}x{p['width']} out of its input {fmt(shapes[0])}, which is "
                         "smaller. Choose a height and width at most the input's (or use Resizing).")
    return (None, p["height"], p["width"], shapes[0][3])


def _center_crop_torch(p, s, xs, m) -> str:
    h, w = s[0][1] - p["height"], s[0][2] - p["width"]
    return f"{xs[0]}[:, {h // 2}:{h // 2 + p['height']}, {w // 2}:{w // 2 + p['width']}]"


def _size(what: str) -> Param:
    return Param(what, "int", 32, f"Output {what} in pixels.", min=1, required=True)


register(LayerSpec(
    "CenterCrop", "reshaping", "Cuts the central height x width window out of each image.",
    (_size("height"), _size("width")), 1, 1, _center_crop_shape, key_params=("height", "width"),
    keras=KerasForm(fixed=CHANNELS_LAST), torch=TorchForm(_center_crop_torch),
    keywords=("crop", "image", "preprocessing"),
))


def crop_box(p, h: int, w: int) -> tuple[int, int, int, int]:
    """(top, left, height, width) of the central window with the output's aspect ratio
    (Keras's crop_to_aspect_ratio; the whole image without it)."""
    if not p["crop_to_aspect_ratio"]:
        return 0, 0, h, w
    ch = max(min(h, int(float(w * p["height"]) / p["width"])), 1)
    cw = max(min(w, int(float(h * p["width"]) / p["height"])), 1)
    return int(float(h - ch) / 2), int(float(w - cw) / 2), ch, cw


def _resizing_torch(p, s, xs, m) -> str:
    top, left, h, w = crop_box(p, s[0][1], s[0][2])
    x = xs[0] if (h, w) == tuple(s[0][1:3]) else f"{xs[0]}[:, {top}:{top + h}, {left}:{left + w}]"
    mode = ", mode='bilinear', align_corners=False" if p["interpolation"] == "bilinear" else ", mode='nearest-exact'"
    return f"F.interpolate({x}.movedim(-1, 1), size=({p['height']}, {p['width']}){mode}).movedim(1, -1)"


def _resizing_shape(p, shapes):
    h, w = image_size("Resizing", shapes[0])
    if h is None or w is None:
        raise ShapeError(f"Resizing needs a known height and width; it receives {fmt(shapes[0])}.")
    return (None, p["height"], p["width"], shapes[0][3])


register(LayerSpec(
    "Resizing", "reshaping", "Resizes each image to height x width (bilinear or nearest-neighbour).",
    (_size("height"), _size("width"),
     Param("interpolation", "choice", "bilinear", "How new pixels are computed: 'bilinear' blends the 4 nearest, "
                                                  "'nearest' copies the nearest.", choices=("bilinear", "nearest")),
     Param("crop_to_aspect_ratio", "bool", False, "Crop the central window with the output's aspect ratio first "
                                                  "(no distortion).")),
    1, 1, _resizing_shape, key_params=("height", "width", "interpolation"),
    keras=KerasForm(fixed={**CHANNELS_LAST, "pad_to_aspect_ratio": Fixed(False), "fill_mode": Fixed("constant"),
                           "fill_value": Fixed(0.0), "antialias": Fixed(False)}),
    torch=TorchForm(_resizing_torch),
    keywords=("resize", "image", "preprocessing", "scale"),
))
