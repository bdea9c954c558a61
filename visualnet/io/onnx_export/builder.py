"""A small ONNX graph builder: unique names, constants as initializers, one-output nodes,
and Keras's activations as ONNX operators (opset 17)."""

from __future__ import annotations

import re

import numpy as np

OPSET = 17


class OnnxExportError(ValueError):
    """The model (or one of its layers) cannot be written as ONNX; the message says which."""


class Builder:
    def __init__(self):
        from onnx import helper, numpy_helper

        self._helper, self._numpy_helper = helper, numpy_helper
        self.nodes: list = []
        self.initializers: list = []
        self._used: set[str] = set()

    def name(self, base: str) -> str:
        base = re.sub(r"[^\w./-]", "_", base) or "t"
        name, i = base, 1
        while name in self._used:
            name, i = f"{base}_{i}", i + 1
        self._used.add(name)
        return name

    def const(self, value, base: str = "const", dtype=np.float32) -> str:
        """An initializer holding `value` (float32 unless `dtype` says otherwise)."""
        name = self.name(base)
        self.initializers.append(self._numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def ints(self, values, base: str = "shape") -> str:
        return self.const(np.asarray(values, dtype=np.int64).reshape(-1), base, np.int64)

    def op(self, op_type: str, inputs: list, base: str, **attrs) -> str:
        return self.ops(op_type, inputs, base, 1, **attrs)[0]

    def ops(self, op_type: str, inputs: list, base: str, n_out: int, **attrs) -> list[str]:
        outs = [self.name(f"{base}/{op_type}" + (f"_{i}" if n_out > 1 else "")) for i in range(n_out)]
        self.nodes.append(self._helper.make_node(op_type, list(inputs), outs, name=self.name(f"{base}/{op_type}_node"),
                                                 **attrs))
        return outs

    # ---------------------------------------------------------------- helpers
    def transpose(self, x: str, perm, base: str) -> str:
        return self.op("Transpose", [x], base, perm=list(perm))

    def scalar(self, value: float, base: str = "c") -> str:
        return self.const(np.float32(value), base)

    def unsqueeze(self, x: str, axes, base: str) -> str:
        return self.op("Unsqueeze", [x, self.ints(axes, "axes")], base)

    def squeeze(self, x: str, axes, base: str) -> str:
        return self.op("Squeeze", [x, self.ints(axes, "axes")], base)

    def slice(self, x: str, starts, ends, axes, base: str, steps=None) -> str:
        ins = [x, self.ints(starts, "starts"), self.ints(ends, "ends"), self.ints(axes, "axes")]
        if steps is not None:
            ins.append(self.ints(steps, "steps"))
        return self.op("Slice", ins, base)

    def reverse(self, x: str, axis: int, base: str) -> str:
        """`x` reversed along `axis`."""
        big = np.iinfo(np.int64).max
        return self.slice(x, [-1], [-big], [axis], base, steps=[-1])


def activation(b: Builder, name: str | None, x: str, base: str) -> str:
    """`x` through Keras's activation `name` (None and "linear": unchanged)."""
    name = name or "linear"
    simple = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "softplus": "Softplus", "softsign": "Softsign",
              "exponential": "Exp", "selu": "Selu", "elu": "Elu", "celu": "Celu", "hard_silu": "HardSwish",
              "hard_swish": "HardSwish"}
    if name == "linear":
        return x
    if name in simple:
        return b.op(simple[name], [x], base)
    if name == "softmax":
        return b.op("Softmax", [x], base, axis=-1)
    if name == "log_softmax":
        return b.op("LogSoftmax", [x], base, axis=-1)
    if name == "leaky_relu":
        return b.op("LeakyRelu", [x], base, alpha=0.2)
    if name in ("swish", "silu"):
        return b.op("Mul", [x, b.op("Sigmoid", [x], base)], base)
    if name == "gelu":      # Keras's default: the exact form 0.5 x (1 + erf(x / sqrt 2))
        erf = b.op("Erf", [b.op("Mul", [x, b.scalar(1 / np.sqrt(2))], base)], base)
        return b.op("Mul", [b.op("Mul", [x, b.scalar(0.5)], base), b.op("Add", [erf, b.scalar(1.0)], base)], base)
    if name == "hard_sigmoid":
        return b.op("HardSigmoid", [x], base, alpha=1 / 6, beta=0.5)
    if name in ("relu6", "hard_tanh", "sparse_sigmoid"):
        lo, hi = (0.0, 6.0) if name == "relu6" else (-1.0, 1.0)
        if name == "sparse_sigmoid":
            x, lo, hi = b.op("Mul", [b.op("Add", [x, b.scalar(1.0)], base), b.scalar(0.5)], base), 0.0, 1.0
        return b.op("Clip", [x, b.scalar(lo), b.scalar(hi)], base)
    if name == "mish":
        return b.op("Mul", [x, b.op("Tanh", [b.op("Softplus", [x], base)], base)], base)
    if name == "log_sigmoid":
        return b.op("Neg", [b.op("Softplus", [b.op("Neg", [x], base)], base)], base)
    if name == "tanh_shrink":
        return b.op("Sub", [x, b.op("Tanh", [x], base)], base)
    if name in ("soft_shrink", "hard_shrink"):
        return b.op("Shrink", [x], base, lambd=0.5, bias=0.5 if name == "soft_shrink" else 0.0)
    if name == "squareplus":
        root = b.op("Sqrt", [b.op("Add", [b.op("Mul", [x, x], base), b.scalar(4.0)], base)], base)
        return b.op("Mul", [b.op("Add", [x, root], base), b.scalar(0.5)], base)
    if name == "sparse_plus":
        quad = b.op("Mul", [b.op("Mul", [b.op("Add", [x, b.scalar(1.0)], base)] * 2, base), b.scalar(0.25)], base)
        upper = b.op("Where", [b.op("GreaterOrEqual", [x, b.scalar(1.0)], base), x, quad], base)
        return b.op("Where", [b.op("LessOrEqual", [x, b.scalar(-1.0)], base), b.scalar(0.0), upper], base)
    raise OnnxExportError(f"the activation {name!r} has no ONNX form")
