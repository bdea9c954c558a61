"""`visualnet evaluate FILE`: the compiled loss and metrics on the test split and, for a
classifier, the confusion matrix and each class's precision, recall and F1."""

from __future__ import annotations

from pathlib import Path

from .inputs import BadInput, one_line, open_file, prepare_data


def add_arguments(p) -> None:
    p.add_argument("file", metavar="FILE", help="a trained project (.vnet) or Keras model (.keras, .h5)")
    p.add_argument("--data", metavar="PATH_OR_BUILTIN", help="evaluate on this file or built-in dataset's test "
                                                             "split (with the project's split and preprocessing)")
    p.add_argument("--allow-outside-data", action="store_true", help="read the project's data even when it lies "
                                                                    "outside the project's folder")


def classification_lines(result, names: list) -> list[str]:
    """The confusion matrix (rows: true class, columns: predicted) and per-class report."""
    names = [str(n) for n in names] + [str(i) for i in range(len(names), len(result.matrix))]
    width = max(8, *(len(n) for n in names)) + 1
    lines = ["Confusion matrix (rows: true class, columns: predicted):",
             " " * width + "".join(n[:width - 1].rjust(width) for n in names)]
    lines += [name[:width - 1].ljust(width) + "".join(f"{c:>{width},}" for c in row)
              for name, row in zip(names, result.matrix)]
    lines += ["", "class".ljust(width) + "precision".rjust(11) + "recall".rjust(9) + "F1".rjust(9) + "support".rjust(9)]
    lines += [name[:width - 1].ljust(width) + f"{r.precision:>11.4f}{r.recall:>9.4f}{r.f1:>9.4f}{r.support:>9,}"
              for name, r in zip(names, result.report)]
    lines.append(f"accuracy {result.accuracy:.4f} on {len(result.y_true):,} samples")
    return lines


def run(args) -> int:
    from visualnet.engine import evaluation
    from visualnet.workspace.runs import RestoredModel

    from .settings import training_config

    path = Path(args.file)
    project = open_file(path)
    if not project.weights:
        raise BadInput(f"{path}: it has no trained weights to evaluate; train it first")
    prepared = prepare_data(project, path, args.data, args.allow_outside_data)
    test = prepared.test
    if len(test) == 0 or test.y is None:
        raise BadInput(f"{args.data or path}: the data recipe leaves no labelled test split")
    config = training_config(project.training, prepared, path)
    try:
        view = RestoredModel(project.build_model(compile=False), config)
        logs = view.evaluate(test.x, test.y)
    except (ValueError, TypeError, KeyError) as exc:
        raise BadInput(f"{path}: cannot evaluate: {one_line(exc)}") from None
    fitted = prepared.recipe.fitted
    lines = [f"Test split: {len(test):,} samples of {fitted.get('name') or 'the data'}"]
    lines += [f"  {k}: {v:.4f}" for k, v in logs.items() if isinstance(v, (int, float))]
    if fitted["task"] == "regression":
        r = evaluation.regress(view.model, test.x, test.y)
        lines.append(f"  MAE {r.mae:.4f}, RMSE {r.rmse:.4f}, R² {r.r2:.4f} (first output)")
    else:
        names = fitted.get("class_names") or []
        result = evaluation.classify(view.model, test.x, test.y, max(len(names), 2))
        lines += [""] + classification_lines(result, names)
    print("\n".join(lines))
    return 0
