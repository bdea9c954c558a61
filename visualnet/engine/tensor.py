"""Symbolic tensors of the functional API: `x = Dense(10)(Input((4,)))` records which
layer made each tensor from which inputs, so `Model(inputs, outputs)` can trace the graph;
`owner` is the nested model whose call made it (None for a layer's own call) and `call_args`
the tensors that call received."""

from __future__ import annotations


class KerasTensor:
    """A placeholder with a shape (batch dimension None) and the layer that produced it."""

    def __init__(self, shape: tuple, layer, inputs: list["KerasTensor"], owner=None, call_args=None,
                 port: int = 0, call=None):
        self.shape = tuple(shape)
        self.dtype = "float32"
        self.layer = layer
        self.inputs = list(inputs)
        self.owner = owner
        self.call_args = call_args
        self.port = port  # which output of its layer's call (LSTM with return_state: 0, 1, 2)
        self.call = call  # the list of tensors one call with several outputs made (None: one output)

    @property
    def call_key(self) -> int:
        """The same for every output of one call (tracing makes one node per call)."""
        return id(self.call) if self.call is not None else id(self)

    @property
    def name(self) -> str:
        return self.layer.name

    @property
    def _keras_mask(self):
        """Keras's symbolic mask: a (batch, steps) boolean tensor when a mask reaches this
        tensor (Embedding's mask_zero, Masking, passed on by the layers since), else None."""
        from .layers.public_masks import symbolic_mask

        return symbolic_mask(self)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, name={self.name}>"

    # Keras 3's operators: each records its op as a node of the model (symbolic_ops.py); as in
    # Keras, == and != stay identity (tensors are dict keys) and iterating is refused
    __array_ufunc__ = None      # NumPy's operators defer to ours (array * x)

    def __iter__(self):
        raise NotImplementedError("Iterating over a symbolic KerasTensor is not supported; index it (x[:, 0]) or "
                                  "use ops.split / ops.unstack.")

    def __add__(self, o): return _op("add", self, o)
    def __radd__(self, o): return _op("add", o, self)
    def __sub__(self, o): return _op("subtract", self, o)
    def __rsub__(self, o): return _op("subtract", o, self)
    def __mul__(self, o): return _op("multiply", self, o)
    def __rmul__(self, o): return _op("multiply", o, self)
    def __truediv__(self, o): return _op("true_divide", self, o)
    def __rtruediv__(self, o): return _op("true_divide", o, self)
    def __pow__(self, o): return _op("power", self, o)
    def __rpow__(self, o): return _op("power", o, self)
    def __matmul__(self, o): return _op("matmul", self, o)
    def __rmatmul__(self, o): return _op("matmul", o, self)
    def __neg__(self): return _op("negative", self)
    def __abs__(self): return _op("absolute", self)
    def __lt__(self, o): return _op("less", self, o)
    def __le__(self, o): return _op("less_equal", self, o)
    def __gt__(self, o): return _op("greater", self, o)
    def __ge__(self, o): return _op("greater_equal", self, o)
    def __and__(self, o): return _op("logical_and", self, o)
    def __rand__(self, o): return _op("logical_and", o, self)
    def __or__(self, o): return _op("logical_or", self, o)
    def __ror__(self, o): return _op("logical_or", o, self)
    def __invert__(self): return _op("logical_not", self)
    def __getitem__(self, key): return _op("get_item", self, key)

    def __round__(self, ndigits=None):
        return _op("round", self, decimals=ndigits or 0)


def _op(name: str, *args, **kwargs) -> "KerasTensor":
    """The KerasTensor of `ops.<name>(*args)` (imported here: the ops import this module)."""
    from . import symbolic_ops, tensor_ops

    return symbolic_ops.symbolic_call(name, getattr(tensor_ops, name), args, kwargs)
