"""Fused kernels of the regression, margin and probabilistic losses (loss_kernels.py has the
crossentropies'): one compiled pass over a batch giving the sum of the per-sample losses and
dL/dz, for the fast training step (steps/fused.py). Each follows its loss's NumPy `_compute`
formula for formula (the same float32 operations in the same order for the gradient; the
sums in float64), so the two paths agree to rounding.

They fuse with a linear output (dL/dz = dL/dy_pred), KLDivergence with a softmax output.
The focal crossentropies, label smoothing, sample weights and masks stay on the NumPy path.
KLDivergence's is also a compiled job, so that a chain of Dense layers ending in softmax
trains with it as one program (steps/dense_program.py).
"""

import numpy as np

from visualnet.engine._jit import njit
from visualnet.engine.loss_base import EPSILON
from visualnet.engine.loss_kernels import _JOBS, JOB_SLOTS, FusedKernel, _job_arrays
from visualnet.engine.runtime import jobs

_F32 = np.float32


def fused_kernel(loss, kernel, activation_name, y_pred_shape, activation="linear", axis_ok=True):
    """The `FusedKernel` of `loss` on 2-D predictions behind `activation`, or None."""
    if activation_name != activation or len(y_pred_shape) != 2 or not axis_ok:
        return None
    return FusedKernel(loss, kernel, sparse=False)


# (t, p, dz, scale) -> sum of the per-sample losses; dz = dL/dz * scale. Float32 in and out.

@njit(error_model="numpy")
def mse_kernel(t, p, dz, scale):
    c = np.float32(2.0 / p.shape[1])
    total = 0.0
    for r in range(p.shape[0]):
        v = 0.0
        for j in range(p.shape[1]):
            d = p[r, j] - t[r, j]
            v += d * d
            dz[r, j] = (d * c) * scale
        total += v / p.shape[1]
    return total


@njit(error_model="numpy")
def mae_kernel(t, p, dz, scale):
    c = np.float32(1.0 / p.shape[1])
    total = 0.0
    for r in range(p.shape[0]):
        v = 0.0
        for j in range(p.shape[1]):
            d = p[r, j] - t[r, j]
            v += abs(d)
            dz[r, j] = (np.sign(d) * c) * scale
        total += v / p.shape[1]
    return total


@njit(error_model="numpy")
def mape_kernel(t, p, dz, scale):
    eps, hundred, k = np.float32(EPSILON), np.float32(100.0), np.float32(p.shape[1])
    total = 0.0
    for r in range(p.shape[0]):
        v = 0.0
        for j in range(p.shape[1]):
            d = p[r, j] - t[r, j]
            m = max(abs(t[r, j]), eps)
            v += abs(d / m)
            dz[r, j] = (np.sign(d) * (hundred / m) / k) * scale
        total += 100.0 * v / p.shape[1]
    return total


@njit(error_model="numpy")
def msle_kernel(t, p, dz, scale):
    eps, one, c = np.float32(EPSILON), np.float32(1.0), np.float32(2.0 / p.shape[1])
    total = 0.0
    for r in range(p.shape[0]):
        v = 0.0
        for j in range(p.shape[1]):
            q = max(p[r, j], eps)
            d = np.log(q + one) - np.log(max(t[r, j], eps) + one)
            v += d * d
            dz[r, j] = (c * d / (q + one) if p[r, j] > eps else np.float32(0.0)) * scale
        total += v / p.shape[1]
    return total


@njit(error_model="numpy")
def huber_kernel(t, p, dz, scale, delta):
    half, k = np.float32(0.5), np.float32(p.shape[1])
    total = 0.0
    for r in range(p.shape[0]):
        v = 0.0
        for j in range(p.shape[1]):
            e = p[r, j] - t[r, j]
            a = abs(e)
            if a <= delta:
                v += half * e * e
                g = e
            else:
                v += delta * a - half * delta * delta
                g = delta * np.sign(e)
            dz[r, j] = (g / k) * scale
        total += v / p.shape[1]
    return total


@njit(error_model="numpy")
def log_cosh_kernel(t, p, dz, scale):
    zero, log2, k = np.float32(0.0), np.float32(np.log(2.0)), np.float32(p.shape[1])
    total = 0.0
    for r in range(p.shape[0]):
        v = 0.0
        for j in range(p.shape[1]):
            x = p[r, j] - t[r, j]
            z = np.float32(-2.0) * x
            e = np.exp(-abs(np.float64(z)))             # one exponential for both, in float64:
            v += x + (max(z, zero) + np.float32(np.log1p(e))) - log2
            th = np.float32((1.0 - e) / (1.0 + e))      # tanh(|x|) = (1 - e) / (1 + e), no cancellation
            dz[r, j] = ((th if x >= 0 else -th) / k) * scale
        total += v / p.shape[1]
    return total


@njit(error_model="numpy")
def poisson_kernel(t, p, dz, scale):
    eps, one, k = np.float32(EPSILON), np.float32(1.0), np.float32(p.shape[1])
    total = 0.0
    for r in range(p.shape[0]):
        v = 0.0
        for j in range(p.shape[1]):
            q = p[r, j] + eps
            v += p[r, j] - t[r, j] * np.log(q)
            dz[r, j] = ((one - t[r, j] / q) / k) * scale
        total += v / p.shape[1]
    return total


@njit(error_model="numpy")
def _hinge_binary(t):
    """Keras's `convert_binary_labels_to_hinge` test, over the whole batch: all 0 or 1."""
    for r in range(t.shape[0]):
        for j in range(t.shape[1]):
            if t[r, j] != 0 and t[r, j] != 1:
                return False
    return True


@njit(error_model="numpy")
def _hinges(t, p, dz, scale, squared):
    """Hinge (`squared`: squared hinge) over labels -1/1, or 0/1 when the batch holds only those."""
    one, zero, two, k = np.float32(1.0), np.float32(0.0), np.float32(2.0), np.float32(p.shape[1])
    binary = _hinge_binary(t)
    total = 0.0
    for r in range(p.shape[0]):
        v = 0.0
        for j in range(p.shape[1]):
            y = two * t[r, j] - one if binary else t[r, j]
            margin = max(one - y * p[r, j], zero)
            if squared:
                v += margin * margin
                g = np.float32(-2.0) * y * margin
            else:
                v += margin
                g = -y if margin > zero else zero
            dz[r, j] = (g / k) * scale
        total += v / p.shape[1]
    return total


@njit(error_model="numpy")
def hinge_kernel(t, p, dz, scale):
    return _hinges(t, p, dz, scale, False)


@njit(error_model="numpy")
def squared_hinge_kernel(t, p, dz, scale):
    return _hinges(t, p, dz, scale, True)


@njit(error_model="numpy")
def categorical_hinge_kernel(t, p, dz, scale):
    one, zero = np.float32(1.0), np.float32(0.0)
    total = 0.0
    for r in range(p.shape[0]):
        pos = 0.0
        top, neg = 0, (one - t[r, 0]) * p[r, 0]
        for j in range(p.shape[1]):
            pos += t[r, j] * p[r, j]
            other = (one - t[r, j]) * p[r, j]
            if other > neg:
                top, neg = j, other
        v = max(neg - np.float32(pos) + one, zero)
        total += v
        for j in range(p.shape[1]):
            dz[r, j] = (-t[r, j] if v > zero else zero) * scale
        if v > zero:
            dz[r, top] = ((-t[r, top] + one) - t[r, top]) * scale
    return total


@njit(error_model="numpy")
def cosine_similarity_kernel(t, p, dz, scale):
    cap = np.float32(1 / EPSILON)
    total = 0.0
    for r in range(p.shape[0]):
        st, sp = 0.0, 0.0
        for j in range(p.shape[1]):
            st += t[r, j] * t[r, j]
            sp += p[r, j] * p[r, j]
        inv_t = min(np.float32(1.0) / np.float32(np.sqrt(np.float32(st))), cap) if st > 0 else cap
        capped = sp == 0 or np.float32(1.0) / np.float32(np.sqrt(np.float32(sp))) > cap
        inv_p = cap if capped else np.float32(1.0) / np.float32(np.sqrt(np.float32(sp)))
        s = 0.0
        for j in range(p.shape[1]):
            s += (t[r, j] * inv_t) * (p[r, j] * inv_p)
        total -= s
        s32 = np.float32(s)
        for j in range(p.shape[1]):
            nt, np_ = t[r, j] * inv_t, p[r, j] * inv_p
            dz[r, j] = (-nt * inv_p if capped else -inv_p * (nt - np_ * s32)) * scale
    return total


@njit(error_model="numpy")
def kl_divergence_softmax_kernel(t, p, dz, scale):
    """KLDivergence behind a softmax: dL/dz = -t + p * sum(t) over the unclipped entries
    (t clipped to [epsilon, 1])."""
    eps, one, zero = np.float32(EPSILON), np.float32(1.0), np.float32(0.0)
    total = 0.0
    for r in range(p.shape[0]):
        v, mass = 0.0, np.float32(0.0)
        for j in range(p.shape[1]):
            tc = min(max(t[r, j], eps), one)
            pc = min(max(p[r, j], eps), one)
            v += tc * np.log(tc / pc)
            if eps <= p[r, j] <= one:
                mass += tc
        total += v
        for j in range(p.shape[1]):
            tc = min(max(t[r, j], eps), one)
            g = -tc if eps <= p[r, j] <= one else zero
            dz[r, j] = (g + p[r, j] * mass) * scale
    return total


# ------------------------------------------------------------ KLDivergence's kernel as a compiled job
# (runtime/program.py): a chain of Dense layers ending in softmax trains with it as one program;
# a linear output has no job in a Dense program, so the other kernels run from the fused step.

def _kl_divergence_softmax_job(slots_pointer):
    p, dz, scalars, s = _job_arrays(slots_pointer)
    L = JOB_SLOTS
    scalars[1] = kl_divergence_softmax_kernel(jobs.matrix(s[L.targets], s[L.rows], s[L.cols]), p, dz, scalars[0])


_JOBS[kl_divergence_softmax_kernel] = jobs.cfunc(_kl_divergence_softmax_job)
