"""`Sequential`: a linear stack of layers (a model among them is nested, see nesting.py),
built as soon as its input shape is known."""

from __future__ import annotations

from ..graph import Graph
from .custom_layer import is_python_layer
from .layers import InputLayer
from .model import Model
from .tensor import KerasTensor
from .tracing import tensor_of_input, trace


class Sequential(Model):
    """`Sequential(layers=None, name=None)`; `add()` appends a layer."""

    _default_name = "sequential"

    def __init__(self, layers=None, name: str | None = None, trainable: bool = True):
        self._reset(name)  # not Model.__init__, which traces the functional API
        self._trainable = bool(trainable)
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_build()

    def _reset(self, name: str | None) -> None:
        super()._reset(name)
        self._stack: list = []
        self._input_layer: InputLayer | None = None

    @classmethod
    def from_graph(cls, graph: Graph, name: str | None = None) -> "Sequential":
        """A model of this class from a valid linear description (one input, each layer
        feeding the next); its node ids are the description's."""
        model = super().from_graph(graph, name)
        order = model._order
        if len(order) != len(graph.nodes) or any(graph.inputs_of(n) != [p] for p, n in zip(order, order[1:])):
            raise ValueError("The model description is not a linear stack of layers; build it with "
                             "Model.from_graph instead.")
        model._input_layer, *model._stack = [model._layers_by_id[n] for n in order]
        return model

    def add(self, layer, rebuild: bool = True) -> None:
        """Append a layer (or an `Input(...)` tensor as the first element)."""
        if isinstance(layer, KerasTensor):
            if not isinstance(layer.layer, InputLayer) or self._stack or self._input_layer:
                raise ValueError("Only an Input(...) can be added to a Sequential model as a tensor, "
                                 "and only as its first element.")
            self._input_layer = layer.layer
        elif isinstance(layer, InputLayer):
            if self._stack or self._input_layer:
                raise ValueError("An InputLayer can only be the first layer of a Sequential model.")
            self._input_layer = layer
        elif isinstance(layer, Model):
            if any(l is layer for l in self._stack):
                raise ValueError(f"Model '{layer.name}' is already in this model.")
            self._stack.append(layer)
        elif getattr(layer, "chained_layers", None):   # issue 23: RNN over stacked cells, a layer per cell
            for sub in layer.chained_layers:
                self.add(sub, rebuild=False)
        elif is_python_layer(layer):
            if any(l is layer for l in self._stack):
                raise ValueError(f"Layer '{layer.name}' is already in this model.")
            self._stack.append(layer)
        elif not hasattr(layer, "layer_type"):
            raise TypeError(f"Only layers can be added to a Sequential model; received {layer!r}.")
        else:
            if layer.spec.min_inputs > 1:
                raise ValueError(f"{type(layer).__name__} merges several inputs and cannot be used in a Sequential "
                                 "model. Use the functional API (Model(inputs, outputs)).")
            if layer.output_count > 1:   # Keras's rule
                raise ValueError(f"All layers in a Sequential model should have a single output tensor; "
                                 f"'{layer.name}' ({type(layer).__name__}) has {layer.output_count} (return_state). "
                                 "For multi-output layers, use the functional API.")
            if any(l is layer for l in self._stack):
                raise ValueError(f"Layer '{layer.name}' is already in this model.")
            self._stack.append(layer)
        if rebuild:
            self._maybe_build()

    def pop(self):
        layer = self._stack.pop()
        self.built = False
        self._maybe_build()
        return layer

    def build(self, input_shape=None) -> None:
        """Build for `input_shape` (batch dimension included, as Keras takes it)."""
        if input_shape is not None and self._input_layer is None:
            self._input_layer = InputLayer(shape=tuple(input_shape)[1:])
        self._maybe_build()
        if not self.built:
            raise ValueError("Sequential.build needs an input_shape, e.g. build((None, 784)).")

    def _maybe_build(self) -> None:
        first = self._stack[0] if self._stack else None
        if self._input_layer is None and first is not None:
            if isinstance(first, Model) and first.built:
                self._input_layer = InputLayer(shape=tuple(first.input_shape[1:]))
            elif getattr(first, "declared_input_shape", None) is not None:
                self._input_layer = InputLayer(shape=tuple(first.declared_input_shape[1:]))
        if self._input_layer is None or not self._stack:
            return
        x = inputs = tensor_of_input(self._input_layer)
        for layer in self._stack:
            x = layer(x)
        self._install_trace(trace(inputs, x))

    def _build_from_data(self, x) -> None:
        if not self.built and self._stack:
            self.build((None, *x.shape[1:]))

    @property
    def layers(self) -> list:
        return list(self._stack)
