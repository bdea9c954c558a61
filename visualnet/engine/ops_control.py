"""`keras.ops`' control flow and tensor utilities: cond, switch, loops, scan and map run
eagerly in Python (under the tape they are unrolled, each step's ops recorded, so the
gradient flows through every iteration); `custom_gradient` puts a user's gradient
function on the tape; is_tensor, dtype and saturate_cast."""

from __future__ import annotations

import numpy as np

from .ops_core import _make, _v, cast
from .ops_math import clip
from .ops_shapes import stack, take
from .tape import TapeTensor, as_array, lift
from .variables import Tensor


def _leaves(tree):
    if isinstance(tree, (list, tuple)):
        return [leaf for item in tree for leaf in _leaves(item)]
    if isinstance(tree, dict):
        return [leaf for key in tree for leaf in _leaves(tree[key])]
    return [tree]


def _map_tree(fn, *trees):
    first = trees[0]
    if isinstance(first, (list, tuple)):
        return type(first)(_map_tree(fn, *items) for items in zip(*trees))
    if isinstance(first, dict):
        return {k: _map_tree(fn, *(t[k] for t in trees)) for k in first}
    return fn(*trees)


def _truth(pred) -> bool:
    return bool(np.asarray(as_array(pred)).reshape(()))


def cond(pred, true_fn, false_fn):
    return true_fn() if _truth(pred) else false_fn()


def switch(index, branches, *operands):
    i = int(np.clip(int(np.asarray(as_array(index)).reshape(())), 0, len(branches) - 1))
    return branches[i](*operands)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    single = not isinstance(loop_vars, (list, tuple))
    state = (loop_vars,) if single else tuple(loop_vars)
    steps = 0
    while (maximum_iterations is None or steps < maximum_iterations) and _truth(cond(*state)):
        out = body(*state)
        state = (out,) if single or not isinstance(out, (list, tuple)) else tuple(out)
        steps += 1
    return state[0] if single else (list(state) if isinstance(loop_vars, list) else state)


def fori_loop(lower, upper, body_fun, init_val):
    value = init_val
    for i in range(int(as_array(lower)), int(as_array(upper))):
        value = body_fun(i, value)
    return value


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    if xs is None and length is None:
        raise ValueError("Got no `xs` to scan over and `length` not provided.")
    n = int(length) if xs is None else int(as_array(_leaves(xs)[0]).shape[0])
    carry, ys = init, []
    for i in (reversed(range(n)) if reverse else range(n)):
        x = None if xs is None else _map_tree(lambda t: take(t, i, axis=0), xs)
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys or ys[0] is None:
        return carry, None
    return carry, _map_tree(lambda *items: stack(list(items), axis=0), *ys)


def associative_scan(f, elems, reverse=False, axis=0):
    """Prefix results `f(f(e0, e1), e2)...` along `axis`, computed in order."""
    n = int(as_array(_leaves(elems)[0]).shape[axis])
    order = list(reversed(range(n))) if reverse else list(range(n))
    acc, out = None, []
    for i in order:
        item = _map_tree(lambda t: take(t, i, axis=axis), elems)
        acc = item if acc is None else f(acc, item)
        out.append(acc)
    if reverse:
        out.reverse()
    return _map_tree(lambda *items: stack(list(items), axis=axis), *out)


def map(f, xs):
    n = int(as_array(_leaves(xs)[0]).shape[0])
    outs = [f(_map_tree(lambda t: take(t, i, axis=0), xs)) for i in range(n)]
    return _map_tree(lambda *items: stack(list(items), axis=0), *outs)


def vectorized_map(function, elements):
    return map(function, elements)


def custom_gradient(f):
    """`f(*args) -> (output, grad_fn)`; on the tape the output's gradient is `grad_fn`'s
    (called as `grad_fn(upstream)`, or `grad_fn(*args, upstream=...)` when it takes it)."""
    import functools
    import inspect

    @functools.wraps(f)
    def wrapper(*args):
        lifted = [lift(a) for a in args]
        frozen = [TapeTensor(_v(a)) if isinstance(a, TapeTensor) else a for a in lifted]
        out, grad_fn = f(*frozen)
        params = inspect.signature(grad_fn).parameters

        def rule(g):
            upstream = g
            grads = grad_fn(upstream=upstream) if "upstream" in params else grad_fn(upstream)
            grads = grads if isinstance(grads, (list, tuple)) else (grads,)
            return tuple(None if d is None else np.asarray(as_array(d), np.float32) for d in grads)
        return _make(as_array(out), tuple(lifted), rule)
    return wrapper


def is_tensor(x) -> bool:
    """Whether `x` is one of VisualNet's tensors (an op's result or a tape's), not a plain array."""
    return isinstance(x, (Tensor, TapeTensor))


def dtype(x) -> str:
    """The dtype's name (also of a symbolic tensor)."""
    if not isinstance(x, (np.ndarray, TapeTensor)) and isinstance(getattr(x, "dtype", None), str):
        return x.dtype
    return np.dtype(as_array(x).dtype).name


def saturate_cast(x, dtype):
    """`cast` with the values clipped to the range of `dtype` first."""
    dt = np.dtype(dtype)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        x = clip(x, float(info.min), float(info.max))
    return cast(x, dt)


__all__ = [name for name, value in list(globals().items())
           if not name.startswith("_") and callable(value) and getattr(value, "__module__", None) == __name__]
