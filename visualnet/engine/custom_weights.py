"""The weights of user-written layers (custom_layer.py): `Weight`, what `add_weight` returns,
and the regularizers and constraints given to it."""

from __future__ import annotations

from ..graph import WeightSpec
from .variables import Variable


class Weight(Variable):
    """A weight made by `add_weight`: a live handle whose ops (`w + x`, `ops.matmul(x, w)`)
    are recorded on the tape, so the weight gets its gradient."""

    _tape_weight = True

    def __init__(self, layer, key: str, spec: WeightSpec, name: str, regularizer=None, constraint=None):
        super().__init__(layer, key, spec)
        self._display_name, self.regularizer, self.constraint = name, regularizer, constraint

    @property
    def name(self) -> str:
        return self._display_name

    @property
    def path(self) -> str:
        return f"{self._layer.name}/{self._display_name}"

    @property
    def trainable(self) -> bool:
        return self._spec.trainable

    def _op(name):
        def method(self, *args):
            from . import tensor_ops
            return getattr(tensor_ops, name)(self, *args)
        return method

    def _rop(name):
        def method(self, other):
            from . import tensor_ops
            return getattr(tensor_ops, name)(other, self)
        return method

    __add__, __radd__ = _op("add"), _rop("add")
    __sub__, __rsub__ = _op("subtract"), _rop("subtract")
    __mul__, __rmul__ = _op("multiply"), _rop("multiply")
    __truediv__, __rtruediv__ = _op("divide"), _rop("divide")
    __pow__, __rpow__ = _op("power"), _rop("power")
    __matmul__, __rmatmul__ = _op("matmul"), _rop("matmul")
    __neg__ = _op("negative")
    __getitem__ = _op("get_item")
    del _op, _rop


def weight_rule_of(kind: str, value):
    """A weight's regularizer or constraint: a callable as given (one written with ops is
    differentiated on the tape), a name or config through the engine's module."""
    if value is None or callable(value):
        return value
    from . import constraints, regularizers
    return (regularizers if kind == "regularizer" else constraints).get(value)


def is_engine_rule(rule) -> bool:
    """Whether a regularizer is the engine's (with its own `gradient`)."""
    return rule is not None and hasattr(rule, "gradient")
