"""Symbolic tensors of the functional API: `x = Dense(10)(Input((4,)))` records which
layer made each tensor from which inputs, so `Model(inputs, outputs)` can trace the graph;
`owner` is the nested model whose call made it (None for a layer's own call) and `call_args`
the tensors that call received."""

from __future__ import annotations


class KerasTensor:
    """A placeholder with a shape (batch dimension None) and the layer that produced it."""

    def __init__(self, shape: tuple, layer, inputs: list["KerasTensor"], owner=None, call_args=None):
        self.shape = tuple(shape)
        self.dtype = "float32"
        self.layer = layer
        self.inputs = list(inputs)
        self.owner = owner
        self.call_args = call_args

    @property
    def name(self) -> str:
        return self.layer.name

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, name={self.name}>"
