"""Regularization layers besides Dropout: SpatialDropout1D/2D, GaussianNoise, GaussianDropout,
AlphaDropout (random while training, the identity when predicting) and ActivityRegularization
(the identity, adding a penalty on its input to the loss).

The exported PyTorch code draws the same kind of noise while training (from torch's random
numbers, not Keras's) and is the identity when predicting; ActivityRegularization's penalty
joins the exported training loss (the `activity_penalty` helper)."""

from __future__ import annotations

from ..keras_form import CHANNELS_LAST, KerasForm
from ..params import Param
from ..registry import LayerSpec, register
from ..torch_form import TorchForm
from ._common import LAYOUT, require_rank, same_shape


def _rate(what: str) -> Param:
    return Param("rate", "float", 0.5, f"Fraction of the {what} to drop, in [0, 1).", min=0.0, max=1.0,
                 max_inclusive=False, required=True)


SEED = Param("seed", "int", None, "Seed of the noise (unset: random).", optional=True, min=0)


def torch_training_noise(expr: str) -> TorchForm:
    """The identity when predicting; `expr` (of `x`, the input) while training."""
    return TorchForm(lambda p, s, xs, m: f"({expr.format(x=xs[0], **p)} if self.training else {xs[0]})")


def spatial_shape(name: str, rank: int):
    def rule(p, shapes):
        require_rank(name, shapes[0], rank + 2, LAYOUT[rank])
        return shapes[0]
    return rule


for _rank in (1, 2):
    _name = f"SpatialDropout{_rank}D"
    _mask_shape = "({x}.shape[0], " + "1, " * _rank + "{x}.shape[-1])"
    register(LayerSpec(
        _name, "regularization",
        "While training, zeroes whole channels at random (the same for every step or pixel) and scales the rest.",
        (_rate("channels"), SEED), 1, 1, spatial_shape(_name, _rank), key_params=("rate",),
        # Keras's spatial dropouts take no `trainable` argument
        keras=KerasForm(fixed={} if _rank == 1 else dict(CHANNELS_LAST), trainable_arg=False),
        torch=torch_training_noise(
            "{x} * torch.bernoulli(torch.full(" + _mask_shape + ", 1 - {rate!r}, "
            "device={x}.device)) / (1 - {rate!r})"),
        keywords=("dropout", "channels", "regularize") + (("sequence",) if _rank == 1 else ("image",)),
    ))

register(LayerSpec(
    "GaussianNoise", "regularization", "While training, adds zero-mean Gaussian noise of the given stddev.",
    (Param("stddev", "float", 0.1, "Standard deviation of the noise, in [0, 1].", min=0.0, max=1.0, required=True),
     SEED),
    1, 1, same_shape, key_params=("stddev",),
    torch=torch_training_noise("{x} + {stddev!r} * torch.randn_like({x})"),
    keywords=("noise", "denoising", "regularize", "augment"),
))

register(LayerSpec(
    "GaussianDropout", "regularization",
    "While training, multiplies by Gaussian noise of mean 1 and stddev sqrt(rate / (1 - rate)).",
    (_rate("inputs (as a dropout of the same variance)"), SEED), 1, 1, same_shape, key_params=("rate",),
    torch=torch_training_noise("{x} * (1 + ({rate!r} / (1 - {rate!r})) ** 0.5 * torch.randn_like({x}))"),
    keywords=("dropout", "noise", "regularize"),
))

def _alpha_dropout_torch(p, s, xs, m) -> str:
    """Keras's formula: kept inputs scaled by a, dropped ones set to a * alpha_p, all shifted by b."""
    x, rate = xs[0], p["rate"]
    alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
    a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * rate
    shape = f"{x}.shape" if p["noise_shape"] is None else repr(p["noise_shape"])
    keep = f"(_keep := (torch.rand({shape}, device={x}.device) >= {rate!r}).to({x}.dtype))"
    return (f"({a!r} * ({x} * {keep} + {alpha_p!r} * (1 - _keep)) + {b!r} if self.training and {rate!r} > 0 "
            f"else {x})")


register(LayerSpec(
    "AlphaDropout", "regularization",
    "While training, sets random inputs to SELU's negative saturation and rescales, keeping mean and variance.",
    (_rate("inputs"),
     Param("noise_shape", "shape", None, "Shape of the random mask, broadcast over the input (unset: the "
                                         "input's); the batch dimension included.", optional=True),
     SEED),
    1, 1, same_shape, key_params=("rate",),
    torch=TorchForm(_alpha_dropout_torch),
    keywords=("dropout", "selu", "regularize"),
))

register(LayerSpec(
    "ActivityRegularization", "regularization",
    "Passes its input on and adds l1 * sum|x| + l2 * sum(x^2), divided by the batch size, to the loss.",
    (Param("l1", "float", 0.0, "Weight of the L1 penalty.", min=0.0),
     Param("l2", "float", 0.0, "Weight of the L2 penalty.", min=0.0)),
    1, 1, same_shape, key_params=("l1", "l2"),
    torch=TorchForm(lambda p, s, xs, m: f"activity_penalty(self, {xs[0]}, {p['l1']!r}, {p['l2']!r})",
                    helpers=("activity_penalty",)),
    keywords=("penalty", "l1", "l2", "regularize"),
))
