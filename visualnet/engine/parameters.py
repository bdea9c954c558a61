"""All weights of a model as views into two contiguous float32 vectors (trainable and
not), and the trainable gradients likewise: an optimizer step is one fused kernel over
one vector, and saving or restoring weights is one copy."""

from __future__ import annotations

import math

import numpy as np


class ParameterStore:
    """Rebinds the `values`/`grads` of `layers` (in Keras's weight order) to views; with
    `trainable=False` (a frozen model) every weight is non-trainable."""

    def __init__(self, layers, trainable: bool = True):
        self.layers = list(layers)
        self.entries = []  # (layer, WeightSpec, trainable) in Keras order
        for layer in self.layers:
            for w in layer.weight_specs:
                self.entries.append((layer, w, trainable and w.trainable and layer.trainable))
        t_size = sum(math.prod(w.shape) for _, w, t in self.entries if t)
        n_size = sum(math.prod(w.shape) for _, w, t in self.entries if not t)
        self.trainable = np.zeros(t_size, np.float32)
        self.grads = np.zeros(t_size, np.float32)
        self.non_trainable = np.zeros(n_size, np.float32)
        self.sizes: list[int] = []  # trainable segment sizes, in order (for the optimizer)
        self._views: list[np.ndarray] = []
        offsets = {True: 0, False: 0}
        for layer, w, t in self.entries:
            size = math.prod(w.shape)
            start = offsets[t]
            offsets[t] += size
            buf = self.trainable if t else self.non_trainable
            view = buf[start:start + size].reshape(w.shape)
            view[...] = layer.values[w.name]
            layer.values[w.name] = view
            self._views.append(view)
            if t:
                layer.grads[w.name] = self.grads[start:start + size].reshape(w.shape)
                self.sizes.append(size)

    def is_bound(self) -> bool:
        """Whether the layers still use this store's views (another model sharing them
        rebinds them to its own store)."""
        return all(layer.values[w.name] is v for (layer, w, _), v in zip(self.entries, self._views))

    def arrays(self) -> list[np.ndarray]:
        """Every weight (views), in Keras's order."""
        return [layer.values[w.name] for layer, w, _ in self.entries]
