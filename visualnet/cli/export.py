"""`visualnet export FILE --format F -o OUT`: a Keras model file (.keras or .h5), an ONNX file or a Python
script for Keras or PyTorch (with `<stem>_weights.npz` beside it when trained), as File ▸
Export writes them."""

from __future__ import annotations

from pathlib import Path

from .inputs import BadInput, one_line, open_file

FORMATS = {"keras": ".keras", "h5": ".h5", "keras-script": ".py", "torch-script": ".py", "onnx": ".onnx"}


def add_arguments(p) -> None:
    p.add_argument("file", metavar="FILE", help="a project (.vnet), Keras model (.keras, .h5) or model description "
                                                "(.json)")
    p.add_argument("--format", required=True, choices=list(FORMATS))
    p.add_argument("-o", "--output", required=True, metavar="OUT")


def run(args) -> int:
    from visualnet.data import UnreadRecipe
    from visualnet.graph import validate
    from visualnet.io import KerasFileError, export_keras_script, export_torch_script
    from visualnet.io.keras_files import save_model

    path, out = Path(args.file), Path(args.output)
    if out.suffix.lower() != FORMATS[args.format]:
        raise BadInput(f"{out}: the {args.format} export is written to a {FORMATS[args.format]} file")
    project = open_file(path)
    errors = [p for p in validate(project.graph) if p.severity == "error"]
    if not project.graph.nodes or errors:
        raise BadInput(f"{path}: cannot export: {errors[0].message if errors else 'the model is empty'}")
    try:
        model = project.build_model(compile=project.training.get("loss") is not None)
        if args.format in ("keras", "h5"):
            save_model(model, out)
            extra = None
        elif args.format == "onnx":
            from visualnet.io.onnx_export import export_onnx

            export_onnx(model, out)
            extra = None
        else:
            export = export_keras_script if args.format == "keras-script" else export_torch_script
            extra = export(model, out, weights="npz" if project.weights else None, training=project.training,
                           recipe=None if isinstance(project.recipe, UnreadRecipe) else project.recipe)
    except (OSError, ValueError, KeyError, TypeError, KerasFileError) as exc:
        raise BadInput(f"{out}: cannot export {path.name}: {one_line(exc)}") from None
    print(f"Wrote {out}" + (f" and {Path(extra).name}" if extra else "")
          + ("" if project.weights else " (untrained: initial weights)"))
    return 0
