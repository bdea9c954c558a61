"""Pure NumPy/Numba kernels (convolution, pooling) that the engine's layers call."""
