"""`visualnet import-weights PROJECT WEIGHTS [-o OUT]`: put weights trained elsewhere (the
exported scripts' Keras-ordered `.npz`, e.g. from a `torchrun` cluster run, or a Keras
`.weights.h5` / `.keras` / `.h5`) into a project, saved atomically; the project's runs,
recipe and settings are kept, its optimizer state is dropped (it belonged to the old weights)."""

from __future__ import annotations

from pathlib import Path

from .inputs import BadInput, one_line, open_file

WEIGHT_SUFFIXES = (".npz", ".h5", ".hdf5", ".keras")


def add_arguments(p) -> None:
    p.add_argument("file", metavar="PROJECT", help="a project (.vnet), Keras model (.keras, .h5) or model "
                                                   "description (.json) whose model the weights fit")
    p.add_argument("weights", metavar="WEIGHTS", help="a Keras-ordered .npz (what the exported scripts write) or a "
                                                      "Keras .weights.h5, .keras or .h5 file")
    p.add_argument("-o", "--output", metavar="OUT", help="the project to write (.vnet; default: PROJECT itself "
                                                         "when it is a .vnet)")


def run(args) -> int:
    from visualnet.io import KerasFileError, ProjectFileError, save_project
    from visualnet.io.weights_import import import_weights

    path, weights = Path(args.file), Path(args.weights)
    out = Path(args.output) if args.output else path
    if out.suffix.lower() != ".vnet":
        raise BadInput(f"{out}: the result is a project: give -o OUT.vnet")
    if not weights.is_file():
        raise BadInput(f"{weights}: no such file")
    if not weights.name.lower().endswith(WEIGHT_SUFFIXES):
        raise BadInput(f"{weights}: not a weights file (.npz, .weights.h5, .keras, .h5)")
    project = open_file(path)
    try:
        import_weights(project, weights)
    except (KerasFileError, ProjectFileError, OSError, ValueError, KeyError) as exc:
        raise BadInput(f"{weights}: {one_line(exc).removeprefix(str(weights) + ': ')}") from None
    try:
        save_project(project, out)
    except (ProjectFileError, OSError) as exc:
        raise BadInput(f"{out}: cannot be written: {one_line(exc)}") from None
    print(f"Wrote {out} with the weights of {weights.name}")
    return 0
