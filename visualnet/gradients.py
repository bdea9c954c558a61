"""Gradients for custom training steps: `from visualnet.gradients import GradientTape`.

Keras 3 leaves gradients to the backend (`tf.GradientTape`, torch's `loss.backward()`,
`jax.grad`); a Keras program written for TensorFlow's form runs on VisualNet with this one
import in place of TensorFlow's (see visualnet/engine/gradient_tape.py)."""

from .engine.gradient_tape import GradientTape  # noqa: F401

__all__ = ["GradientTape"]
