"""A reverse-mode tape for the maths of user code (custom layers, losses and models).

`TapeTensor` wraps a NumPy value. While a `Tape` records (`with Tape() as tape:`), every op
of `visualnet.ops` on a tracked tensor returns a new tracked tensor holding its parents and
its local backward rule (micrograd's design: each rule is local and obvious);
`tape.gradients(output, dy)` walks them back. A weight (`Weight`, what a custom layer's
`add_weight` returns) becomes one leaf per tape, so its gradient is collected with the
inputs'. Outside a tape the ops are plain NumPy on float32 arrays.
"""

from __future__ import annotations

import threading

import numpy as np

_local = threading.local()


def active_tape() -> "Tape | None":
    """The tape recording on this thread, if any."""
    return getattr(_local, "tape", None)


class Tape:
    """Records the ops on tracked tensors made while it is active (a context manager)."""

    def __init__(self):
        self._leaves: dict[int, tuple[object, "TapeTensor"]] = {}  # id(weight) -> (weight, leaf)
        self._layers: dict[int, object] = {}  # registry layers whose rules add to their own `grads`
        self._outer = None

    def __enter__(self) -> "Tape":
        self._outer = active_tape()
        _local.tape = self
        return self

    def __exit__(self, *exc) -> None:
        _local.tape = self._outer

    def watch(self, value) -> "TapeTensor":
        """A tracked leaf holding `value` (an input whose gradient is wanted)."""
        return TapeTensor(as_array(value), tracked=True)

    def leaf_of(self, weight) -> "TapeTensor":
        """The tracked leaf of a weight (made at its first use on this tape)."""
        item = self._leaves.get(id(weight))
        if item is None:
            item = self._leaves[id(weight)] = (weight, TapeTensor(weight.value, tracked=True))
        return item[1]

    def note_layer(self, layer) -> None:
        """A registry layer called on this tape (its rule adds to `layer.grads`)."""
        self._layers[id(layer)] = layer

    @property
    def layers(self) -> list:
        """The registry layers called on this tape, in first-call order."""
        return list(self._layers.values())

    @property
    def weights(self) -> list:
        """(weight, leaf) for each weight used on this tape, in first-use order."""
        return list(self._leaves.values())

    def gradients(self, outputs, grads) -> None:
        """Back-propagate `grads` (one per output) from `outputs`; every tracked tensor
        reached gets `.grad` (leaves keep theirs; None where no gradient reached)."""
        order, seen = [], set()
        for out in outputs:
            _topological(out, seen, order)
        for t in order:
            t.grad = None
        for out, g in zip(outputs, grads):
            if isinstance(out, TapeTensor) and out.tracked and g is not None:
                out.grad = _accumulate(out.grad, np.asarray(g, np.float32).reshape(out.shape))
        for t in reversed(order):
            if t.grad is None or t.backward is None:
                continue
            for parent, g in zip(t.parents, t.backward(t.grad)):
                if g is not None and isinstance(parent, TapeTensor) and parent.tracked:
                    parent.grad = _accumulate(parent.grad, _unbroadcast(g, parent.shape))
            if t.parents:
                t.grad = None  # an intermediate's gradient is not needed after its rule ran


def is_tracked(*values) -> bool:
    """Whether any of `values` is a tensor recorded on a tape (its ops are differentiable)."""
    return any(isinstance(v, TapeTensor) and v.tracked for v in values)


def begin_pass() -> None:
    """Start a pass over a model (or an eager call): each registry layer called on the tape
    runs on its own twin per call within the pass (`pass_twin`), counted from zero."""
    _local.calls = {}


def pass_twin(layer):
    """The twin a registry layer's next call in this pass runs on (its own buffers and
    gradients, the layer's weights), made once per call index and then reused."""
    calls = getattr(_local, "calls", None)
    if calls is None:
        calls = _local.calls = {}
    i = calls.get(id(layer), 0)
    calls[id(layer)] = i + 1
    twins = layer.__dict__.setdefault("_tape_twins", [])
    while len(twins) <= i:
        twins.append(layer.call_twin())
    return twins[i]


def _topological(root, seen: set, order: list) -> None:
    """Append the tracked tensors `root` depends on, parents first (iteratively)."""
    if not isinstance(root, TapeTensor) or not root.tracked or id(root) in seen:
        return
    stack = [(root, False)]
    while stack:
        t, done = stack.pop()
        if done:
            order.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        for p in t.parents:
            if isinstance(p, TapeTensor) and p.tracked and id(p) not in seen:
                stack.append((p, False))


def _accumulate(old, new):
    return new if old is None else old + new


def _unbroadcast(g, shape: tuple) -> np.ndarray:
    """Sum `g` down to `shape` (the inverse of NumPy's broadcasting)."""
    g = np.asarray(g)
    if g.shape == tuple(shape):
        return g
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    axes = tuple(i for i, d in enumerate(shape) if d == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)


def as_array(x) -> np.ndarray:
    """The NumPy value of a tensor, weight, array or number (floats in float32)."""
    if isinstance(x, TapeTensor):
        return x.value
    value = getattr(x, "value", None) if hasattr(x, "_tape_weight") else None
    a = np.asarray(x if value is None else value)
    if a.dtype == np.float64 or a.dtype == np.float16:
        a = a.astype(np.float32)
    elif a.dtype == object:
        raise TypeError(f"Expected a tensor or a number; received {x!r}.")
    return a


def lift(x):
    """`x` as an op argument: a tracked tensor stays; a weight becomes its leaf on the
    active tape (its value when none records); anything else becomes an array."""
    if isinstance(x, TapeTensor):
        return x
    if hasattr(x, "_tape_weight"):
        tape = active_tape()
        return tape.leaf_of(x) if tape is not None else x.value
    return as_array(x)


class TapeTensor:
    """A value with, when `tracked`, the tensors it was made from and the rule giving
    their gradients from its own (`backward(g) -> one gradient or None per parent`)."""

    __array_ufunc__ = None      # NumPy's operators defer to ours (x + array, array * x)
    __hash__ = object.__hash__  # == is element-wise, as for Keras's tensors

    def __init__(self, value, parents=(), backward=None, tracked=False):
        self.value = value
        self.parents = tuple(parents)
        self.backward = backward
        self.tracked = tracked
        self.grad = None

    # NumPy-like views
    @property
    def shape(self) -> tuple:
        return self.value.shape

    @property
    def ndim(self) -> int:
        return self.value.ndim

    @property
    def dtype(self):
        return self.value.dtype

    @property
    def size(self) -> int:
        return self.value.size

    def numpy(self) -> np.ndarray:
        return np.array(self.value, copy=True)

    def __array__(self, dtype=None, copy=None):
        value = np.asarray(self.value)
        return value if dtype is None else value.astype(dtype)

    def __len__(self) -> int:
        return len(self.value)

    def __float__(self) -> float:
        return float(self.value)

    def __int__(self) -> int:
        return int(self.value)

    def __bool__(self) -> bool:
        return bool(self.value)

    def __repr__(self) -> str:
        return f"<TapeTensor shape={self.shape}, dtype={self.dtype}, tracked={self.tracked}>"

    @property
    def T(self):
        from . import tensor_ops
        return tensor_ops.transpose(self)

    # operators: `visualnet.ops`
    def __add__(self, o):
        return _op("add")(self, o)

    def __radd__(self, o):
        return _op("add")(o, self)

    def __sub__(self, o):
        return _op("subtract")(self, o)

    def __rsub__(self, o):
        return _op("subtract")(o, self)

    def __mul__(self, o):
        return _op("multiply")(self, o)

    def __rmul__(self, o):
        return _op("multiply")(o, self)

    def __truediv__(self, o):
        return _op("divide")(self, o)

    def __rtruediv__(self, o):
        return _op("divide")(o, self)

    def __pow__(self, o):
        return _op("power")(self, o)

    def __rpow__(self, o):
        return _op("power")(o, self)

    def __matmul__(self, o):
        return _op("matmul")(self, o)

    def __rmatmul__(self, o):
        return _op("matmul")(o, self)

    def __neg__(self):
        return _op("negative")(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _op("abs")(self)

    def __lt__(self, o):
        return _op("less")(self, o)

    def __le__(self, o):
        return _op("less_equal")(self, o)

    def __gt__(self, o):
        return _op("greater")(self, o)

    def __ge__(self, o):
        return _op("greater_equal")(self, o)

    def __eq__(self, o):
        return _op("equal")(self, o)

    def __ne__(self, o):
        return _op("not_equal")(self, o)

    def __getitem__(self, item):
        return _op("get_item")(self, item)


def _op(name: str):
    from . import tensor_ops
    return getattr(tensor_ops, name)
