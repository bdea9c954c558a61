"""`visualnet predict FILE --input X -o Y`: a trained model's outputs for new inputs (a
NumPy array, a CSV table or a folder of images), prepared through the project's data recipe
as the app prepares what it predicts; written as .npy (the outputs) or .csv (the predicted
label or value and each output)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from .inputs import BadInput, one_line, open_file


def add_arguments(p) -> None:
    p.add_argument("file", metavar="FILE", help="a trained project (.vnet) or Keras model (.keras, .h5)")
    p.add_argument("--input", required=True, metavar="X.npy|table.csv|image-folder",
                   help="samples shaped like the training data, table rows (a header row picks the feature "
                        "columns by name) or a folder of images")
    p.add_argument("-o", "--output", required=True, metavar="Y.npy|Y.csv", help="where to write the predictions")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _table(path: Path, recipe):
    """Rows of a CSV file: the feature columns in the training file's order (chosen by name
    when a header row names them), as raw cells for an imported table, else numbers."""
    fitted = (recipe.fitted or {}) if recipe is not None else {}
    columns = fitted.get("columns")
    delimiter = columns.get("delimiter", ",") if columns else ","
    rows = [r for r in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=delimiter) if r]
    names = [s["name"] for s in columns["features"]] if columns else list(fitted.get("feature_names") or [])
    if rows and not all(_is_number(c) for c in rows[0]):
        header = [c.strip() for c in rows.pop(0)]
        if names and all(n in header for n in names):
            rows = [[r[header.index(n)] for n in names] for r in rows]
    if columns:
        return rows, True
    try:
        return np.asarray(rows, dtype=np.float64), False
    except ValueError as exc:
        raise BadInput(f"{path}: the table holds cells that are not numbers ({one_line(exc)})") from None


def _images(folder: Path, recipe) -> tuple[np.ndarray, list]:
    from visualnet.data import read_images
    from visualnet.data.images import EXTENSIONS

    if recipe is None or recipe.fitted is None or len(recipe.fitted["input_shape"]) != 3:
        raise BadInput(f"{folder}: a folder of images needs a project whose data were images")
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in EXTENSIONS
                   and not p.name.startswith("."))
    if not files:
        raise BadInput(f"{folder}: it holds no {'/'.join(EXTENSIONS)} images")
    height, width, channels = recipe.fitted["input_shape"]
    return read_images(files, size=(height, width), color="grayscale" if channels == 1 else "rgb"), files


def _inputs(path: Path, recipe):
    """(prepared inputs, file names of images or None)."""
    from visualnet.data import DataError, transform_for_prediction

    files = None
    try:
        if path.is_dir():
            x, files = _images(path, recipe)
            raw = False
        elif path.suffix.lower() == ".npy":
            x, raw = np.load(path, allow_pickle=False), False
        elif path.suffix.lower() == ".csv":
            x, raw = _table(path, recipe)
        else:
            raise BadInput(f"{path}: give a .npy array, a .csv table or a folder of images")
        if recipe is not None:
            x = transform_for_prediction(recipe, x, raw=raw)
    except (DataError, OSError, ValueError, UnicodeError) as exc:
        raise BadInput(f"{path}: {one_line(exc)}") from None
    return x, files


def _write_csv(tmp: Path, y: np.ndarray, recipe, files) -> None:
    from visualnet.data import predicted_labels

    y2 = y.reshape(len(y), -1)
    fitted = recipe.fitted if recipe is not None else None
    names = [str(n) for n in fitted["class_names"]] if fitted and fitted["task"] != "regression" else []
    outputs = names if len(names) == y2.shape[1] else [f"output_{k}" for k in range(y2.shape[1])]
    labels = predicted_labels(recipe, y) if fitted else None
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow((["file"] if files else []) + (["prediction"] if labels else []) + outputs)
        for i, row in enumerate(y2):
            w.writerow(([str(files[i])] if files else []) + ([labels[i]] if labels else [])
                       + [f"{v:.9g}" for v in row])


def run(args) -> int:
    from visualnet.io import write_atomic

    path, source, out = Path(args.file), Path(args.input), Path(args.output)
    if out.suffix.lower() not in (".npy", ".csv"):
        raise BadInput(f"{out}: the output must be a .npy or .csv file")
    if not source.exists():
        raise BadInput(f"{source}: no such file or folder")
    project = open_file(path)
    if not project.weights:
        raise BadInput(f"{path}: it has no trained weights to predict with; train it first")
    from visualnet.data import UnreadRecipe

    if isinstance(project.recipe, UnreadRecipe):
        raise BadInput(f"{path}: {project.recipe.problem}; its inputs cannot be prepared as it was trained")
    x, files = _inputs(source, project.recipe)
    try:
        y = np.asarray(project.build_model(compile=False).predict(x, batch_size=256, verbose=0))
    except (ValueError, TypeError) as exc:
        raise BadInput(f"{source}: the model cannot predict these inputs: {one_line(exc)}") from None
    if out.suffix.lower() == ".npy":
        def write(tmp: Path) -> None:
            with open(tmp, "wb") as f:
                np.save(f, y)
    else:
        def write(tmp: Path) -> None:
            _write_csv(tmp, y, project.recipe, files)
    try:
        write_atomic(out, write, keep_backup=False)
    except OSError as exc:
        raise BadInput(f"{out}: cannot be written: {one_line(exc)}") from None
    print(f"Predicted {len(y):,} samples: {out}")
    return 0
