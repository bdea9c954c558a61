"""`check_layer`: the one harness every engine layer goes through.

It checks the output shape against the registry's shape rule, the config round trip,
and backward against central finite differences (float64), for inputs and weights."""

from __future__ import annotations

import numpy as np

from visualnet.engine.layers import LAYER_CLASSES


def numeric_grad(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    grad = np.zeros_like(x)
    flat, g = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        hi = f()
        flat[i] = old - eps
        lo = f()
        flat[i] = old
        g[i] = (hi - lo) / (2 * eps)
    return grad


def check_layer(layer_type: str, kwargs: dict, input_shapes, seed: int = 0, training: bool = True,
                atol: float = 1e-6, ids: int | None = None):
    """Build `layer_type(**kwargs)` on inputs of `input_shapes` (batch included) and check it.
    `ids`: the inputs are integer ids in 0..ids-1 (Embedding); their gradient must be zero
    or None, and only the weights' gradients are compared with finite differences."""
    cls = LAYER_CLASSES[layer_type]
    rng = np.random.default_rng(seed)
    shapes = [tuple(s) for s in (input_shapes if isinstance(input_shapes[0], (tuple, list)) else [input_shapes])]
    layer = cls(**kwargs)
    layer.build([(None, *s[1:]) for s in shapes])
    expected = layer.spec.output_shape(layer.spec.normalize(kwargs), [(None, *s[1:]) for s in shapes])
    assert layer.output_shape == expected

    config = layer.get_config()
    clone = cls.from_config({**config, "name": config["name"] + "_clone"})
    assert {**clone.get_config(), "name": config["name"]} == config

    # Weights and inputs in float64, so that finite differences are exact to ~1e-8.
    for w in layer.weight_specs:
        value = rng.normal(0, 0.5, w.shape)
        if w.name in ("moving_variance", "variance"):
            value = np.abs(value) + 0.5
        layer.values[w.name] = value
        layer.grads[w.name] = np.zeros(w.shape)
    xs = [rng.normal(0, 1, s) if ids is None else rng.integers(0, ids, s).astype(np.float64) for s in shapes]
    y = layer.forward(list(xs), training)
    assert y.shape == (shapes[0][0], *expected[1:])
    r = rng.normal(0, 1, y.shape)

    def loss():  # with the penalty a layer adds to the loss (ActivityRegularization's)
        y = layer.forward(list(xs), training)
        return float(np.sum(y * r)) + layer.added_loss

    layer.forward(list(xs), training)
    dxs = layer.backward(r.copy(), need_dx=True)
    analytic = {w.name: layer.grads[w.name].copy() for w in layer.weight_specs if w.trainable}
    for i, (x, dx) in enumerate(zip(xs, dxs)):
        if ids is not None:
            assert dx is None or not np.any(dx), f"{layer_type}: ids must get no gradient"
            continue
        np.testing.assert_allclose(dx, numeric_grad(loss, x), atol=atol, rtol=1e-4,
                                   err_msg=f"{layer_type}: gradient of input {i}")
    for name, grad in analytic.items():
        np.testing.assert_allclose(grad, numeric_grad(loss, layer.values[name]), atol=atol, rtol=1e-4,
                                   err_msg=f"{layer_type}: gradient of weight {name}")
    return layer
