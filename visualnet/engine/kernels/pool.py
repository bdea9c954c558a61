"""2-D pooling on channels_last tensors, Keras/TF semantics.

Max pooling ignores padded cells and sends the gradient to the first maximum of each
window in row-major order (as TF does). Average pooling with 'same' padding divides by
the number of real, unpadded cells. Every forward returns (y, ctx); backward(dy, ctx) -> dx.
`strides=None` means strides = pool_size, as in Keras.
"""

import numpy as np

from visualnet.engine._jit import njit
from visualnet.engine.kernels.padding import pair, window_geometry
from visualnet.engine.runtime.split import parts_for, split


@njit
def _max_pool(x, ph, pw, sh, sw, pt, pl, y, arg):
    """With `arg` of size 0 only y is computed (prediction needs no argmax). The channel
    loops are branch-free selects on contiguous rows, so they vectorise."""
    n_img, h, w, c = x.shape
    _, oh, ow, _ = y.shape
    with_arg = arg.size > 0
    for r in range(n_img * oh):
        n = r // oh
        i = r - n * oh
        h0 = max(i * sh - pt, 0)
        h1 = min(i * sh - pt + ph, h)
        for j in range(ow):
            w0 = max(j * sw - pl, 0)
            w1 = min(j * sw - pl + pw, w)
            yrow = y[n, i, j]
            src = x[n, h0, w0]
            for ch in range(c):
                yrow[ch] = src[ch]
            if with_arg:
                arow = arg[n, i, j]
                first = h0 * w + w0
                for ch in range(c):
                    arow[ch] = first
            for hi in range(h0, h1):
                for wi in range(w0, w1):
                    src = x[n, hi, wi]
                    if with_arg:
                        cell = hi * w + wi
                        for ch in range(c):
                            v = src[ch]
                            better = v > yrow[ch]
                            yrow[ch] = v if better else yrow[ch]
                            arow[ch] = cell if better else arow[ch]
                    else:
                        for ch in range(c):
                            v = src[ch]
                            yrow[ch] = v if v > yrow[ch] else yrow[ch]


@njit(inline="always")
def max4(a, b, d, e):
    """The maximum of a 2x2 window's cells in row-major order, as max pooling takes it
    (a NaN first cell is kept, a later one is passed over)."""
    m = a
    if b > m:
        m = b
    if d > m:
        m = d
    if e > m:
        m = e
    return m


@njit
def _max_pool_2x2(x, y, arg):
    """The common case (2x2 windows, stride 2, no padding) with each channel's maximum
    kept in a register over the 4 cells: several times faster than the general loop.
    Same semantics: the first maximum in row-major order wins; `arg` of size 0: none."""
    n_img, h, w, c = x.shape
    _, oh, ow, _ = y.shape
    with_arg = arg.size > 0
    for n in range(n_img):
        for i in range(oh):
            for j in range(ow):
                a, b = x[n, 2 * i, 2 * j], x[n, 2 * i, 2 * j + 1]
                d, e = x[n, 2 * i + 1, 2 * j], x[n, 2 * i + 1, 2 * j + 1]
                yrow = y[n, i, j]
                if with_arg:
                    arow = arg[n, i, j]
                    base = 2 * i * w + 2 * j
                    for ch in range(c):
                        m, k = a[ch], base
                        if b[ch] > m:
                            m, k = b[ch], base + 1
                        if d[ch] > m:
                            m, k = d[ch], base + w
                        if e[ch] > m:
                            m, k = e[ch], base + w + 1
                        yrow[ch] = m
                        arow[ch] = k
                else:
                    for ch in range(c):
                        yrow[ch] = max4(a[ch], b[ch], d[ch], e[ch])


@njit
def _max_pool_backward(dy, arg, dx, gate, gated):
    """dx = dy routed to the argmax cells; with `gated`, only where gate > 0 (the
    derivative of a ReLU applied after the pooling, see max_pool2d_backward)."""
    n_img, oh, ow, c = dy.shape
    zero = dy.dtype.type(0.0)
    for n in range(n_img):
        dx[n] = 0
        for i in range(oh):
            for j in range(ow):
                arow, drow = arg[n, i, j], dy[n, i, j]
                if gated:
                    grow = gate[n, i, j]
                    for ch in range(c):
                        dx[n, arow[ch], ch] += drow[ch] if grow[ch] > zero else zero
                else:
                    for ch in range(c):
                        dx[n, arow[ch], ch] += drow[ch]


@njit
def _max_pool_2x2_backward(dy, arg, dx, gate, gated):
    """_max_pool_backward for 2x2 stride-2 'valid' windows, dx (N, H, W, C): every cell is
    written once (dy at its window's argmax, else 0) in a loop over a window's channels
    that vectorises, instead of zeroing dx and scattering;
    cells past the last window are 0."""
    n_img, oh, ow, c = dy.shape
    _, h, w, _ = dx.shape
    zero = dy.dtype.type(0.0)
    ungated = not gated
    for n in range(n_img):
        for i in range(oh):
            top, bottom = dx[n, 2 * i].reshape(-1), dx[n, 2 * i + 1].reshape(-1)
            for j in range(ow):
                base, left, right = 2 * i * w + 2 * j, 2 * j * c, (2 * j + 1) * c
                for ch in range(c):
                    g = dy[n, i, j, ch] if (gate[n, i, j, ch] > zero) | ungated else zero  # no branch: vectorises
                    k = arg[n, i, j, ch] - base
                    top[left + ch] = g if k == 0 else zero
                    top[right + ch] = g if k == 1 else zero
                    bottom[left + ch] = g if k == w else zero
                    bottom[right + ch] = g if k == w + 1 else zero
            for j in range(2 * ow, w):
                dx[n, 2 * i, j] = zero
                dx[n, 2 * i + 1, j] = zero
        for i in range(2 * oh, h):
            dx[n, i] = zero


@njit
def _avg_pool(x, ph, pw, sh, sw, pt, pl, y):
    n_img, h, w, c = x.shape
    _, oh, ow, _ = y.shape
    for r in range(n_img * oh):
        n = r // oh
        i = r - n * oh
        h0 = max(i * sh - pt, 0)
        h1 = min(i * sh - pt + ph, h)
        for j in range(ow):
            w0 = max(j * sw - pl, 0)
            w1 = min(j * sw - pl + pw, w)
            for ch in range(c):
                y[n, i, j, ch] = 0
            for hi in range(h0, h1):
                for wi in range(w0, w1):
                    for ch in range(c):
                        y[n, i, j, ch] += x[n, hi, wi, ch]
            scale = 1.0 / ((h1 - h0) * (w1 - w0))
            for ch in range(c):
                y[n, i, j, ch] *= scale


@njit
def _avg_pool_backward(dy, ph, pw, sh, sw, pt, pl, dx):
    n_img, h, w, c = dx.shape
    _, oh, ow, _ = dy.shape
    for n in range(n_img):
        dx[n] = 0
        for i in range(oh):
            h0 = max(i * sh - pt, 0)
            h1 = min(i * sh - pt + ph, h)
            for j in range(ow):
                w0 = max(j * sw - pl, 0)
                w1 = min(j * sw - pl + pw, w)
                scale = 1.0 / ((h1 - h0) * (w1 - w0))
                for hi in range(h0, h1):
                    for wi in range(w0, w1):
                        for ch in range(c):
                            dx[n, hi, wi, ch] += dy[n, i, j, ch] * scale


# `out` / `arg_out` (optional everywhere): C-contiguous arrays of the result's shape and
# dtype that receive it, so a layer can reuse its own buffers batch after batch.

def _out(out, shape, dtype):
    if out is None:
        return np.empty(shape, dtype)
    if out.shape != tuple(shape) or out.dtype != dtype or not out.flags.c_contiguous:
        raise ValueError(f"out must be a C-contiguous {np.dtype(dtype)} array of shape {tuple(shape)}; "
                         f"received {out.dtype} {out.shape}")
    return out


def output_shape(x_shape, pool_size, strides, padding):
    """(N, OH, OW, C) of pooling an input of `x_shape`."""
    ph, pw = pair(pool_size)
    sh, sw = pair(pool_size if strides is None else strides)
    n, h, w, c = x_shape
    oh, ow, _, _ = window_geometry(h, w, (ph, pw), (sh, sw), padding)
    return n, oh, ow, c


def _setup(x, pool_size, strides, padding, out):
    x = np.ascontiguousarray(x)
    ph, pw = pair(pool_size)
    sh, sw = pair(pool_size if strides is None else strides)
    n, h, w, c = x.shape
    oh, ow, pt, pl = window_geometry(h, w, (ph, pw), (sh, sw), padding)
    return x, (ph, pw, sh, sw, pt, pl), _out(out, (n, oh, ow, c), x.dtype)


_NO_ARG = np.zeros((0, 0, 0, 0), np.int32)


def max_pool2d_forward(x, pool_size, strides, padding, out=None, arg_out=None, need_arg=True):
    """x (N, H, W, C) -> (y (N, OH, OW, C), ctx); ctx keeps each window's argmax
    (not computed with need_arg=False, for prediction: backward then cannot run)."""
    x, geom, y = _setup(x, pool_size, strides, padding, out)
    arg = _out(arg_out, y.shape, np.int32) if need_arg else _NO_ARG
    ph, pw, sh, sw, pt, pl = geom
    windows_2x2 = ph == pw == sh == sw == 2 and pt == pl == 0 and 2 * y.shape[1] <= x.shape[1] \
        and 2 * y.shape[2] <= x.shape[2]
    if windows_2x2:
        _by_images(x, lambda lo, hi: _max_pool_2x2(x[lo:hi], y[lo:hi], arg[lo:hi]))
    else:
        _by_images(x, lambda lo, hi: _max_pool(x[lo:hi], *geom, y[lo:hi], arg[lo:hi]))
    return y, (x.shape, arg if need_arg else None, windows_2x2)


@njit
def max_pool_2x2_into(x, y):
    """y = 2x2 stride-2 'valid' max pooling of x (a convolution's chunk or image pooled in
    cache; serial: the caller splits). Compiled, so kernels call it too (with an arg array
    of its own: a global one would be a read-only constant there)."""
    _max_pool_2x2(x, y, np.zeros((0, 0, 0, 0), np.int32))


def max_pool2d_backward(dy, ctx, out=None, relu_output=None):
    """Gradient of max pooling: dy routed to each window's first maximum.

    `relu_output`: the pooled output after a ReLU (relu(maxpool(z)) == maxpool(relu(z))),
    to pass dy only where it is positive: the gradient of ReLU-then-pool in one pass."""
    shape, arg, windows_2x2 = ctx
    n, h, w, c = shape
    dx = _out(out, shape, dy.dtype)
    dy = np.ascontiguousarray(dy)
    gate = dy if relu_output is None else np.ascontiguousarray(relu_output)
    gated = relu_output is not None
    if windows_2x2:
        _by_images(dx, lambda lo, hi: _max_pool_2x2_backward(dy[lo:hi], arg[lo:hi], dx[lo:hi], gate[lo:hi], gated))
        return dx
    flat = dx.reshape(n, h * w, c)
    _by_images(dx, lambda lo, hi: _max_pool_backward(dy[lo:hi], arg[lo:hi], flat[lo:hi], gate[lo:hi], gated))
    return dx


def avg_pool2d_forward(x, pool_size, strides, padding, out=None):
    """x (N, H, W, C) -> (y (N, OH, OW, C), ctx); each window's mean over its real cells."""
    x, geom, y = _setup(x, pool_size, strides, padding, out)
    _by_images(x, lambda lo, hi: _avg_pool(x[lo:hi], *geom, y[lo:hi]))
    return y, (x.shape, geom)


def avg_pool2d_backward(dy, ctx, out=None):
    """Gradient of average pooling: dy / (real cells) spread over each window."""
    shape, geom = ctx
    dx = _out(out, shape, dy.dtype)
    dy = np.ascontiguousarray(dy)
    _by_images(dx, lambda lo, hi: _avg_pool_backward(dy[lo:hi], *geom, dx[lo:hi]))
    return dx


def _by_images(big, fn):
    """fn(lo, hi) over parts of the images of `big` (the larger array), in parallel when it
    pays (runtime/split.py)."""
    split(len(big), lambda lo, hi, _: fn(lo, hi), parts_for(big.size))


def global_avg_pool2d_forward(x, out=None):
    """x (N, H, W, C) -> (y (N, C), ctx): the mean over H and W (average pooling with one
    window as large as the image)."""
    n, h, w, c = x.shape
    y = _out(out, (n, c), x.dtype)
    _, ctx = avg_pool2d_forward(x, (h, w), (h, w), "valid", out=y.reshape(n, 1, 1, c))
    return y, ctx


def global_avg_pool2d_backward(dy, ctx, out=None):
    """dy (N, C) -> dx (N, H, W, C), dy / (H * W) everywhere."""
    return avg_pool2d_backward(dy.reshape(dy.shape[0], 1, 1, -1), ctx, out=out)


def global_max_pool2d_forward(x, out=None):
    """x (N, H, W, C) -> (y (N, C), ctx): the max over H and W (first one on ties)."""
    n, h, w, c = x.shape
    flat = x.reshape(n, h * w, c)
    arg = flat.argmax(axis=1)[:, None, :]
    y = _out(out, (n, c), x.dtype)
    y[...] = np.take_along_axis(flat, arg, axis=1)[:, 0, :]
    return y, (x.shape, arg)


def global_max_pool2d_backward(dy, ctx, out=None):
    """dy (N, C) -> dx (N, H, W, C), nonzero only at each channel's first maximum."""
    shape, arg = ctx
    n, h, w, c = shape
    dx = _out(out, shape, dy.dtype).reshape(n, h * w, c)
    dx[...] = 0
    np.put_along_axis(dx, arg, dy[:, None, :], axis=1)
    return dx.reshape(shape)
