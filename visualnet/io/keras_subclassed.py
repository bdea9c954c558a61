"""`.keras` files of subclassed models (`class MyModel(keras.Model)` with its own `call`),
as Keras 3 writes them: config.json holds the class name, `get_config()`, the input shape
it was built for and the compile config; the weights sit at the layers' attribute paths
(keras_custom.py's walk, Keras's `_walk_saveable`). Loading makes the model only from the
class the caller passes in `custom_objects` (`cls.from_config(config)`, then `build`); the
file never names code to run, and without the class the error names it.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import h5py

from ..data.hdf5_guard import open_hdf5
from .atomic import write_atomic
from .errors import KerasFileError
from .keras_custom import read_weights, write_weights
from .keras_zip import CONFIG, MAX_WEIGHTS_BYTES, METADATA, WEIGHTS, _member, peek_keras_config, read_keras_config

_BUILT_IN = ("Sequential", "Functional", "Model")


def save_model(model, filepath, overwrite: bool = True) -> None:
    """`model.save("m.keras")` of a subclassed model."""
    from .keras_files import _optimizer_vars, make_compile_config

    path = Path(filepath)
    if not path.name.lower().endswith(".keras"):
        raise ValueError(f"A subclassed model is saved as a .keras file (Keras 3's format); Keras's legacy .h5 "
                         f"cannot hold one. Received: filepath={filepath}")
    model._require_built("save")
    shape = model.input_shape
    config = {"module": None, "class_name": type(model).__name__, "config": model.get_config(),
              "registered_name": type(model).__name__, "build_config": {"input_shape": list(shape)}}
    cfg = make_compile_config(model, "keras3") if model.compiled is not None and model.loss is not None else None
    config["compile_config"] = cfg if cfg is not None else {}
    opt_vars, opt_name = _optimizer_vars(model) if cfg is not None else (None, "optimizer")
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        write_weights(f, model, opt_vars, opt_name)
    metadata = {"keras_version": "3.0.0", "date_saved": time.strftime("%Y-%m-%d@%H:%M:%S")}

    def write(tmp):
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as z:
            z.writestr(METADATA, json.dumps(metadata))
            z.writestr(CONFIG, json.dumps(config))
            z.writestr(WEIGHTS, buf.getvalue())
    write_atomic(path, write, overwrite=overwrite)


def subclass_name(filepath) -> str | None:
    """The class name of a `.keras` file's model when it is not a built-in one, else None."""
    if not str(filepath).lower().endswith(".keras"):
        return None
    try:
        config = peek_keras_config(Path(filepath))
    except (KerasFileError, zipfile.BadZipFile, OSError, ValueError):
        return None             # a damaged file: the general reader reports it
    name = config.get("class_name")
    return name if isinstance(name, str) and name not in _BUILT_IN else None


def load_model(filepath, custom_objects: dict | None, compile: bool = True):
    """The subclassed model of a `.keras` file, from its class in `custom_objects`."""
    from .keras_files import compile_from_config, restore_optimizer
    from .keras_h5 import read_keras3_optimizer

    path = Path(filepath)
    z, config = read_keras_config(path)
    with z:
        data = _member(z, WEIGHTS, MAX_WEIGHTS_BYTES)
    name = config.get("class_name")
    cls = (custom_objects or {}).get(name) or (custom_objects or {}).get(config.get("registered_name"))
    if cls is None:
        raise TypeError(f"Could not locate class '{name}' of the model in '{path.name}'. Pass the class in "
                        f"custom_objects, e.g. load_model({path.name!r}, custom_objects={{'{name}': {name}}}); "
                        "VisualNet never imports code a file names.")
    inner = config.get("config")
    if not isinstance(inner, dict):
        raise KerasFileError(f"The model config of '{path.name}' is not a JSON object.")
    model = cls.from_config(inner)
    shape = (config.get("build_config") or {}).get("input_shape")
    if not model.built:
        if not isinstance(shape, list):
            raise KerasFileError(f"The model in '{path.name}' has no build_config input_shape, so its weights cannot "
                                 "be placed.")
        model.build((None, *shape[1:]))
    cfg = config.get("compile_config")
    with open_hdf5(io.BytesIO(data)) as f:
        read_weights(f, model)
        if compile and isinstance(cfg, dict) and cfg:
            compile_from_config(model, cfg, custom_objects)
            if model.compiled is not None:
                variables = read_keras3_optimizer(f, {"model": model.get_weights()})   # its size limits
                if variables:
                    restore_optimizer(model, variables, path.name)
    return model
