"""Synthetic 2-D datasets for seeing how networks behave, as in TensorFlow Playground.

Every generator takes `n_samples`, `noise` and `seed`, returns a `Dataset` with features
`x1`, `x2` (the regression curve has one feature `x`), and draws only from `SeededStream`,
so the same arguments give the same points on every machine. Samples are shuffled.
Circles, XOR, spirals and blobs follow the Playground's `dataset.ts` (points in about
[-6, 6]^2, `noise` in [0, 1] scaling the jitter the way its 0-50 % slider does times two);
moons follows scikit-learn's `make_moons`.
"""

import numpy as np

from .dataset import Dataset
from .seeded import SeededStream

RADIUS = 5.0


def _check(n_samples, noise, minimum=2):
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < minimum:
        raise ValueError(f"n_samples must be an integer >= {minimum}; received: n_samples={n_samples!r}")
    if not (isinstance(noise, (int, float, np.floating, np.integer)) and 0.0 <= float(noise) <= 10.0):
        raise ValueError(f"noise must be a number in [0, 10]; received: noise={noise!r}")
    return int(n_samples), float(noise)


def _finish(name, x, y, stream, task, class_names, feature_names, description):
    order = stream.permutation(len(x))
    return Dataset(x=x[order], y=y[order], task=task, name=name, kind="table",
                   feature_names=list(feature_names), class_names=list(class_names),
                   source=description)


def _halves(n):
    return n // 2, n - n // 2


def circles(n_samples: int = 500, noise: float = 0.0, seed: int = 0) -> Dataset:
    """A disc of class 'inside' in a ring of class 'outside' (Playground's 'Circle')."""
    n, noise = _check(n_samples, noise)
    s = SeededStream(seed)
    n_in, n_out = _halves(n)
    r = np.concatenate([s.uniform(n_in, 0.0, RADIUS * 0.5), s.uniform(n_out, RADIUS * 0.7, RADIUS)])
    angle = s.uniform(n, 0.0, 2 * np.pi)
    px, py = r * np.sin(angle), r * np.cos(angle)
    px = px + s.uniform(n, -RADIUS, RADIUS) * noise / 2
    py = py + s.uniform(n, -RADIUS, RADIUS) * noise / 2
    y = (np.hypot(px, py) < RADIUS * 0.5).astype(np.int64)
    y = 1 - y  # class 0 'inside', class 1 'outside'
    return _finish("circles", np.stack([px, py], axis=1), y, s, "binary", ["inside", "outside"],
                   ["x1", "x2"], f"synthetic circles (n_samples={n}, noise={noise}, seed={seed})")


def xor(n_samples: int = 500, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Class by the sign of x1*x2 (Playground's 'Exclusive or')."""
    n, noise = _check(n_samples, noise)
    s = SeededStream(seed)
    padding = 0.3
    px, py = s.uniform(n, -5.0, 5.0), s.uniform(n, -5.0, 5.0)
    px = px + np.where(px > 0, padding, -padding)
    py = py + np.where(py > 0, padding, -padding)
    nx = px + s.uniform(n, -5.0, 5.0) * noise / 2
    ny = py + s.uniform(n, -5.0, 5.0) * noise / 2
    y = (nx * ny < 0).astype(np.int64)  # class 0 'same sign', class 1 'opposite signs'
    return _finish("xor", np.stack([px, py], axis=1), y, s, "binary", ["same sign", "opposite signs"],
                   ["x1", "x2"], f"synthetic XOR (n_samples={n}, noise={noise}, seed={seed})")


def spirals(n_samples: int = 500, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Two interleaved spirals (Playground's 'Spiral')."""
    n, noise = _check(n_samples, noise)
    s = SeededStream(seed)
    parts_x, parts_y = [], []
    for label, (count, delta) in enumerate(zip(_halves(n), (0.0, np.pi))):
        i = np.arange(count, dtype=np.float64)
        r = i / count * RADIUS
        t = 1.75 * i / count * 2 * np.pi + delta
        px = r * np.sin(t) + s.uniform(count, -1.0, 1.0) * noise * 2
        py = r * np.cos(t) + s.uniform(count, -1.0, 1.0) * noise * 2
        parts_x.append(np.stack([px, py], axis=1))
        parts_y.append(np.full(count, label, dtype=np.int64))
    return _finish("spirals", np.concatenate(parts_x), np.concatenate(parts_y), s, "binary",
                   ["spiral A", "spiral B"], ["x1", "x2"],
                   f"synthetic two spirals (n_samples={n}, noise={noise}, seed={seed})")


def moons(n_samples: int = 500, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Two interleaving half circles (scikit-learn's `make_moons`); noise is a Gaussian std."""
    n, noise = _check(n_samples, noise)
    s = SeededStream(seed)
    n_out, n_in = _halves(n)
    t_out = np.linspace(0.0, np.pi, n_out)
    t_in = np.linspace(0.0, np.pi, n_in)
    x = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], axis=1),
                        np.stack([1.0 - np.cos(t_in), 0.5 - np.sin(t_in)], axis=1)])
    x = x + s.normal(2 * n).reshape(n, 2) * noise
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    return _finish("moons", x, y, s, "binary", ["upper moon", "lower moon"], ["x1", "x2"],
                   f"synthetic moons (n_samples={n}, noise={noise}, seed={seed})")


def blobs(n_samples: int = 500, noise: float = 0.0, seed: int = 0, centers: int = 2) -> Dataset:
    """Gaussian clusters (Playground's 'Gaussian' when centers=2: at (2, 2) and (-2, -2)).

    Centers lie on a circle of radius 2*sqrt(2) starting at 45 degrees; each cluster's
    variance grows from 0.5 (noise=0) to 4 (noise=0.5) as in the Playground.
    """
    n, noise = _check(n_samples, noise)
    if isinstance(centers, bool) or not isinstance(centers, (int, np.integer)) or not 2 <= centers <= 10:
        raise ValueError(f"centers must be an integer in [2, 10]; received: centers={centers!r}")
    if n < centers:
        raise ValueError(f"n_samples must be at least centers={centers}; received: n_samples={n}")
    s = SeededStream(seed)
    std = np.sqrt(0.5 + 7.0 * noise)
    counts = [n // centers + (1 if k < n % centers else 0) for k in range(centers)]
    angles = np.pi / 4 + 2 * np.pi * np.arange(centers) / centers
    cx, cy = 2 * np.sqrt(2) * np.cos(angles), 2 * np.sqrt(2) * np.sin(angles)
    x = np.concatenate([np.stack([s.normal(c, cx[k], std), s.normal(c, cy[k], std)], axis=1)
                        for k, c in enumerate(counts)])
    y = np.concatenate([np.full(c, k, dtype=np.int64) for k, c in enumerate(counts)])
    task = "binary" if centers == 2 else "multiclass"
    return _finish("blobs", x, y, s, task, [f"cluster {k + 1}" for k in range(centers)], ["x1", "x2"],
                   f"synthetic Gaussian blobs (n_samples={n}, noise={noise}, seed={seed}, centers={centers})")


def regression_curve(n_samples: int = 200, noise: float = 0.1, seed: int = 0) -> Dataset:
    """y = sin(2x) + 0.1x^2 on x uniform in [-3, 3], plus Gaussian noise of std `noise`."""
    n, noise = _check(n_samples, noise)
    s = SeededStream(seed)
    x = s.uniform(n, -3.0, 3.0)
    y = np.sin(2 * x) + 0.1 * x ** 2 + s.normal(n) * noise
    return _finish("regression_curve", x.reshape(n, 1), y, s, "regression", [], ["x"],
                   f"synthetic curve y = sin(2x) + 0.1x^2 + noise (n_samples={n}, noise={noise}, seed={seed})")


GENERATORS = {f.__name__: f for f in (circles, moons, xor, spirals, blobs, regression_curve)}
