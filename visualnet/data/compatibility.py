"""Does a model fit the data? Problems between a graph and a fitted data recipe (input
shape, number of classes, output activation, task vs. loss), each with the obvious fix
when there is one: `fix="set_params"` (a graph edit: `detail["params"]` on the problem's
layer) or `fix="set_loss"` (a training setting: `detail["loss"]`). No Qt; of the engine only
its loss table."""

from __future__ import annotations

from ..graph import ERROR, WARNING, Graph, Problem, infer_shapes
from .recipe import Recipe

CROSSENTROPY = ("binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy")


def regression_losses() -> tuple:
    """Every regression loss the engine has, by its name (the engine's loss table, read when
    first asked: importing this module loads no engine)."""
    from ..engine.losses import LOSS_GROUPS

    return LOSS_GROUPS["Regression"]


def _loss_name(loss) -> str:
    """The engine's name of a loss ('mse', 'MeanSquaredError' -> 'mean_squared_error');
    a name the engine does not know, as given."""
    from ..engine.losses import canonical_name

    try:
        return canonical_name(loss)
    except (ValueError, TypeError, KeyError, AttributeError, StopIteration):
        return str(loss or "")


def _fmt(shape) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def recommended_loss(recipe: Recipe, units: int, output: "str | None" = None) -> str:
    """The loss for this data and an output of `units` units (`output`: the output layer's
    name, for a recipe that maps target columns to several outputs)."""
    task, one_hot = _target_of(recipe, output)
    if task == "regression":
        return "mean_squared_error"
    if task == "binary" and units == 1:
        return "binary_crossentropy"
    return "categorical_crossentropy" if one_hot else "sparse_categorical_crossentropy"


def _target_of(recipe: Recipe, output: "str | None") -> tuple:
    """(task, one-hot labels) of the data's target, or of output `output`'s mapped column."""
    fitted = recipe.fitted or {}
    mapped = (fitted.get("mapping") or {}).get("outputs", {}).get(output) if output is not None else None
    if mapped is not None:
        return mapped["task"], mapped["one_hot"]
    return fitted.get("task"), recipe.pipeline().one_hot()


def check_model_for_data(graph: Graph, recipe: Recipe, loss: "str | dict | None" = None) -> list[Problem]:
    """Problems between `graph` and the fitted `recipe` (and the chosen `loss`, a dict by
    output name for several outputs)."""
    fitted = recipe.fitted
    if not fitted or not graph.nodes:
        return []
    if recipe.mapping is not None or len(graph.output_nodes()) > 1 or len(graph.input_nodes()) > 1:
        from .mapping_checks import check_mapped_model     # several Inputs or Outputs: the column mapping
        return check_mapped_model(graph, recipe, loss)
    problems: list[Problem] = []
    info = infer_shapes(graph)
    x_shape = tuple(int(d) for d in fitted["output_shape"])
    inputs = graph.input_nodes()
    if len(inputs) == 1:
        node = inputs[0]
        shape = tuple(node.params.get("shape") or ())
        if len(shape) != len(x_shape) or any(d is not None and d != x for d, x in zip(shape, x_shape)):  # None: any
            problems.append(Problem(
                "data_input_shape", ERROR,
                f"The data's samples have shape {_fmt(x_shape)} but the Input '{node.name}' expects {_fmt(shape)}.",
                node_id=node.id, fix="set_params",
                detail={"params": {"shape": x_shape}, "fix_label": f"Set Input shape to {_fmt(x_shape)}"}))
        problems += _vocabulary_problems(graph, node, recipe)
    outputs = graph.output_nodes()
    if len(outputs) != 1:
        return problems
    if recipe.target == "input":   # an autoencoder: the output reproduces the input
        from .reconstruction_checks import reconstruction_problems
        return problems + reconstruction_problems(info, outputs[0], x_shape)
    return problems + output_problems(info, outputs[0], fitted.get("task"), len(fitted.get("class_names") or []),
                                      loss, recipe)


def output_problems(info: dict, out, task: str, k: int, loss, recipe: Recipe) -> list[Problem]:
    """An output layer against its target: `task`, `k` classes (and the chosen `loss`)."""
    problems: list[Problem] = []
    out_shape = info[out.id].shape if out.id in info else None
    units = out_shape[-1] if out_shape else None
    is_dense = out.type == "Dense"
    activation = out.params.get("activation") if out.type in ("Dense", "Activation") else None
    if out.type == "Softmax":
        activation = "softmax"

    def fix(params, label):
        return {"fix": "set_params", "detail": {"params": params, "fix_label": label}} if is_dense else {}

    if task == "multiclass":
        if units is not None and units != k:
            problems.append(Problem(
                "data_classes", ERROR,
                f"The data have {k} classes but the output layer '{out.name}' has {units} units.",
                node_id=out.id, **fix({"units": k}, f"Set units to {k} (the number of classes)")))
        if activation not in (None, "softmax"):
            problems.append(Problem(
                "data_output_activation", WARNING,
                f"A {k}-class output usually ends with softmax; '{out.name}' uses {activation}.",
                node_id=out.id, **fix({"activation": "softmax"}, "Use softmax")))
    elif task == "binary":
        if units == 1 and activation == "softmax":
            problems.append(Problem(
                "data_softmax_one_unit", ERROR,
                f"Softmax on the single output unit of '{out.name}' always gives 1.0, so the model cannot learn: "
                "a binary output uses sigmoid.", node_id=out.id, **fix({"activation": "sigmoid"}, "Use sigmoid")))
        elif units is not None and units not in (1, 2):
            problems.append(Problem(
                "data_classes", ERROR,
                f"The data have 2 classes but the output layer '{out.name}' has {units} units.",
                node_id=out.id, **fix({"units": 1, "activation": "sigmoid"}, "Set 1 unit with sigmoid")))
    elif task == "regression":
        if activation in ("softmax", "sigmoid"):
            problems.append(Problem(
                "data_output_activation", WARNING,
                f"A regression output should be linear; {activation} limits '{out.name}' to [0, 1].",
                node_id=out.id, **fix({"activation": "linear"}, "Use a linear output")))
        if units is not None and units != 1:
            problems.append(Problem(
                "data_targets", ERROR,
                f"The data have one target value per sample but '{out.name}' has {units} units.",
                node_id=out.id, **fix({"units": 1}, "Set units to 1")))
    if loss and units is not None:
        problems += _loss_problems(_loss_name(loss), task, units, recipe, out)
    return problems


def _vocabulary_problems(graph: Graph, input_node, recipe: Recipe) -> list[Problem]:
    """An Embedding fed by the Input must take every word id the vectorize-text step gives."""
    step = next((c for c in recipe.steps if c.get("step") == "vectorize_text"), None)
    if step is None or step.get("output_mode") != "int" or not step.get("stats"):
        return []
    size = len(step["stats"]["vocabulary"])
    problems = []
    for edge in graph.out_edges(input_node.id):
        node = graph.nodes[edge.dst]
        if node.type == "Embedding" and node.params.get("input_dim", size) < size:
            problems.append(Problem(
                "data_vocabulary", ERROR,
                f"The texts are vectorized with {size} word ids but the Embedding '{node.name}' takes "
                f"input_dim={node.params['input_dim']}.", node_id=node.id, fix="set_params",
                detail={"params": {"input_dim": size}, "fix_label": f"Set input_dim to {size}"}))
    return problems


def _loss_problems(loss: str, task: str, units: int, recipe: Recipe, out) -> list[Problem]:
    good = recommended_loss(recipe, units, out.name)
    one_hot = _target_of(recipe, out.name)[1]

    def problem(code, severity, message):
        return Problem(code, severity, message, node_id=out.id, fix="set_loss",
                       detail={"loss": good, "fix_label": f"Use {good}"})

    if task == "regression" and loss in CROSSENTROPY:
        return [problem("data_loss", ERROR, f"{loss} needs class labels, but the data are a regression task.")]
    if task in ("binary", "multiclass"):
        if loss in regression_losses():
            return [problem("data_loss", WARNING, f"The data are a classification task; {loss} trains poorly "
                                                  f"on class labels, use {good}.")]
        if loss == "binary_crossentropy" and units > 1:
            return [problem("data_loss", ERROR, f"binary_crossentropy fits one sigmoid unit; the output has "
                                                f"{units} units, use {good}.")]
        if loss in ("sparse_categorical_crossentropy", "categorical_crossentropy") and units == 1:
            return [problem("data_loss", ERROR, f"{loss} needs one output unit per class; with one unit use "
                                                "binary_crossentropy.")]
        if loss == "categorical_crossentropy" and not one_hot:
            return [problem("data_loss", ERROR, "categorical_crossentropy needs one-hot labels; the labels are "
                                                "class numbers: use sparse_categorical_crossentropy.")]
        if loss == "sparse_categorical_crossentropy" and one_hot:
            return [problem("data_loss", ERROR, "The labels are one-hot encoded: use categorical_crossentropy.")]
    return []
