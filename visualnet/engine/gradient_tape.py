"""`GradientTape`: the gradients a custom `train_step` asks for, with TensorFlow's API.

Keras 3 has no backend-neutral way to take gradients: its "customizing fit()" guides get
them from `tf.GradientTape`, `torch`'s `loss.backward()` or `jax.value_and_grad`. VisualNet
offers TensorFlow's form on its own tape (tape.py), so such a program runs with its
TensorFlow import changed to `from visualnet.gradients import GradientTape`:

    with GradientTape() as tape:
        y_pred = self(x, training=True)          # the model's layers run on the tape
        loss = self.compute_loss(y=y, y_pred=y_pred)
    grads = tape.gradient(loss, self.trainable_weights)
    self.optimizer.apply(grads, self.trainable_weights)

A model or layer called inside the block records its ops; `gradient(target, sources)`
back-propagates from `target` (its sum, when not a scalar, as TensorFlow does) to the
sources: weights as `trainable_weights` lists them (arrays), `layer.kernel`-style variables,
custom layers' weights, or tensors the block made. Tapes opened inside one another share
one record, so each may ask for its own gradients.
"""

from __future__ import annotations

import threading

import numpy as np

from .tape import Tape, TapeTensor, active_tape, as_array, begin_pass

_local = threading.local()


class GradientTape:
    """Records the forward passes run inside `with GradientTape() as tape:`."""

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self.persistent = bool(persistent)
        self._tape: Tape | None = None
        self._owns = False
        self._used = False

    def __enter__(self) -> "GradientTape":
        outer = getattr(_local, "open", None)
        if outer and active_tape() is outer[-1]._tape:
            self._tape, self._owns = outer[-1]._tape, False   # nested: one record, as TF's tapes both watch
        else:
            self._tape, self._owns = Tape(), True
            self._tape.__enter__()
            begin_pass()
        _local.open = [*(outer or []), self]
        return self

    def __exit__(self, *exc) -> None:
        _local.open = [t for t in getattr(_local, "open", []) if t is not self]
        if self._owns:
            self._tape.__exit__(*exc)

    def watch(self, tensor) -> TapeTensor:
        """A tracked copy of `tensor` whose gradient `gradient` can then give (TensorFlow
        marks the tensor itself; here use the returned one in the computation)."""
        return self._tape.watch(tensor)

    def gradient(self, target, sources, output_gradients=None):
        """d sum(target) / d source for each source (a list for a list, one array for one);
        None for a source the target does not depend on."""
        if self._tape is None:
            raise RuntimeError("GradientTape.gradient() needs the tape to have recorded: call it after a "
                               "`with GradientTape() as tape:` block.")
        if self._used and not self.persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one set of gradients; "
                               "create it with GradientTape(persistent=True) to ask again.")
        self._used = True
        single = not isinstance(sources, (list, tuple))
        items = [sources] if single else list(sources)
        grads = [None] * len(items)
        if isinstance(target, TapeTensor) and target.tracked:
            layers = self._tape.layers
            for layer in layers:            # their rules add to `grads`: this call's alone
                for g in layer.grads.values():
                    g[...] = 0.0
            seed = np.ones(target.shape, np.float32) if output_gradients is None else as_array(output_gradients)
            self._tape.gradients([target], [seed])
            grads = [_gradient_of(s, self._tape, layers) for s in items]
        return grads[0] if single else grads


def _gradient_of(source, tape: Tape, layers: list):
    """The gradient the last back-propagation left for `source`, a copy (or None)."""
    if isinstance(source, TapeTensor):
        return None if source.grad is None else np.array(source.grad)
    for weight, leaf in tape.weights:       # custom layers' weights: leaves of the tape
        if source is weight or source is weight.value:
            return None if leaf.grad is None else np.array(leaf.grad)
    layer = getattr(source, "_layer", None)
    key = getattr(source, "_key", None)
    array = getattr(source, "value", source) if key is not None else source
    for candidate in layers:                 # registry layers: their `grads` beside `values`
        if layer is not None and candidate is not layer:
            continue
        for name, value in candidate.values.items():
            if (value is array or (key is not None and name == key)) and name in candidate.grads:
                return np.array(candidate.grads[name])
    return None
