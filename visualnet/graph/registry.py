"""The layer registry: each layer type declared once.

A `LayerSpec` holds everything the rest of VisualNet needs to know about a layer type
without running it: its parameters (with Keras's defaults, ranges and docs), how many
inputs it takes, its output-shape rule, the weights it creates, its Keras form
(`keras_form.py`) and its PyTorch form for code export (`torch_form.py`). The palette, the inspector, validation, shape inference, the engine,
the file formats and code export all read these declarations (see `layer_types/`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from .keras_form import KerasForm
from .params import Param, ParamError
from .torch_form import TorchForm

Shape = tuple  # (None, d1, d2, ...): the batch dimension is None

CATEGORIES = ("input", "core", "convolution", "pooling", "reshaping", "normalization", "merging", "activation", "regularization",
              "recurrent")


class ShapeError(ValueError):
    """A layer cannot accept the shape(s) it receives; the message says what to change.
    `port` is the input whose wire is at fault, when one is."""

    def __init__(self, message: str, port: int | None = None):
        super().__init__(message)
        self.port = port


class UnknownLayerError(KeyError):
    """A layer type that the registry does not declare."""

    def __str__(self):
        return str(self.args[0])


@dataclass(frozen=True)
class WeightSpec:
    """A weight a layer creates: Keras's name and order, shape, trainability and initializer
    (a parameter name of the layer, or a fixed initializer name)."""

    name: str
    shape: tuple
    trainable: bool = True
    initializer: str = "zeros"

    @property
    def size(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True)
class LayerSpec:
    """The declaration of one layer type (Keras class name as `type`)."""

    type: str
    category: str
    doc: str
    params: tuple[Param, ...]
    min_inputs: int
    max_inputs: int | None  # None: any number
    shape_rule: Callable[[dict, list[Shape]], Shape]
    weight_rule: Callable[[dict, list[Shape]], list[WeightSpec]] = field(default=lambda p, s: [])
    key_params: tuple[str, ...] = ()
    keras: KerasForm = field(default_factory=KerasForm)
    torch: TorchForm | None = None          # None only for Input
    # multiply-adds of one sample (params, input shapes, output shape, weights) -> int | None;
    # None here: costs.kernel_cost, the kernels at every output position
    cost_rule: Callable[[dict, list[Shape], Shape, list[WeightSpec]], "int | None"] | None = None
    # how many outputs (ports) a node has for its params (LSTM with return_state: 3); None: one.
    # A layer with several outputs has a shape rule that returns a list of shapes, one per port.
    output_count: Callable[[dict], int] | None = None
    keywords: tuple[str, ...] = ()          # words the palette's search also finds it by ("upsample")

    @property
    def keras_class(self) -> str:
        """Keras's class name for this type ('Input' is 'InputLayer')."""
        return self.keras.class_name or self.type

    @property
    def default_name(self) -> str:
        """Keras's automatic name stem: 'Dense' -> 'dense', 'MaxPooling2D' -> 'max_pooling2d'."""
        if self.type == "Input":
            return "input_layer"
        return snake_case(self.type)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(f"{self.type} has no parameter '{name}'. Its parameters: {', '.join(self.param_names)}")

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def normalize(self, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Full canonical parameter dict: defaults filled in, every value checked.

        Raises ParamError naming the parameter (unknown names included)."""
        params = dict(params or {})
        unknown = sorted(set(params) - set(self.param_names))
        if unknown:
            raise ParamError(
                unknown[0],
                f"{self.type} has no parameter '{unknown[0]}'. Its parameters: {', '.join(self.param_names) or 'none'}",
            )
        return {p.name: p.coerce(params.get(p.name, p.default)) for p in self.params}

    def output_shape(self, params: dict, input_shapes: list[Shape]) -> Shape:
        """Output shape for canonical `params` (the first output's, for a layer with
        several); raises ShapeError saying what to change."""
        return self.output_shapes(params, input_shapes)[0]

    def output_shapes(self, params: dict, input_shapes: list[Shape]) -> list[Shape]:
        """One shape per output port (one for most layers)."""
        self.check_input_count(len(input_shapes))
        out = self.shape_rule(params, list(input_shapes))
        return [tuple(s) for s in out] if isinstance(out, list) else [tuple(out)]

    def outputs(self, params: dict) -> int:
        """The number of output ports a node of this type has with `params`."""
        return 1 if self.output_count is None else self.output_count(params)

    def weights(self, params: dict, input_shapes: list[Shape]) -> list[WeightSpec]:
        """The weights in Keras's order (what `get_weights()` returns for this layer)."""
        return list(self.weight_rule(params, list(input_shapes)))

    def check_input_count(self, n: int) -> None:
        lo, hi = self.min_inputs, self.max_inputs
        if n < lo or (hi is not None and n > hi):
            if hi == lo:
                want = f"exactly {lo} input{'s' if lo != 1 else ''}"
            elif hi is None:
                want = f"at least {lo} inputs"
            else:
                want = f"between {lo} and {hi} inputs"
            raise ShapeError(f"{self.type} takes {want}; it has {n}.")


def snake_case(name: str) -> str:
    """keras.src.utils.naming.to_snake_case: 'MaxPooling2D' -> 'max_pooling2d'."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


_REGISTRY: dict[str, LayerSpec] = {}
_ALIASES: dict[str, str] = {}       # Keras class names and aliases -> registry type


def register(spec: LayerSpec) -> LayerSpec:
    if spec.type in _REGISTRY:
        raise ValueError(f"Layer type {spec.type!r} is declared twice")
    if spec.category not in CATEGORIES:
        raise ValueError(f"{spec.type}: unknown category {spec.category!r}")
    names = {spec.keras_class, *spec.keras.aliases} - {spec.type}
    taken = [n for n in names if n in _ALIASES or n in _REGISTRY]
    if taken:
        raise ValueError(f"{spec.type}: Keras name(s) {taken} already mean another layer type")
    _REGISTRY[spec.type] = spec
    _ALIASES.update(dict.fromkeys(names, spec.type))
    return spec


def get_spec(layer_type: str) -> LayerSpec:
    """The declaration of `layer_type` (a registry type, or a Keras class name or alias of
    one); UnknownLayerError otherwise."""
    _ensure_loaded()
    name = _ALIASES.get(layer_type, layer_type)
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownLayerError(
            f"Unknown layer type '{layer_type}'. Known types: {', '.join(sorted(_REGISTRY))}"
        ) from None


def all_specs() -> list[LayerSpec]:
    """Every declared layer type, in declaration order (grouped by category)."""
    _ensure_loaded()
    return list(_REGISTRY.values())


def _ensure_loaded() -> None:
    if not _REGISTRY:
        from . import layer_types  # noqa: F401  (registers on import)
