"""Turning what `fit`/`evaluate`/`predict` receive into checked float32 arrays."""

from __future__ import annotations

import numpy as np

from .model_structure import input_names, output_names


def is_dataset(x) -> bool:
    """Whether `x` is a dataset object: it holds its own targets and gives them by `arrays()`
    -> (x, y or None), as `utils.timeseries_dataset_from_array` returns."""
    return not isinstance(x, (np.ndarray, list, tuple, dict)) and callable(getattr(x, "arrays", None))


def unpack_dataset(x, y=None, batch_size=None):
    """(x, y, batch_size): a dataset object's arrays and batch size (a given batch_size wins);
    anything else unchanged. Keras refuses a separate `y` with a dataset, and so does this."""
    if not is_dataset(x):
        return x, y, batch_size
    if y is not None:
        raise ValueError("When providing `x` as a dataset, `y` should not be passed: the dataset holds the "
                         "targets.")
    xs, ys = x.arrays()
    own = getattr(x, "batch_size", None)
    return xs, ys, batch_size if batch_size is not None else own


def as_inputs(model, x, where: str = "x") -> list[np.ndarray]:
    """The model's input arrays, checked against its input shapes (errors name the value).
    A dataset object (see `is_dataset`) gives its inputs; its targets are ignored here."""
    if is_dataset(x):
        x = x.arrays()[0]
    if x is None:
        raise ValueError(f"{where} is required; received {where}=None.")
    if isinstance(x, dict):
        names = input_names(model) if model.built else []
        missing = [n for n in names if n not in x]
        if missing:
            raise ValueError(f'Missing data for input "{missing[0]}". You passed a data dictionary with keys '
                             f"{list(x)}. Expected the following keys: {names}")
        x = [x[n] for n in names]
    arrays = [np.asarray(a) for a in (x if isinstance(x, (list, tuple)) else [x])]
    texts = string_inputs(model) if model.built else [False] * len(arrays)
    for i, a in enumerate(arrays):
        if i < len(texts) and texts[i]:
            if a.dtype.kind not in "USO":
                raise ValueError(f"Input {i} of model '{model.name}' takes text (Input dtype='string'); received "
                                 f"{where} of dtype {a.dtype}.")
        elif a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
            raise ValueError(f"{where} must hold numbers; input {i} has dtype {a.dtype}.")
    if hasattr(model, "_build_from_data") and not model.built:
        model._build_from_data(arrays[0])
    model._require_built("running it")
    expected = [model._layers_by_id[n].output_shape for n in model._input_ids]
    if len(arrays) != len(expected):
        raise ValueError(f"Model '{model.name}' has {len(expected)} input(s); {where} provides {len(arrays)}.")
    out = []
    for i, (a, shape) in enumerate(zip(arrays, expected)):
        if texts[i] and a.ndim == len(shape) - 1 and shape[-1] == 1:   # Keras adds the last axis of (None, 1)
            a = a[..., None]
        if a.ndim != len(shape) or any(d is not None and d != k for d, k in zip(shape[1:], a.shape[1:])):
            raise ValueError(f"Input {i} of model '{model.name}' expects shape {_fmt(shape)}; received {where} "
                             f"with shape {a.shape}. Reshape the data or change the Input layer.")
        # text stays text: the model's TextVectorization turns it into ids as the batch comes in
        out.append(a.astype(object) if texts[i] else np.ascontiguousarray(a, dtype=np.float32))
    n = {len(a) for a in out}
    if len(n) > 1:
        raise ValueError(f"All inputs in {where} must have the same number of samples; received {sorted(n)}.")
    return out


def string_inputs(model) -> list[bool]:
    """Per model input, whether its Input takes text (dtype='string')."""
    return [model._layers_by_id[n].config.get("dtype") == "string" for n in model._input_ids]


def as_targets(y, n: int, where: str = "y") -> np.ndarray:
    if y is None:
        raise ValueError(f"{where} is required to train or evaluate; received {where}=None.")
    y = np.asarray(y)
    if y.dtype == object or not (np.issubdtype(y.dtype, np.number) or y.dtype == bool):
        raise ValueError(f"{where} must hold numbers; received dtype {y.dtype}. Map string labels to integers "
                         "first (visualnet.data does this when importing).")
    if len(y) != n:
        raise ValueError(f"x and {where} must have the same number of samples; x has {n} and {where} has {len(y)}.")
    if np.issubdtype(y.dtype, np.floating):
        return np.ascontiguousarray(y, dtype=np.float32)
    return np.ascontiguousarray(y)


def as_model_targets(model, y, n: int, where: str = "y"):
    """`as_targets` for the model: with several outputs a list of arrays, from a list in
    output order or a dict by output name."""
    if y is None and not getattr(getattr(getattr(model, "compiled", None), "loss_fn", None), "needs_targets", True):
        return np.zeros((n, 0), np.float32)   # compile() without a loss: the model's add_loss alone (issue 23)
    names = output_names(model)
    if len(names) == 1:
        return as_targets(y[names[0]] if isinstance(y, dict) and list(y) == names else y, n, where)
    if isinstance(y, dict):
        unknown = [k for k in y if k not in names]
        if unknown:
            raise ValueError(f"{where} got targets for {_names(unknown)}, but the model's outputs are "
                             f"{_names(names)}.")
        missing = [k for k in names if k not in y]
        if missing:
            raise ValueError(f"{where} is missing the targets of {_names(missing)}; the model's outputs are "
                             f"{_names(names)}.")
        y = [y[k] for k in names]
    if not isinstance(y, (list, tuple)) or len(y) != len(names):
        count = len(y) if isinstance(y, (list, tuple)) else 1
        raise ValueError(f"{where} holds {count} target array(s) for the {len(names)} outputs {_names(names)}; "
                         "pass a list in output order or a dict by output name.")
    return [as_targets(t, n, f"{where} for '{name}'") for t, name in zip(y, names)]


def _names(names) -> str:
    return ", ".join(f"'{n}'" for n in names)


def split_validation(xs: list[np.ndarray], y: np.ndarray, fraction: float):
    """Keras's rule: the last `fraction` of the samples (before any shuffling) validate."""
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"validation_split must be in [0, 1); received validation_split={fraction}.")
    n = len(xs[0])
    cut = int(n * (1.0 - fraction))
    if fraction and (cut == 0 or cut == n):
        raise ValueError(f"validation_split={fraction} leaves no sample for training or validation "
                         f"with {n} samples.")
    if type(y) is list:  # one array per output
        return [a[:cut] for a in xs], [t[:cut] for t in y], [a[cut:] for a in xs], [t[cut:] for t in y]
    return [a[:cut] for a in xs], y[:cut], [a[cut:] for a in xs], y[cut:]


def check_batch_size(value, default=32) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"batch_size must be a positive integer; received batch_size={value!r}.")
    return int(value)


def clipped(batch_size: int, n: int) -> int:
    """The batch size used for `n` samples: at most `n`, as Keras clips it to the data (so a
    huge batch_size allocates nothing beyond the data's size)."""
    return max(1, min(batch_size, n))


def sample_weights(y, sample_weight, class_weight) -> np.ndarray | None:
    """Per-sample weights from `sample_weight` or `class_weight` (Keras takes one, not both);
    with several outputs (`y` a list) one weight per sample weights every output's loss."""
    if sample_weight is not None and class_weight is not None:
        raise ValueError("You cannot use class_weight and sample_weight at the same time.")
    if type(y) is list:
        if class_weight is not None:
            raise ValueError("`class_weight` is only supported for Models with a single output.")
        y = y[0]
    weights = None
    if sample_weight is not None:
        weights = np.asarray(sample_weight, dtype=np.float32).reshape(-1)
        if len(weights) != len(y):
            raise ValueError(f"sample_weight has {len(weights)} values for {len(y)} samples.")
    if class_weight is not None:
        if not isinstance(class_weight, dict):
            raise ValueError(f"class_weight must be a dict {{class: weight}}; received {type(class_weight).__name__}.")
        labels = np.argmax(y, axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else np.rint(y.reshape(len(y))).astype(int)
        table = np.ones(max(int(labels.max()) + 1, max(class_weight) + 1), np.float32)
        for k, v in class_weight.items():
            table[int(k)] = v
        weights = table[labels]
    return weights


def _fmt(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"
