"""ONNX graphs from elsewhere (PyTorch's exporter, other tools) as VisualNet layers.

Each ONNX tensor is held as a canvas node and a permutation P of its non-batch axes (the
canvas tensor is the ONNX tensor transposed by P): ONNX's Transpose then only changes P,
channels-first convolutions get a Permute to channels-last when P is not already that, and
Flatten, Reshape and matrix products get one back to ONNX's order. Operators without a
layer are listed by name, all at once."""

from __future__ import annotations

import numpy as np

from ...graph import Graph
from ..onnx_export.rules_conv import same_pads
from .errors import OnnxImportError

ACTIVATIONS = {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Softplus": "softplus", "Softsign": "softsign",
               "Selu": "selu", "Exp": "exponential", "Gelu": "gelu", "Mish": "mish", "HardSwish": "hard_swish"}
MERGES = {"Add": "Add", "Sub": "Subtract", "Mul": "Multiply", "Max": "Maximum", "Min": "Minimum", "Sum": "Add",
          "Mean": "Average"}
PASS = {"Identity", "Dropout"}
SUPPORTED = {*ACTIVATIONS, *MERGES, *PASS, "Gemm", "MatMul", "Conv", "MaxPool", "AveragePool", "GlobalAveragePool",
             "GlobalMaxPool", "BatchNormalization", "Flatten", "Reshape", "Transpose", "Concat", "Softmax",
             "LogSoftmax", "LeakyRelu", "Elu", "Clip", "Constant"}


class _Value:
    """An ONNX tensor on the canvas: node id, permutation (non-batch axes, 1-based) and ONNX shape."""

    def __init__(self, node: str, perm: tuple, shape: tuple):
        self.node, self.perm, self.shape = node, tuple(perm), tuple(shape)


class Converter:
    def __init__(self, proto):
        from onnx import numpy_helper, shape_inference

        self.proto = proto
        self.graph = Graph()
        self.weights: dict[str, list] = {}
        self.consts = {t.name: numpy_helper.to_array(t) for t in proto.graph.initializer}
        inferred = shape_inference.infer_shapes(proto)
        self.shapes = {}
        for v in [*inferred.graph.value_info, *inferred.graph.input, *inferred.graph.output]:
            dims = v.type.tensor_type.shape.dim
            self.shapes[v.name] = tuple(d.dim_value if d.HasField("dim_value") else None for d in dims)
        self.values: dict[str, _Value] = {}
        self._numpy_helper = numpy_helper

    # ---------------------------------------------------------------- canvas
    def add(self, layer_type: str, params: dict, inputs: list[str], name: str, weights=None) -> str:
        node = self.graph.add_node(layer_type, params, name=self.graph.unique_name(_clean(name)))
        for port, src in enumerate(inputs):
            self.graph.connect(src, node.id, port)
        if weights is not None:
            self.weights[node.id] = [np.asarray(w, np.float32) for w in weights]
        return node.id

    def with_perm(self, v: _Value, perm: tuple, name: str) -> str:
        """The canvas node holding `v` transposed by `perm` (a Permute when it is not already)."""
        if v.perm == tuple(perm):
            return v.node
        dims = tuple(v.perm.index(p) + 1 for p in perm)
        return self.add("Permute", {"dims": dims}, [v.node], f"{name}_permute")

    @staticmethod
    def identity(rank: int) -> tuple:
        return tuple(range(1, rank))

    @staticmethod
    def last(rank: int) -> tuple:
        return (*range(2, rank), 1)

    # ---------------------------------------------------------------- reading
    def value(self, name: str) -> _Value:
        if name not in self.values:
            raise OnnxImportError(f"the tensor {name!r} is computed from constants only, which VisualNet cannot hold")
        return self.values[name]

    def const(self, name: str, what: str) -> np.ndarray:
        if name not in self.consts:
            raise OnnxImportError(f"{what} must be a constant (an initializer); {name!r} is computed")
        return self.consts[name]

    def convert(self) -> tuple[Graph, dict]:
        init = set(self.consts)
        for inp in self.proto.graph.input:
            if inp.name in init:
                continue
            shape = self.shapes.get(inp.name, ())
            if len(shape) < 2:
                raise OnnxImportError(f"the input {inp.name!r} has no batch dimension (shape {shape})")
            nid = self.add("Input", {"shape": tuple(shape[1:])}, [], inp.name)
            self.values[inp.name] = _Value(nid, self.identity(len(shape)), shape)
        unknown = sorted({n.op_type for n in self.proto.graph.node} - SUPPORTED)
        if unknown:
            raise OnnxImportError(f"no VisualNet layer for the ONNX operator(s) {', '.join(unknown)}")
        for node in self.proto.graph.node:
            self.convert_node(node)
        for out in self.proto.graph.output:
            v = self.value(out.name)
            if v.perm != self.identity(len(v.shape)):
                self.values[out.name] = _Value(self.with_perm(v, self.identity(len(v.shape)), out.name),
                                               self.identity(len(v.shape)), v.shape)
        return self.graph, self.weights

    def convert_node(self, node) -> None:
        from onnx import helper

        op, attrs = node.op_type, {a.name: helper.get_attribute_value(a) for a in node.attribute}
        name = node.name or f"{op}_{node.output[0]}"
        out = node.output[0]
        shape = self.shapes.get(out)
        if op == "Constant":
            self.consts[out] = self._numpy_helper.to_array(attrs["value"])
            return
        if op in PASS:
            self.values[out] = self.value(node.input[0])
            return
        if op == "Transpose":
            v = self.value(node.input[0])
            perm = attrs.get("perm", list(reversed(range(len(v.shape)))))
            if perm[0] != 0:
                raise OnnxImportError(f"{name}: a Transpose that moves the batch axis")
            inverse = {p: i for i, p in enumerate(perm)}
            self.values[out] = _Value(v.node, tuple(inverse[p] for p in v.perm), shape or ())
            return
        handler = getattr(self, f"_{op.lower()}", None)
        if op in ACTIVATIONS:
            handler = self._activation
        elif op in MERGES:
            handler = self._merge
        nid, perm = handler(node, attrs, name)
        self.values[out] = _Value(nid, perm, shape if shape is not None else ())

    # ---------------------------------------------------------------- operators
    def _activation(self, node, attrs, name):
        v = self.value(node.input[0])
        return self.add("Activation", {"activation": ACTIVATIONS[node.op_type]}, [v.node], name), v.perm

    def _leakyrelu(self, node, attrs, name):
        v = self.value(node.input[0])
        return self.add("LeakyReLU", {"negative_slope": float(attrs.get("alpha", 0.01))}, [v.node], name), v.perm

    def _elu(self, node, attrs, name):
        v = self.value(node.input[0])
        return self.add("ELU", {"alpha": float(attrs.get("alpha", 1.0))}, [v.node], name), v.perm

    def _clip(self, node, attrs, name):
        v = self.value(node.input[0])
        lo = float(self.const(node.input[1], f"{name}'s minimum")) if len(node.input) > 1 and node.input[1] else None
        hi = float(self.const(node.input[2], f"{name}'s maximum")) if len(node.input) > 2 and node.input[2] else None
        if lo == 0.0 and hi == 6.0:
            return self.add("Activation", {"activation": "relu6"}, [v.node], name), v.perm
        if lo == 0.0:
            return self.add("ReLU", {"max_value": hi}, [v.node], name), v.perm
        raise OnnxImportError(f"{name}: a Clip to [{lo}, {hi}] has no layer (ReLU clips to [0, max])")

    def _softmax(self, node, attrs, name, kind="softmax"):
        v = self.value(node.input[0])
        axis = int(attrs.get("axis", -1)) % len(v.shape)
        canvas_axis = v.perm.index(axis) + 1 if axis else 0
        if canvas_axis == len(v.shape) - 1:
            return self.add("Activation", {"activation": kind}, [v.node], name), v.perm
        if kind != "softmax":
            raise OnnxImportError(f"{name}: a LogSoftmax over another axis than the last")
        return self.add("Softmax", {"axis": canvas_axis}, [v.node], name), v.perm

    def _logsoftmax(self, node, attrs, name):
        return self._softmax(node, attrs, name, "log_softmax")

    def _merge(self, node, attrs, name):
        tensors = [i for i in node.input if i in self.values]
        consts = [i for i in node.input if i not in self.values]
        if consts:
            return self._add_bias(node, name, tensors, consts)
        first = self.value(tensors[0])
        nodes = [first.node] + [self.with_perm(self.value(t), first.perm, name) for t in tensors[1:]]
        return self.add(MERGES[node.op_type], {}, nodes, name), first.perm

    def _add_bias(self, node, name, tensors, consts):
        """x + b after a MatMul: the Dense's bias."""
        v = self.value(tensors[0])
        dense = self.graph.nodes[v.node]
        bias = self.const(consts[0], f"{name}'s operand")
        if node.op_type != "Add" or dense.type != "Dense" or dense.params["use_bias"] or len(tensors) != 1 \
                or bias.reshape(-1).shape != (dense.params["units"],):
            raise OnnxImportError(f"{name}: {node.op_type} with a constant has no layer (only a bias after MatMul)")
        self.graph.set_params(v.node, use_bias=True)
        self.weights[v.node].append(bias.reshape(-1).astype(np.float32))
        return v.node, v.perm

    def _gemm(self, node, attrs, name):
        v = self.value(node.input[0])
        if len(v.shape) != 2 or attrs.get("transA", 0):
            raise OnnxImportError(f"{name}: a Gemm whose first input is not a (batch, features) matrix")
        w = self.const(node.input[1], f"{name}'s weight") * float(attrs.get("alpha", 1.0))
        kernel = w.T if attrs.get("transB", 0) else w
        weights = [kernel]
        if len(node.input) > 2 and node.input[2]:
            weights.append(np.broadcast_to(self.const(node.input[2], f"{name}'s bias") * float(attrs.get("beta", 1.0)),
                                           (kernel.shape[1],)))
        return self.add("Dense", {"units": int(kernel.shape[1]), "use_bias": len(weights) > 1}, [v.node], name,
                        weights), v.perm

    def _matmul(self, node, attrs, name):
        v = self.value(node.input[0])
        kernel = self.const(node.input[1], f"{name}'s second operand")
        if kernel.ndim != 2:
            raise OnnxImportError(f"{name}: a MatMul by a constant of rank {kernel.ndim}")
        src = self.with_perm(v, self.identity(len(v.shape)), name)
        return self.add("Dense", {"units": int(kernel.shape[1]), "use_bias": False}, [src], name, [kernel]), \
            self.identity(len(v.shape))

    def _flatten(self, node, attrs, name):
        v = self.value(node.input[0])
        if int(attrs.get("axis", 1)) != 1:
            raise OnnxImportError(f"{name}: a Flatten that keeps more than the batch axis")
        return self.add("Flatten", {}, [self.with_perm(v, self.identity(len(v.shape)), name)], name), (1,)

    def _reshape(self, node, attrs, name):
        v = self.value(node.input[0])
        target = self.shapes.get(node.output[0])
        if not target or any(d is None for d in target[1:]):
            raise OnnxImportError(f"{name}: a Reshape whose result's shape is not known")
        src = self.with_perm(v, self.identity(len(v.shape)), name)
        if len(target) == 2:
            return self.add("Flatten", {}, [src], name), (1,)
        return self.add("Reshape", {"target_shape": tuple(target[1:])}, [src], name), self.identity(len(target))

    def _concat(self, node, attrs, name):
        first = self.value(node.input[0])
        axis = int(attrs["axis"]) % len(first.shape)
        if axis == 0:
            raise OnnxImportError(f"{name}: a Concat along the batch axis")
        nodes = [first.node] + [self.with_perm(self.value(i), first.perm, name) for i in node.input[1:]]
        return self.add("Concatenate", {"axis": first.perm.index(axis) + 1}, nodes, name), first.perm

    def _batchnormalization(self, node, attrs, name):
        v = self.value(node.input[0])
        gamma, beta, mean, var = (self.const(i, f"{name}'s statistics") for i in node.input[1:5])
        axis = v.perm.index(1) + 1 if len(v.shape) > 2 else -1
        return self.add("BatchNormalization", {"axis": axis, "epsilon": float(attrs.get("epsilon", 1e-5))},
                        [v.node], name, [gamma, beta, mean, var]), v.perm

    # convolutions and pooling: channels-first in ONNX, channels-last on the canvas
    def _spatial(self, v: _Value, name: str) -> str:
        if len(v.shape) not in (3, 4):
            raise OnnxImportError(f"{name}: only 1-D and 2-D convolutions and pooling are read")
        return self.with_perm(v, self.last(len(v.shape)), name)

    def _padding(self, v, name, kernel, strides, dilations, pads, auto_pad) -> tuple[str, list]:
        """('same' or 'valid', explicit (before, after) pairs to zero-pad first, or [])."""
        dims = len(kernel)
        if auto_pad in ("SAME_UPPER",):
            return "same", []
        if auto_pad not in ("NOTSET", "VALID", ""):
            raise OnnxImportError(f"{name}: auto_pad={auto_pad} has no Keras padding")
        pads = list(pads or [0] * (2 * dims))
        if not any(pads):
            return "valid", []
        if same_pads(v.shape[2:], kernel, strides, dilations) == pads:    # Keras's "same", as the export writes it
            return "same", []
        return "valid", [(pads[i], pads[i + dims]) for i in range(dims)]

    def _zero_pad(self, src: str, pairs: list, name: str) -> str:
        layer = "ZeroPadding1D" if len(pairs) == 1 else "ZeroPadding2D"
        padding = tuple(pairs[0]) if len(pairs) == 1 else tuple(tuple(p) for p in pairs)
        return self.add(layer, {"padding": padding}, [src], f"{name}_pad")

    def _conv(self, node, attrs, name):
        v = self.value(node.input[0])
        w = self.const(node.input[1], f"{name}'s weight")            # (out, in/groups, k...)
        dims = w.ndim - 2
        kernel, strides = list(w.shape[2:]), list(attrs.get("strides", [1] * dims))
        dilations = list(attrs.get("dilations", [1] * dims))
        src = self._spatial(v, name)
        padding, pairs = self._padding(v, name, kernel, strides, dilations, attrs.get("pads"),
                                       attrs.get("auto_pad", "NOTSET"))
        if pairs:
            src = self._zero_pad(src, pairs, name)
        weights = [np.transpose(w, [*range(2, dims + 2), 1, 0])]
        if len(node.input) > 2 and node.input[2]:
            weights.append(self.const(node.input[2], f"{name}'s bias"))
        params = {"filters": int(w.shape[0]), "kernel_size": tuple(kernel), "strides": tuple(strides),
                  "padding": padding, "dilation_rate": tuple(dilations), "groups": int(attrs.get("group", 1)),
                  "use_bias": len(weights) > 1}
        return self.add(f"Conv{dims}D", params, [src], name, weights), self.last(dims + 2)

    def _pool(self, node, attrs, name, kind):
        v = self.value(node.input[0])
        dims = len(v.shape) - 2
        kernel = list(attrs["kernel_shape"])
        strides = list(attrs.get("strides", [1] * dims))
        if attrs.get("ceil_mode", 0):
            raise OnnxImportError(f"{name}: ceil_mode=1 has no Keras pooling")
        if any(d != 1 for d in attrs.get("dilations", [1] * dims)):
            raise OnnxImportError(f"{name}: dilated pooling has no Keras layer")
        src = self._spatial(v, name)
        pads = list(attrs.get("pads") or [0] * (2 * dims))
        counted = kind == "Average" and bool(attrs.get("count_include_pad", 0)) and any(pads)
        if counted:      # ONNX averages the padding's zeros too: pad first, then a valid pooling
            padding, pairs = "valid", [(pads[i], pads[i + dims]) for i in range(dims)]
        else:            # Keras's "same" pooling leaves the padding out, as ONNX then does
            padding, pairs = self._padding(v, name, kernel, strides, [1] * dims, pads,
                                           attrs.get("auto_pad", "NOTSET"))
            if pairs:
                raise OnnxImportError(f"{name}: {kind.lower()} pooling over uneven padding has no Keras layer")
        if pairs:
            src = self._zero_pad(src, pairs, name)
        params = {"pool_size": tuple(kernel), "strides": tuple(strides), "padding": padding}
        return self.add(f"{kind}Pooling{dims}D", params, [src], name), self.last(dims + 2)

    def _maxpool(self, node, attrs, name):
        return self._pool(node, attrs, name, "Max")

    def _averagepool(self, node, attrs, name):
        return self._pool(node, attrs, name, "Average")

    def _global(self, node, name, kind):
        v = self.value(node.input[0])
        dims = len(v.shape) - 2
        src = self._spatial(v, name)
        return self.add(f"Global{kind}Pooling{dims}D", {"keepdims": True}, [src], name), self.last(dims + 2)

    def _globalaveragepool(self, node, attrs, name):
        return self._global(node, name, "Average")

    def _globalmaxpool(self, node, attrs, name):
        return self._global(node, name, "Max")


def _clean(name: str) -> str:
    out = "".join(c if c.isalnum() or c in "_-" else "_" for c in name).strip("_")
    return out or "layer"
