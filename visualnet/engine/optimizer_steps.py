"""The optimizers' Numba step kernels, one per update rule, and their compiled jobs.

Every kernel takes (p, g, three state slots (empty where unused), c: its float32
coefficients), so that one layout of a worker's slots (`JOB_SLOTS`) serves all of them.
Each kernel applies Keras's weight decay first (`decay` = weight_decay * lr: `p - p *
decay`), then the update of `keras/src/optimizers/<name>.py` in float32.
"""

import math

import numba
import numpy as np

from visualnet.engine._jit import njit
from visualnet.engine.runtime import jobs

_F = np.float32

# A worker's part of a split step runs as a compiled job (runtime/jobs.py), which needs no GIL
# hand-over (figures: benchmarks/RESULTS.md).
# The job's slots (runtime/jobs.py): n, then the part's p, g and three state vectors (0:
# unused), then the coefficients c.
JOB_SLOTS = jobs.layout("optimizer", "n", "p", "g", "state1", "state2", "state3", "c")
# `Optimizer._addresses`' slots, in their order
VECTORS = [JOB_SLOTS.p, JOB_SLOTS.g, JOB_SLOTS.state1, JOB_SLOTS.state2, JOB_SLOTS.state3]
COEFFICIENTS = 8


@njit(inline="always")
def _job_arrays(s):
    L = JOB_SLOTS
    n, s1, s2, s3 = s[L.n], s[L.state1], s[L.state2], s[L.state3]
    return (jobs.vector(s[L.p], n), jobs.vector(s[L.g], n), jobs.vector(s1, n if s1 else 0),
            jobs.vector(s2, n if s2 else 0), jobs.vector(s3, n if s3 else 0), jobs.vector(s[L.c], COEFFICIENTS))


# ---------------------------------------------------------------- SGD, Adam, RMSprop, Adagrad

@njit(error_model="numpy")
def sgd_step(p, g, m, _unused1, _unused2, c):
    lr, momentum, nesterov, decay = c[0], c[1], c[2] != 0, c[3]
    use_m = m.size > 0
    for i in range(p.size):
        w = p[i] - p[i] * decay
        gi = g[i]
        if use_m:
            mi = m[i] * momentum - gi * lr
            m[i] = mi
            w = w + (mi * momentum - gi * lr if nesterov else mi)
        else:
            w = w - gi * lr
        p[i] = w


@njit(error_model="numpy")
def adam_step(p, g, m, v, v_hat, c):
    lr, beta_1, beta_2, t, one_m_b1, one_m_b2, eps, decay = c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
    one = np.float32(1.0)
    alpha = lr * np.sqrt(one - beta_2 ** t) / (one - beta_1 ** t)  # float32, as Keras
    amsgrad = v_hat.size > 0
    for i in range(p.size):
        gi = g[i]
        mi = m[i] + (gi - m[i]) * one_m_b1
        vi = v[i] + (gi * gi - v[i]) * one_m_b2
        m[i] = mi
        v[i] = vi
        if amsgrad:
            vi = max(v_hat[i], vi)
            v_hat[i] = vi
        w = p[i] - p[i] * decay
        p[i] = w - (mi * alpha) / (math.sqrt(vi) + eps)


@njit(error_model="numpy")
def rmsprop_step(p, g, v, mom, avg, c):
    lr, rho, one_m_rho, momentum, eps, decay = c[0], c[1], c[2], c[3], c[4], c[5]
    centered, use_mom = avg.size > 0, mom.size > 0
    for i in range(p.size):
        gi = g[i]
        vi = rho * v[i] + one_m_rho * (gi * gi)
        v[i] = vi
        if centered:
            ai = rho * avg[i] + one_m_rho * gi
            avg[i] = ai
            denom = vi - ai * ai + eps
        else:
            denom = vi + eps
        inc = lr * gi / math.sqrt(denom)
        w = p[i] - p[i] * decay
        if use_mom:
            mi = momentum * mom[i] + inc
            mom[i] = mi
            p[i] = w - mi
        else:
            p[i] = w - inc


@njit(error_model="numpy")
def adagrad_step(p, g, acc, _unused1, _unused2, c):
    lr, eps, decay = c[0], c[1], c[2]
    for i in range(p.size):
        gi = g[i]
        a = acc[i] + gi * gi
        acc[i] = a
        w = p[i] - p[i] * decay
        p[i] = w - lr * gi / math.sqrt(a + eps)


# ------------------------------------------------------- Nadam, Adamax, Adadelta, Ftrl, Lion

@njit(error_model="numpy")
def nadam_step(p, g, m, v, _unused, c):
    # m_hat = u_t_1 * m / (1 - u_product_t_1) + (1 - u_t) * g / (1 - u_product_t): the two
    # ratios come as coefficients (a, b); v_hat = v / (1 - beta_2 ** t)
    lr, one_m_b1, one_m_b2, a, b, one_m_b2_power, eps, decay = c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
    for i in range(p.size):
        gi = g[i]
        mi = m[i] + (gi - m[i]) * one_m_b1
        vi = v[i] + (gi * gi - v[i]) * one_m_b2
        m[i] = mi
        v[i] = vi
        m_hat = mi * a + gi * b
        w = p[i] - p[i] * decay
        p[i] = w - (m_hat * lr) / (math.sqrt(vi / one_m_b2_power) + eps)


@njit(error_model="numpy")
def adamax_step(p, g, m, u, _unused, c):
    lr, one_m_b1, beta_2, one_m_b1_power, eps, decay = c[0], c[1], c[2], c[3], c[4], c[5]
    for i in range(p.size):
        gi = g[i]
        mi = m[i] + (gi - m[i]) * one_m_b1
        ui = max(beta_2 * u[i], abs(gi))
        m[i] = mi
        u[i] = ui
        w = p[i] - p[i] * decay
        p[i] = w - (lr * mi) / (one_m_b1_power * (ui + eps))


@njit(error_model="numpy")
def adadelta_step(p, g, acc_grad, acc_delta, _unused, c):
    lr, rho, one_m_rho, eps, decay = c[0], c[1], c[2], c[3], c[4]
    for i in range(p.size):
        gi = g[i]
        ag = rho * acc_grad[i] + one_m_rho * (gi * gi)
        acc_grad[i] = ag
        delta = -(math.sqrt(acc_delta[i] + eps) * gi) / math.sqrt(ag + eps)
        acc_delta[i] = rho * acc_delta[i] + one_m_rho * (delta * delta)
        w = p[i] - p[i] * decay
        p[i] = w + lr * delta


@njit(error_model="numpy")
def ftrl_step(p, g, accum, linear, _unused, c):
    # neg_power = -learning_rate_power; two_l2 = 2 * (l2 + beta / (2 lr)); two_shrink = 2 * l2_shrinkage
    lr, neg_power, l1, two_l2, two_shrink, decay = c[0], c[1], c[2], c[3], c[4], c[5]
    for i in range(p.size):
        gi = g[i]
        w = p[i] - p[i] * decay
        a = accum[i]
        new_a = a + gi * gi
        new_pow = new_a ** neg_power
        li = linear[i] + ((gi + two_shrink * w) - ((new_pow - a ** neg_power) / lr) * w)
        linear[i] = li
        quadratic = new_pow / lr + two_l2
        clipped = min(max(li, -l1), l1)
        p[i] = (clipped - li) / quadratic
        accum[i] = new_a


@njit(error_model="numpy")
def lion_step(p, g, m, _unused1, _unused2, c):
    lr, beta_1, one_m_b1, beta_2, one_m_b2, decay = c[0], c[1], c[2], c[3], c[4], c[5]
    zero = np.float32(0.0)
    for i in range(p.size):
        gi = g[i]
        ct = m[i] * beta_1 + gi * one_m_b1
        sign = np.float32(1.0) if ct > zero else (np.float32(-1.0) if ct < zero else zero)
        w = p[i] - p[i] * decay
        p[i] = w - lr * sign
        m[i] = m[i] * beta_2 + gi * one_m_b2


# Each kernel's compiled job (`jobs.cfunc`: compiled lazily, on first use), one module-level
# function each so that Numba's cache tells them apart.

def _sgd_job(slots_pointer):
    sgd_step(*_job_arrays(numba.carray(slots_pointer, jobs.SLOTS)))


def _adam_job(slots_pointer):
    adam_step(*_job_arrays(numba.carray(slots_pointer, jobs.SLOTS)))


def _rmsprop_job(slots_pointer):
    rmsprop_step(*_job_arrays(numba.carray(slots_pointer, jobs.SLOTS)))


def _adagrad_job(slots_pointer):
    adagrad_step(*_job_arrays(numba.carray(slots_pointer, jobs.SLOTS)))


def _nadam_job(slots_pointer):
    nadam_step(*_job_arrays(numba.carray(slots_pointer, jobs.SLOTS)))


def _adamax_job(slots_pointer):
    adamax_step(*_job_arrays(numba.carray(slots_pointer, jobs.SLOTS)))


def _adadelta_job(slots_pointer):
    adadelta_step(*_job_arrays(numba.carray(slots_pointer, jobs.SLOTS)))


def _ftrl_job(slots_pointer):
    ftrl_step(*_job_arrays(numba.carray(slots_pointer, jobs.SLOTS)))


def _lion_job(slots_pointer):
    lion_step(*_job_arrays(numba.carray(slots_pointer, jobs.SLOTS)))


sgd_job = jobs.cfunc(_sgd_job)
adam_job = jobs.cfunc(_adam_job)
rmsprop_job = jobs.cfunc(_rmsprop_job)
adagrad_job = jobs.cfunc(_adagrad_job)
nadam_job = jobs.cfunc(_nadam_job)
adamax_job = jobs.cfunc(_adamax_job)
adadelta_job = jobs.cfunc(_adadelta_job)
ftrl_job = jobs.cfunc(_ftrl_job)
lion_job = jobs.cfunc(_lion_job)
