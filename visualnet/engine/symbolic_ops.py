"""`keras.ops` and operators on the functional API's symbolic tensors (issue 23):
`ops.concatenate([x, x * 2.0], axis=-1) + 1.0` on KerasTensors records each op as Keras 3
records an Operation, here a node of the model's graph: an `OpLayer`, a Python-API layer
(custom_layer.py) whose call replays the op on the tape, so the model trains through it.

The op's arguments are kept as a template: each KerasTensor becomes a slot filled with the
layer's input at run time; numbers, NumPy constants, slices and keyword arguments stay.
The output shape is the op's on ones of the input shapes (two batch sizes tell which
dimensions follow the batch), as Keras's `compute_output_spec`.
"""

from __future__ import annotations

import functools

import numpy as np

from .custom_layer import Layer
from .naming import auto_name
from .tape import as_array
from .tensor import KerasTensor

# Keras 3's Operation of each op: {op: (module, class name, the constructor's arguments)}; the
# other arguments are the call's, in order (keras/src/ops/{numpy,nn,math,core}.py)
_MODULES = {"n": "keras.src.ops.numpy", "nn": "keras.src.ops.nn", "m": "keras.src.ops.math", "c": "keras.src.ops.core"}
_TABLE = """
n abs|absolute|add|ceil|cos|divide|dot|equal|exp|expm1|floor|get_item|greater|greater_equal|less|less_equal|log|log1p
n logical_and|logical_not|logical_or|matmul|maximum|minimum|multiply|negative|not_equal|power|reciprocal|sign|sin
n sqrt|square|subtract|tanh|true_divide|where|floor_divide|mod|logical_xor
n all:axis,keepdims|any:axis,keepdims|amax:axis,keepdims|amin:axis,keepdims|argmax:axis,keepdims
n argmin:axis,keepdims|broadcast_to:shape|clip:x_min,x_max|concatenate:axis|cumsum:axis,dtype|expand_dims:axis
n flip:axis|max:axis,keepdims,initial|min:axis,keepdims,initial|mean:axis,keepdims|ones_like:dtype|zeros_like:dtype
n pad:pad_width,mode|prod:axis,keepdims,dtype|repeat:repeats,axis|reshape:newshape|round:decimals|squeeze:axis
n stack:axis|std:axis,keepdims|sum:axis,keepdims|swapaxes:axis1,axis2|take:axis|take_along_axis:axis
n tensordot:axes|tile:repeats|transpose:axes|var:axis,keepdims|split:indices_or_sections,axis
nn relu|sigmoid|silu|softplus|elu:alpha|gelu:approximate|leaky_relu:negative_slope|log_softmax:axis|softmax:axis
nn one_hot:num_classes,axis,dtype
m rsqrt|logsumexp:axis,keepdims
c cast:dtype|stop_gradient
n tan|sinh|cosh|arcsin|arccos|arctan|arcsinh|arccosh|arctanh|deg2rad|rad2deg|sinc|log2|log10|exp2|cbrt|fabs|trunc
n signbit|isnan|isinf|isfinite|isneginf|isposinf|nan_to_num:nan,posinf,neginf|arctan2|hypot|logaddexp|logaddexp2
n fmax|fmin|fmod|divide_no_nan|heaviside|gcd|lcm|hstack|vstack|dstack|append:axis|moveaxis:source,destination
n ravel|roll:shift,axis|rot90:k,axes|fliplr|flipud|diagonal:offset,axis1,axis2|trace:offset,axis1,axis2|diag:k
n tril:k|triu:k|diff:n,axis|full_like:dtype|copy|argsort:axis|sort:axis|quantile:axis,method,keepdims
n percentile:axis,method,keepdims|median:axis,keepdims|ptp:axis,keepdims|count_nonzero:axis|cumprod:axis,dtype
n nansum:axis,keepdims|nanmean:axis,keepdims|nanmax:axis,keepdims|nanmin:axis,keepdims|nanvar:axis,keepdims
n nanstd:axis,keepdims|average:axis|digitize|outer|inner|vdot|kron
nn relu6|selu|celu:alpha|hard_sigmoid|hard_silu|hard_tanh|log_sigmoid|softsign|glu:axis|sparse_plus|sparse_sigmoid
nn squareplus:b|threshold:threshold,default_value|soft_shrink:threshold|hard_shrink:threshold|tanh_shrink
nn multi_hot:num_classes,axis,dtype,sparse|normalize:axis,order,epsilon|conv:strides,padding,data_format,dilation_rate
nn depthwise_conv:strides,padding,data_format,dilation_rate|max_pool:pool_size,strides,padding,data_format
nn average_pool:pool_size,strides,padding,data_format|binary_crossentropy:from_logits
nn conv_transpose:strides,padding,output_padding,data_format,dilation_rate
nn depth_to_space:block_size,data_format|space_to_depth:block_size,data_format
n ldexp|cross:axisa,axisb,axisc,axis|vander:N,increasing|nancumsum:axis,dtype|nancumprod:axis,dtype|nextafter
n trapezoid:x,dx,axis
nn categorical_crossentropy:from_logits,axis|sparse_categorical_crossentropy:from_logits,axis
m erf|erfc|erfinv|segment_sum:num_segments,sorted|segment_max:num_segments,sorted
m extract_sequences:sequence_length,sequence_stride
c slice:shape|slice_update|scatter_update:reduction
l norm:ord,axis,keepdims|inv|det|solve|solve_triangular:lower
"""
_MODULES["l"] = "keras.src.ops.linalg"   # issue 23: keras.ops.linalg's Operations


def _table() -> dict:
    out = {}
    for line in _TABLE.strip().splitlines():
        mod, ops = line.split(" ", 1)
        for item in ops.split("|"):
            name, _, init = item.partition(":")
            out[name] = (_MODULES[mod], "".join(p.capitalize() for p in name.split("_")),
                         tuple(init.split(",")) if init else ())
    return out


KERAS_OPS = _table()
_IMAGE = "keras.src.ops.image"   # issue 23: keras.ops.image's Operations (their class names are not the op's)
KERAS_OPS.update({
    "resize": (_IMAGE, "Resize", ("size", "interpolation", "antialias", "crop_to_aspect_ratio",
                                  "pad_to_aspect_ratio", "fill_mode", "fill_value", "data_format")),
    "rgb_to_grayscale": (_IMAGE, "RGBToGrayscale", ("data_format",)),
    "rgb_to_hsv": (_IMAGE, "RGBToHSV", ("data_format",)),
    "hsv_to_rgb": (_IMAGE, "HSVToRGB", ("data_format",)),
    "crop_images": (_IMAGE, "CropImages", ("top_cropping", "left_cropping", "bottom_cropping", "right_cropping",
                                           "target_height", "target_width", "data_format")),
    "pad_images": (_IMAGE, "PadImages", ("top_padding", "left_padding", "bottom_padding", "right_padding",
                                         "target_height", "target_width", "data_format")),
    "extract_patches": (_IMAGE, "ExtractPatches", ("size", "strides", "dilation_rate", "padding", "data_format")),
    "affine_transform": (_IMAGE, "AffineTransform", ("interpolation", "fill_mode", "fill_value", "data_format")),
})
_BY_CLASS = {(module, cls): name for name, (module, cls, _) in KERAS_OPS.items()}


class _Slot:
    """The place of the op's `index`-th input tensor in its argument template."""

    def __init__(self, index: int):
        self.index = index


def has_keras_tensor(args, kwargs=None) -> bool:
    """Whether an op's arguments hold a KerasTensor (at the top or in a list, as Keras's
    `any_symbolic_tensors`)."""
    for a in args:      # plain loops: this runs on every op of every custom layer's call
        t = type(a)
        if t is KerasTensor:
            return True
        if t is list or t is tuple:
            for b in a:
                if type(b) is KerasTensor:
                    return True
    return bool(kwargs) and has_keras_tensor(tuple(kwargs.values()))


def symbolic(fn, op_name: str | None = None):
    """`fn` (an op of `visualnet.ops`) that makes an `OpLayer` when called on KerasTensors."""
    name = op_name or fn.__name__

    @functools.wraps(fn)
    def op(*args, **kwargs):
        if has_keras_tensor(args, kwargs):
            return symbolic_call(name, fn, args, kwargs)
        return fn(*args, **kwargs)
    op.__wrapped_op__ = fn
    return op


def symbolic_call(op_name: str, fn, args, kwargs, name: str | None = None) -> KerasTensor:
    """The KerasTensor of op `op_name` on `args` (a new OpLayer called on their tensors)."""
    if op_name in ("shape", "ndim"):
        shape = args[0].shape
        return shape if op_name == "shape" else len(shape)
    inputs: list[KerasTensor] = []
    template = (_template(list(args), inputs), {k: _template(v, inputs) for k, v in kwargs.items()})
    layer = op_class(op_name)(op_name, fn, template, name=name)
    layer._input_dtypes = [t.dtype for t in inputs]
    return layer(inputs[0] if len(inputs) == 1 else inputs)


def _template(value, inputs: list):
    if isinstance(value, KerasTensor):
        for i, t in enumerate(inputs):
            if t is value:
                return _Slot(i)
        inputs.append(value)
        return _Slot(len(inputs) - 1)
    if isinstance(value, (list, tuple)):
        return type(value)(_template(v, inputs) for v in value)
    return value


def _fill(value, xs: list):
    if isinstance(value, _Slot):
        return xs[value.index]
    if isinstance(value, (list, tuple)):
        return type(value)(_fill(v, xs) for v in value)
    return value


class OpLayer(Layer):
    """One call of an op on symbolic tensors, as a layer of a functional model (Keras 3's
    Operation node: `multiply (Multiply)` in `summary()`). Python API only: the canvas and
    project files cannot hold one; Keras files write it as Keras does (`keras_entry`)."""

    def __init__(self, op_name: str, fn, template, name: str | None = None):
        super().__init__(name=name or auto_name(op_name))
        self._op_name, self._fn, self._template = op_name, fn, template
        self._kind = "".join(p.capitalize() for p in op_name.split("_"))

    @property
    def op_name(self) -> str:
        return self._op_name

    def call(self, inputs):
        xs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        args, kwargs = self._template
        return self._fn(*_fill(args, xs), **{k: _fill(v, xs) for k, v in kwargs.items()})

    def compute_output_shape(self, input_shape):
        shapes = input_shape if isinstance(input_shape, list) and input_shape and \
            isinstance(input_shape[0], (tuple, list)) else [input_shape]
        dtypes = self.__dict__.get("_input_dtypes") or ["float32"] * len(shapes)
        outs = []
        for size in (2, 3):   # a dimension that follows the batch (or an unknown one) differs
            xs = [np.ones([size if d is None else d for d in s], dtype=_numeric(dt)) for s, dt in zip(shapes, dtypes)]
            with np.errstate(all="ignore"):
                outs.append(np.shape(as_array(self.call(xs if len(xs) > 1 else xs[0]))))
        a, b = outs
        if len(a) != len(b) or not a or a[0] == b[0]:
            raise ValueError(f"ops.{self._op_name} on tensors of shapes {[tuple(s) for s in shapes]} gives a result "
                             f"of shape {a} without the batch axis first; a functional model's tensors keep the "
                             "batch axis (axis 0).")
        return tuple(None if x != y else x for x, y in zip(a, b))

    def fresh(self) -> "OpLayer":
        """The same op, unbuilt, for another model's tensors (clone_model replays ops, as
        Keras does, rather than cloning them)."""
        twin = type(self)(self._op_name, self._fn, self._template, name=self.name)
        twin._input_dtypes = self.__dict__.get("_input_dtypes")
        return twin

    def get_config(self) -> dict:
        raise NotImplementedError(f"'{self.name}' is ops.{self._op_name} on symbolic tensors; it has no layer config "
                                  "(a Keras file writes it as Keras's Operation).")

    # ------------------------------------------------------------------ Keras files
    def keras_entry(self) -> dict:
        """The layer's entry in a Keras 3 functional config (Keras's Operation)."""
        if self._op_name not in KERAS_OPS:
            raise ValueError(f"Layer '{self.name}' is ops.{self._op_name} on symbolic tensors, which VisualNet "
                             "cannot write to a Keras file (Keras has no Operation of that name).")
        module, cls, init = KERAS_OPS[self._op_name]
        bound = self._bound()
        config = {"name": self.name}
        for key in init:
            if key in bound:
                config[key] = _plain(bound[key], self.name)
        return {"module": module, "class_name": cls, "config": config, "registered_name": cls}

    def keras_call_args(self, tensors: list) -> dict:
        """The call's entry (`inbound_nodes[0]`): the arguments that are not the
        constructor's, in order, each tensor as `tensors[i]` (the i-th input's entry)."""
        _, _, init = KERAS_OPS[self._op_name]
        args = [_encode(v, tensors, self.name) for k, v in self._bound().items() if k not in init]
        return {"args": args, "kwargs": {}}

    def _bound(self) -> dict:
        import inspect

        args, kwargs = self._template
        sig = inspect.signature(self._fn)
        bound = sig.bind(*args, **kwargs)
        out = {}
        for key, value in bound.arguments.items():
            if sig.parameters[key].kind == inspect.Parameter.VAR_POSITIONAL:
                raise ValueError(f"Layer '{self.name}' (ops.{self._op_name}) takes a variable number of tensors; "
                                 "VisualNet cannot write it to a Keras file.")
            out[key] = value
        return out


_CLASSES: dict[str, type] = {}


def op_class(op_name: str) -> type:
    """The OpLayer subclass named as Keras's Operation (`Multiply`), so `summary()` and
    errors show `multiply (Multiply)` as Keras does."""
    if op_name not in _CLASSES:
        cls_name = KERAS_OPS[op_name][1] if op_name in KERAS_OPS else \
            "".join(p.capitalize() for p in op_name.split("_"))
        _CLASSES[op_name] = type(cls_name, (OpLayer,), {"__module__": __name__, "__doc__": OpLayer.__doc__})
    return _CLASSES[op_name]


def is_op_layer(layer) -> bool:
    return isinstance(layer, OpLayer)


def _numeric(dtype) -> str:
    try:
        return np.dtype(dtype).name
    except TypeError:
        return "float32"


def _plain(value, where: str):
    """A constant of an op as JSON (Keras's serialize_keras_object for these kinds)."""
    if isinstance(value, slice):
        return {"class_name": "__slice__", "config": {"start": _plain(value.start, where),
                                                      "stop": _plain(value.stop, where),
                                                      "step": _plain(value.step, where)}}
    if value is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return {"class_name": "__numpy__", "config": {"value": value.tolist(), "dtype": value.dtype.name}}
    if isinstance(value, np.generic) or isinstance(value, np.ndarray):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_plain(v, where) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError(f"Layer '{where}' holds the constant {value!r}, which a Keras file cannot hold.")


def _encode(value, tensors: list, where: str):
    if isinstance(value, _Slot):
        return tensors[value.index]
    if isinstance(value, (list, tuple)) and any(isinstance(v, _Slot) for v in value):
        return [_encode(v, tensors, where) for v in value]
    return _plain(value, where)


def decode_constant(value):
    """A constant of a Keras file's op call: slices, Ellipsis and NumPy arrays as Keras wrote
    them (only these plain kinds; nothing names code)."""
    if isinstance(value, dict):
        kind, cfg = value.get("class_name"), value.get("config") or {}
        if kind == "__slice__":
            return slice(*(decode_constant(cfg.get(k)) for k in ("start", "stop", "step")))
        if kind == "__ellipsis__":
            return Ellipsis
        if kind in ("__numpy__", "__tensor__"):
            return np.asarray(cfg.get("value"), dtype=np.dtype(str(cfg.get("dtype", "float32"))))
        return value
    if isinstance(value, list):
        return [decode_constant(v) for v in value]
    return value


def op_function(op_name: str):
    """The op of `visualnet.ops` named `op_name` (an `ops.image` one too), or None."""
    from . import ops_image, tensor_ops

    return getattr(tensor_ops, op_name, None) or (getattr(ops_image, op_name, None) if op_name in
                                                  ops_image.__all__ else None)


class PendingOp:
    """An op read from a Keras file, made when its inputs exist (`call(args, kwargs)`)."""

    def __init__(self, op_name: str, name: str, config: dict):
        self.op_name, self.name = op_name, name
        self.init = {k: decode_constant(v) for k, v in config.items() if k != "name"}

    def call(self, args: list, kwargs: dict) -> KerasTensor:
        fn = op_function(self.op_name)
        args = [decode_constant(a) for a in args]
        kwargs = {**{k: decode_constant(v) for k, v in (kwargs or {}).items()}, **self.init}
        if self.op_name == "get_item" and isinstance(args[1], list):
            args[1] = tuple(args[1])     # Keras writes the index tuple as a list
        return symbolic_call(self.op_name, fn, args, kwargs, name=self.name)


def op_from_entry(entry: dict) -> PendingOp | None:
    """The op of a Keras file's entry whose module is `keras.src.ops...` (None when the entry
    is not an op); an op VisualNet lacks is refused, naming it."""
    module, cls = entry.get("module"), entry.get("class_name")
    if not (isinstance(module, str) and module.startswith("keras.src.ops")):
        return None
    cfg = entry.get("config") if isinstance(entry.get("config"), dict) else {}
    name = cfg.get("name") or entry.get("name") or auto_name("op")
    op_name = _BY_CLASS.get((module, cls))
    if op_name is None or op_function(op_name) is None:
        raise ValueError(f"Layer '{name}' is the op {module}.{cls}, which VisualNet does not have.")
    return PendingOp(op_name, name, cfg)
