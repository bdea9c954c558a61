"""How one batch is trained: the step strategies, chosen in one place (`choose_step`).

* `fused.FusedStep`: unweighted batches whose loss fuses with the output activation; the
  batch is gathered into reused buffers (ahead, on a worker, inside `layer_parallel`), the
  loss and its gradient come from one compiled kernel, accuracy metrics count in one kernel;
  a chain of Dense layers runs the whole step as one compiled program
  (`dense_program.DenseProgram`).
* `python.PythonStep`: everything else (sample weights, losses without a fused kernel, models
  with masks or several outputs), and every model with an activity penalty
  (activity_regularizer, ActivityRegularization): the fused kernels give the loss's
  gradient fused with the output activation, where an activity penalty needs the gradient of
  a layer's output itself.

Regularizers and constraints (issue 24): the weight regularizers' penalties and gradients
are added by both steps run from Python (`python.added_losses`, `FusedStep`), and the
weights' constraints applied after each optimizer step (`python.apply_gradients`); the
compiled Dense program does neither (its optimizer runs inside the program), so a model
with either runs the fused step from Python (dense_program.py).

Both are called as `step(idx, n, ahead) -> loss` (idx: the batch's rows, a slice or an index
array; ahead: the next batch's rows, or None) and `step.close()` when the loop pauses or
ends. Steps sit above kernels and runtime and may import both (and the layers, losses and
metrics); nothing in kernels or runtime imports a step.
"""

from __future__ import annotations

from ..penalties import has_activity_penalties
from .fused import FusedStep
from .python import PythonStep, train_step


def choose_step(model, xs, y, weights, batch_size):
    """The fastest step that trains `model` on these arrays exactly (with masks, whose
    output mask weights the loss, or several outputs, the general one)."""
    if model._executor.makes_masks or model.compiled.outputs is not None:
        return PythonStep(model, xs, y, weights)
    if has_activity_penalties(model):
        return PythonStep(model, xs, y, weights)   # the fused steps' gradients start below the output activation
    return FusedStep.build(model, xs, y, weights, batch_size) or PythonStep(model, xs, y, weights)


__all__ = ["FusedStep", "PythonStep", "choose_step", "train_step"]
