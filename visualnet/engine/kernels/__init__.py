"""Compute kernels: the serial NumPy/Numba code that does a layer's arithmetic (register-
tiled GEMMs, convolution by im2col, Winograd and direct 3x3, dilated, grouped, transposed
and depthwise convolutions, pooling, Dense's fused products, padding geometry), and the
compiled jobs that run them on a worker.

Imports point one way, checked by import-linter (pyproject.toml): kernels may import
`engine.runtime` (jobs to post their parts as compiled jobs, `split` to cut a batch into
parts, `spin.data` for array pointers); runtime never imports kernels, and neither imports
`engine.steps`. Layers, losses and optimizers sit above both.
"""
