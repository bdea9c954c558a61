"""Seeded random draws whose results are the same on every machine and NumPy version.

NumPy promises a fixed output stream only for the bit generators, not for the
`Generator` methods built on them (`permutation`, `normal`, ... may change between
releases). So every draw here is derived, by an algorithm written out below, from the
raw 64-bit words of PCG64 seeded through `np.random.default_rng(seed)`:

- permutation: stable argsort of n raw words (ties are astronomically unlikely and are
  broken by position anyway);
- uniform in [0, 1): the top 53 bits of a word times 2**-53;
- standard normal: Box-Muller on two uniforms.

Integer results (permutations, splits) are therefore bit-identical everywhere; float
results can differ only by the last bit of `log`/`cos` on some CPUs.
"""

import numpy as np


def check_seed(seed) -> int:
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; received: seed={seed!r}")
    return int(seed)


class SeededStream:
    """A reproducible source of random draws (see the module docstring)."""

    def __init__(self, seed: int):
        self.seed = check_seed(seed)
        self._bits = np.random.default_rng(self.seed).bit_generator

    def words(self, n: int) -> np.ndarray:
        """n raw unsigned 64-bit words."""
        return np.asarray(self._bits.random_raw(int(n)), dtype=np.uint64).reshape(int(n))

    def permutation(self, n: int) -> np.ndarray:
        """A random ordering of range(n), as int64 indices."""
        return np.argsort(self.words(n), kind="stable").astype(np.int64)

    def uniform(self, n: int, low: float = 0.0, high: float = 1.0) -> np.ndarray:
        u = (self.words(n) >> np.uint64(11)).astype(np.float64) * (2.0 ** -53)
        return low + (high - low) * u

    def normal(self, n: int, loc: float = 0.0, scale: float = 1.0) -> np.ndarray:
        u1 = 1.0 - self.uniform(n)          # in (0, 1]: log is finite
        u2 = self.uniform(n)
        z = np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
        return loc + scale * z
