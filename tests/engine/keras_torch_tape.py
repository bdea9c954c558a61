"""TensorFlow's `GradientTape` API on PyTorch's autograd, for real Keras on its torch backend:
the Keras twin of a program that takes gradients with `visualnet.gradients.GradientTape`
imports this instead (a test oracle only; VisualNet never imports torch)."""

import torch


class GradientTape:
    def __init__(self, persistent=False, watch_accessed_variables=True):
        self.persistent = persistent

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def watch(self, tensor):
        return tensor

    def gradient(self, target, sources, output_gradients=None):
        single = not isinstance(sources, (list, tuple))
        items = [sources] if single else list(sources)
        tensors = [getattr(s, "value", s) for s in items]
        if target.ndim:
            target = target.sum()
        grads = torch.autograd.grad(target, tensors, allow_unused=True, retain_graph=True)
        return grads[0] if single else list(grads)
