"""What the commands read: the file given (a project, Keras model or model description) as
a `Project`, and its data prepared through a data recipe. `BadInput` is the one-line error
(naming the file) that `visualnet` prints before exiting with status 2."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

MODEL_SUFFIXES = (".vnet", ".keras", ".h5", ".hdf5", ".json")


class BadInput(Exception):
    """Input that cannot be used: the message is one line naming the file and the problem."""


def one_line(exc: BaseException) -> str:
    """An exception's message on one line."""
    return " ".join(str(exc).split()) or type(exc).__name__


def open_file(path) -> "Project":
    """A `.vnet` project, `.keras`/`.h5` model or `.json` model description as a `Project`."""
    from visualnet.graph import GraphFormatError, from_json
    from visualnet.io import KerasFileError, Project, ProjectFileError, import_keras_model, open_project

    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise BadInput(f"{path}: no such file")
    if suffix not in MODEL_SUFFIXES:
        raise BadInput(f"{path}: not a project (.vnet), Keras model (.keras, .h5) or model description (.json)")
    try:
        if suffix == ".vnet":
            return open_project(path)
        if suffix == ".json":
            return Project(from_json(path.read_text(encoding="utf-8")))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")          # what is not restored: the import's notes
            imported = import_keras_model(path)
        return Project.from_model(imported.model, graph=imported.graph)
    except (ProjectFileError, KerasFileError, GraphFormatError, OSError, UnicodeError, ValueError,
            TypeError, KeyError) as exc:
        raise BadInput(f"{path}: {one_line(exc)}") from None


def recipe_for_data(data: str, old):
    """The recipe of `--data` (a built-in dataset's name or a file): the project's split and
    preprocessing steps (`old`, fitted again) on that source."""
    from visualnet.data import Recipe, builtin_names, guess_source_type

    keep = {"split": old.split, "steps": old.steps} if old is not None else {}
    if data in builtin_names():
        return Recipe.builtin(data, **keep)
    path = Path(data)
    if not path.exists():
        raise BadInput(f"{data}: neither a data file nor a built-in dataset (built-ins: {', '.join(builtin_names())})")
    try:
        kind = guess_source_type(path)
        options = old.source.get("options") if old is not None and old.source.get("type") == kind else None
        return Recipe.from_file(kind, path.resolve(), options, **keep)
    except (ValueError, OSError) as exc:
        raise BadInput(f"{data}: {one_line(exc)}") from None


def prepare_data(project, path, data: str | None = None, allow_outside: bool = False):
    """The project's data (or `--data`) prepared through its recipe, as the Train page
    prepares it; data outside the project's folder only with `allow_outside`."""
    from visualnet.data import DataChangedWarning, DataError, UnreadRecipe, outside_paths, prepare

    path = Path(path)
    base = path.resolve().parent
    unread = isinstance(project.recipe, UnreadRecipe)
    if data is not None:
        recipe = recipe_for_data(data, None if unread else project.recipe)
    elif unread:
        raise BadInput(f"{path}: {project.recipe.problem}; give the data with --data PATH_OR_BUILTIN")
    elif project.recipe is None:
        raise BadInput(f"{path}: it has no data recipe; give the data with --data PATH_OR_BUILTIN")
    else:
        recipe = project.recipe
        outside = outside_paths(recipe.source, base)
        if outside and not allow_outside:
            raise BadInput(f"{path}: its data is outside the project's folder ({', '.join(outside)}); "
                           f"pass --allow-outside-data to read it")
    where = data or path
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DataChangedWarning)
            prepared = prepare(recipe, base_dir=base)
    except (DataError, OSError, ValueError, KeyError) as exc:
        raise BadInput(f"{where}: the data cannot be prepared: {one_line(exc)}") from None
    for w in caught:
        print(f"note: {where}: {w.message}", file=sys.stderr)
    return prepared
