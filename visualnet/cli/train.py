"""`visualnet train FILE`: a run with the project's recipe and settings through the
`TrainingSession` and `TrainingController` the Train page uses (the same seed gives the same
numbers), saved atomically with the run, weights and optimizer state as the app saves them.
The options override the saved settings for this run only (its record keeps them). Ctrl+C
stops after the current batch and saves."""

from __future__ import annotations

import signal
import sys
from contextlib import contextmanager
from pathlib import Path

from visualnet.data.sequence_sets import training_padding as batch_padding

from .inputs import BadInput, one_line, open_file, prepare_data

STOPPED_BY_USER = 130     # the shell's status for Ctrl+C


def add_arguments(p) -> None:
    p.add_argument("file", metavar="FILE", help="a project (.vnet), Keras model (.keras, .h5) or model description "
                                                "(.json)")
    p.add_argument("--data", metavar="PATH_OR_BUILTIN", help="train on this file or built-in dataset (with the "
                                                             "project's split and preprocessing) instead")
    p.add_argument("--allow-outside-data", action="store_true", help="read the project's data even when it lies "
                                                                    "outside the project's folder")
    p.add_argument("--epochs", type=int, metavar="N")
    p.add_argument("--batch-size", type=int, metavar="B")
    p.add_argument("--learning-rate", type=float, metavar="LR")
    p.add_argument("--seed", type=int, metavar="S", help="seed of the initial weights and the shuffling order")
    p.add_argument("--fresh", action="store_true", help="start from initial weights, not the project's trained ones")
    p.add_argument("-o", "--output", metavar="OUT", help="the project to write (default: FILE, or FILE with .vnet "
                                                         "for a Keras model or model description)")
    p.add_argument("--json", action="store_true", help="print one JSON object per epoch instead of progress bars")


def _output(path: Path, output) -> Path:
    out = Path(output) if output else (path if path.suffix.lower() == ".vnet" else path.with_suffix(".vnet"))
    if out.suffix.lower() != ".vnet":
        raise BadInput(f"{out}: the output must be a project file (.vnet)")
    return out


def _check_model(project, prepared, loss: str, path) -> None:
    """What the Train page refuses to train: problems in the model or between model and data."""
    from visualnet.data.compatibility import check_model_for_data
    from visualnet.graph import validate

    errors = [p for p in validate(project.graph) if p.severity == "error"]
    errors += [p for p in check_model_for_data(project.graph, prepared.recipe, loss) if p.severity == "error"]
    if not project.graph.nodes or errors:
        raise BadInput(f"{path}: cannot train: {errors[0].message if errors else 'the model is empty'}")


@contextmanager
def _stop_on_interrupt(controller):
    """The first Ctrl+C stops the run after the current batch; a second one aborts."""
    def stop(signum, frame) -> None:
        signal.signal(signal.SIGINT, previous)
        print("Stopping after this batch (Ctrl+C again to abort without saving)…", file=sys.stderr)
        controller.stop()

    previous = signal.signal(signal.SIGINT, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _start_session(project, prepared, config, workspace, fresh: bool):
    """The model and session, built as the Train page's Train builds them."""
    from visualnet.engine.model import Model
    from visualnet.engine.rng import global_rng, set_seed
    from visualnet.engine.session import TrainingSession
    from visualnet.graph import to_dict
    from visualnet.workspace.runs import structure

    start = None if fresh else workspace.capture()
    from_project = start is not None and start["optimizer"] is not None and \
        start["optimizer"] is workspace.saved_optimizer
    graph_now = to_dict(project.graph)
    notes = []
    if config.seed is not None:
        set_seed(config.seed)
    model = Model.from_graph(project.graph)
    if start is not None:
        notes += workspace.load_weights(model, start["weights"])
    x, y = prepared.train
    samples = workspace.training.get("training_samples")
    if isinstance(samples, int) and not isinstance(samples, bool) and samples > 0:
        x, y = x[:samples], y[:samples]
    val = prepared.validation
    validation = (val.x, val.y) if len(val) else None
    if validation is not None:
        config.validation_split = 0.0
    session = TrainingSession(model, x, y, config, validation_data=validation,
                              batch_padding=batch_padding(prepared, samples))
    if start is not None:
        notes.append(workspace.resume_optimizer(session, start["optimizer"], structure(graph_now)))
        if from_project and start["optimizer"].rng is not None:
            global_rng().bit_generator.state = start["optimizer"].rng
    workspace.begin_run(model, session, None, graph_now, prepared.recipe.to_dict())
    return session, [n for n in notes if n]


def run(args) -> int:
    from visualnet.io import ProjectFileError, save_project
    from visualnet.workspace.controller import TrainingController
    from visualnet.workspace.training import TrainingWorkspace

    from .progress import JsonLines, ProgressBars
    from .settings import settings_of, training_config

    path = Path(args.file)
    out = _output(path, args.output)
    project = open_file(path)
    prepared = prepare_data(project, path, args.data, args.allow_outside_data)
    config = training_config(project.training, prepared, path, args.epochs, args.batch_size, args.learning_rate,
                             args.seed)
    _check_model(project, prepared, config.loss, path)
    workspace = TrainingWorkspace()
    for note in workspace.restore(project):
        print(f"note: {path}: {note}", file=sys.stderr)
    workspace.data_recipe = prepared.recipe
    workspace.training = dict(project.training) if project.training else settings_of(config)
    try:
        session, notes = _start_session(project, prepared, config, workspace, args.fresh)
    except (ValueError, TypeError) as exc:
        raise BadInput(f"{path}: cannot train: {one_line(exc)}") from None
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    listener = JsonLines(session.epochs) if args.json else ProgressBars(session.epochs, session.steps_per_epoch)
    controller = workspace.controller = TrainingController(session, listener)
    with _stop_on_interrupt(controller):
        if args.json:
            controller.run()
        else:
            with listener:
                controller.run()
    workspace.record_run()
    test = prepared.test
    if session.status != "diverged" and len(test) and test.y is not None:
        workspace.record_test(session.evaluate(test.x, test.y))     # as the page evaluates after a run
    workspace.contribute(project)
    try:
        save_project(project, out)
    except (ProjectFileError, OSError) as exc:
        raise BadInput(f"{out}: cannot be written: {one_line(exc)}") from None
    print(f"{session.history.reason or session.status} Saved {out}", file=sys.stderr)
    if session.status in ("failed", "diverged"):
        return 1
    return STOPPED_BY_USER if session.status == "stopped" else 0
