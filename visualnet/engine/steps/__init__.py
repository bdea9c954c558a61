"""How one batch is trained: the step strategies, chosen in one place (`choose_step`).

* `fused.FusedStep`: unweighted batches whose loss fuses with the output activation; the
  batch is gathered into reused buffers (ahead, on a worker, inside `layer_parallel`), the
  loss and its gradient come from one compiled kernel, accuracy metrics count in one kernel;
  a chain of Dense layers runs the whole step as one compiled program
  (`dense_program.DenseProgram`).
* `python.PythonStep`: everything else (sample weights, losses without a fused kernel, models
  with masks or several outputs).

Both are called as `step(idx, n, ahead) -> loss` (idx: the batch's rows, a slice or an index
array; ahead: the next batch's rows, or None) and `step.close()` when the loop pauses or
ends. Steps sit above kernels and runtime and may import both (and the layers, losses and
metrics); nothing in kernels or runtime imports a step.
"""

from __future__ import annotations

from .fused import FusedStep
from .python import PythonStep, train_step


def choose_step(model, xs, y, weights, batch_size):
    """The fastest step that trains `model` on these arrays exactly (with masks, whose
    output mask weights the loss, or several outputs, the general one)."""
    if model._executor.makes_masks or model.compiled.outputs is not None:
        return PythonStep(model, xs, y, weights)
    if any(layer.adds_loss for layer in model._executor.layers.values()):
        return PythonStep(model, xs, y, weights)   # the fused steps' losses leave out the layers' penalties
    return FusedStep.build(model, xs, y, weights, batch_size) or PythonStep(model, xs, y, weights)


__all__ = ["FusedStep", "PythonStep", "choose_step", "train_step"]
