"""Image augmentation (Keras's preprocessing layers, channels last): RandomFlip, RandomCrop,
RandomTranslation, RandomZoom, RandomRotation, RandomContrast and RandomBrightness. Random while
training (seeded by `seed`); when predicting they are the identity, except RandomCrop, which then
cuts the fixed window Keras's code computes for inference (`fixed_window`; Keras 3.15 skips it and
passes the input on, keras-team/keras#21868).

The exported PyTorch code augments while training as the engine does, from torch's random
numbers (the `random_affine` helper for translation, zoom and rotation)."""

from __future__ import annotations

from ..keras_form import CHANNELS_LAST, KerasForm
from ..params import Param
from ..registry import LayerSpec, ShapeError, register
from ..torch_form import TorchForm
from ._common import fmt
from .preprocessing import crop_box, image_size
from .regularization import SEED


def _image_shape(layer: str):
    def rule(p, shapes):
        image_size(layer, shapes[0])
        return shapes[0]
    return rule


def _flip_torch(p, s, xs, m) -> str:
    x = xs[0]
    dims = {"horizontal": "(2,)", "vertical": "(1,)", "horizontal_and_vertical": "(1, 2)"}[p["mode"]]
    return (f"(torch.where(torch.rand({x}.shape[0], 1, 1, 1, device={x}.device) <= 0.5, {x}.flip({dims}), {x}) "
            f"if self.training else {x})")


register(LayerSpec(
    "RandomFlip", "regularization", "While training, flips each image at random (probability 1/2).",
    (Param("mode", "choice", "horizontal_and_vertical",
           "Which flips: 'horizontal' (left-right), 'vertical' (up-down) or both together (a half turn).",
           choices=("horizontal", "vertical", "horizontal_and_vertical")), SEED),
    1, 1, _image_shape("RandomFlip"), key_params=("mode",),
    keras=KerasForm(fixed=CHANNELS_LAST), torch=TorchForm(_flip_torch),
    keywords=("augmentation", "augment", "mirror", "image"),
))


def _crop_shape(p, shapes):
    h, w = image_size("RandomCrop", shapes[0])
    if h is None or w is None:
        raise ShapeError(f"RandomCrop needs a known height and width; it receives {fmt(shapes[0])}.")
    return (None, p["height"], p["width"], shapes[0][3])


def fixed_window(p, H: int, W: int) -> tuple[int, int, int, int]:
    """(top, left, height, width) of RandomCrop's window when it does not draw one: Keras's
    code starts it at the corner of the central box with the output's aspect ratio and cuts up to
    height x width from there (then resizes it to height x width)."""
    top, left, _, _ = crop_box({"crop_to_aspect_ratio": True, **p}, H, W)
    return top, left, min(p["height"], H - top), min(p["width"], W - left)


def _crop_torch(p, s, xs, m) -> str:
    """The fixed window (`fixed_window`), resized; a random window while training."""
    x, (H, W), h, w = xs[0], s[0][1:3], p["height"], p["width"]
    top, left, ch, cw = fixed_window(p, H, W)
    predict = f"{x}[:, {top}:{top + ch}, {left}:{left + cw}]"
    if (ch, cw) != (h, w):
        predict = (f"F.interpolate({predict}.movedim(-1, 1), size=({h}, {w}), mode='bilinear', "
                   f"align_corners=False).movedim(1, -1)")
    if H <= h or W <= w:
        return predict
    return (f"({x}[:, (_t := int(torch.randint(0, {H - h + 1}, ()))):_t + {h}, "
            f"(_l := int(torch.randint(0, {W - w + 1}, ()))):_l + {w}] if self.training else {predict})")


def _size(what: str) -> Param:
    return Param(what, "int", 32, f"Output {what} in pixels.", min=1, required=True)


register(LayerSpec(
    "RandomCrop", "regularization",
    "While training, cuts a random height x width window out of each batch; when predicting (or when the "
    "input is not larger), a fixed window near the centre, resized to height x width if smaller.",
    (_size("height"), _size("width"), SEED),
    1, 1, _crop_shape, key_params=("height", "width"),
    keras=KerasForm(fixed=CHANNELS_LAST), torch=TorchForm(_crop_torch),
    keywords=("augmentation", "augment", "image"),
))


def _factor(name: str, doc: str, optional: bool = False) -> Param:
    return Param(name, "range", None if optional else 0.1, doc + " A (lower, upper) pair sets both ends.",
                 min=-1.0, max=1.0, optional=optional, required=not optional)


FILL = (Param("fill_mode", "choice", "reflect",
              "How points outside the image are filled: 'reflect' mirrors about the edge (d c b a | a b c d | "
              "d c b a), 'wrap' repeats the image, 'nearest' extends the edge pixel, 'constant' uses fill_value.",
              choices=("reflect", "wrap", "nearest", "constant")),
        Param("interpolation", "choice", "bilinear",
              "How new pixels are computed: 'bilinear' blends the 4 nearest, 'nearest' copies one.",
              choices=("bilinear", "nearest")),
        SEED,
        Param("fill_value", "float", 0.0, "The value outside the image when fill_mode is 'constant'."))

def bounds(factor) -> tuple[float, float] | None:
    """(lower, upper) of a factor Keras keeps as given: f means (-|f|, |f|), a pair is sorted."""
    if factor is None or isinstance(factor, tuple):
        return factor and tuple(sorted(factor))
    return (-abs(factor), abs(factor))


def _affine_torch(kind: str, *factors: str) -> TorchForm:
    def forward(p, s, xs, m) -> str:
        limits = tuple(bounds(p[f]) for f in factors)
        return (f"(random_affine({xs[0]}, {kind!r}, {limits!r}, {p['interpolation']!r}, {p['fill_mode']!r}, "
                f"{p['fill_value']!r}) if self.training else {xs[0]})")
    return TorchForm(forward, helpers=("random_affine",))


register(LayerSpec(
    "RandomTranslation", "regularization",
    "While training, shifts each image by a random fraction of its height and width.",
    (_factor("height_factor", "Largest vertical shift, a fraction of the height (0.2: up to 20% up or down)."),
     _factor("width_factor", "Largest horizontal shift, a fraction of the width (0.2: up to 20% left or right)."),
     *FILL),
    1, 1, _image_shape("RandomTranslation"), key_params=("height_factor", "width_factor"),
    keras=KerasForm(fixed=CHANNELS_LAST), torch=_affine_torch("translation", "height_factor", "width_factor"),
    keywords=("augmentation", "augment", "shift", "image"),
))

register(LayerSpec(
    "RandomZoom", "regularization",
    "While training, zooms each image about its centre by a random factor (positive: out, negative: in).",
    (_factor("height_factor", "Largest vertical zoom, a fraction (0.2: the scale is drawn in [0.8, 1.2]; "
                              "above 1 zooms out)."),
     _factor("width_factor", "Largest horizontal zoom (unset: the vertical zoom, keeping the aspect ratio).",
             optional=True),
     *FILL),
    1, 1, _image_shape("RandomZoom"), key_params=("height_factor", "width_factor"),
    keras=KerasForm(fixed=CHANNELS_LAST), torch=_affine_torch("zoom", "height_factor", "width_factor"),
    keywords=("augmentation", "augment", "scale", "image"),
))

register(LayerSpec(
    "RandomRotation", "regularization",
    "While training, turns each image about its centre by a random angle (factor: a fraction of a full turn).",
    (Param("factor", "range", (-0.1, 0.1), "Largest turn, a fraction of 360 degrees (0.1: up to 36 degrees either "
                                           "way); a (lower, upper) pair sets both ends (negative: clockwise).",
           min=-1.0, max=1.0, length=2, required=True),
     *FILL),
    1, 1, _image_shape("RandomRotation"), key_params=("factor",),
    keras=KerasForm(fixed=CHANNELS_LAST), torch=_affine_torch("rotation", "factor"),
    keywords=("augmentation", "augment", "rotate", "image"),
))

VALUE_RANGE = Param("value_range", "range", (0.0, 255.0), "The (lowest, highest) pixel value: outputs are clipped "
                                                          "to it.", length=2)


def _contrast_torch(p, s, xs, m) -> str:
    x, (lower, upper), (lo, hi) = xs[0], p["factor"], p["value_range"]
    factor = f"(torch.rand({x}.shape[0], 1, 1, 1, device={x}.device) * {lower + upper!r} + {1 - lower!r})"
    mean = f"(_mean := {x}.mean(dim=(1, 2), keepdim=True))"
    return f"(torch.clamp(({x} - {mean}) * {factor} + _mean, {lo!r}, {hi!r}) if self.training else {x})"


register(LayerSpec(
    "RandomContrast", "regularization",
    "While training, scales each image's deviations from its mean (per channel) by a random factor in "
    "[1 - lower, 1 + upper], then clips to value_range.",
    (Param("factor", "range", (0.0, 0.1), "Contrast change: a number f means (0, f), so the factor is drawn in "
                                          "[1, 1 + f] (Keras's); a (lower, upper) pair gives [1 - lower, 1 + upper].",
           min=0.0, max=1.0, length=2, required=True),
     VALUE_RANGE, SEED),
    1, 1, _image_shape("RandomContrast"), key_params=("factor",),
    keras=KerasForm(fixed=CHANNELS_LAST), torch=TorchForm(_contrast_torch),
    keywords=("augmentation", "augment", "image"),
))


def _brightness_torch(p, s, xs, m) -> str:
    x, (lower, upper), (lo, hi) = xs[0], p["factor"], p["value_range"]
    delta = f"(torch.rand({x}.shape[0], 1, 1, 1, device={x}.device) * {upper - lower!r} + {lower!r}) * {hi - lo!r}"
    return f"(torch.clamp({x} + {delta}, {lo!r}, {hi!r}) if self.training else {x})"


register(LayerSpec(
    "RandomBrightness", "regularization",
    "While training, adds a random amount (a fraction of value_range's width) to each image, then clips to "
    "value_range.",
    (Param("factor", "range", (-0.1, 0.1), "Largest change, a fraction of the value range (0.2: up to 20% darker "
                                           "or brighter); a (lower, upper) pair sets both ends.",
           min=-1.0, max=1.0, length=2, required=True),
     VALUE_RANGE, SEED),
    1, 1, _image_shape("RandomBrightness"), key_params=("factor",),
    keras=KerasForm(fixed=CHANNELS_LAST), torch=TorchForm(_brightness_torch),
    keywords=("augmentation", "augment", "image"),
))
