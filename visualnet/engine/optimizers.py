"""Keras 3 optimizers updating one flat float32 parameter vector in place.

The model keeps all trainable weights as views into one contiguous vector, so
`build(sizes)` allocates each state slot as one flat vector too and `apply`
runs one fused Numba kernel per step (after optional gradient clipping).
Update formulas and float32 arithmetic follow `keras/src/optimizers/*.py`.
"""

import math
import warnings

import numba
import numpy as np

from visualnet import VisualNetWarning
from visualnet.engine import schedules
from visualnet.engine._jit import njit
from visualnet.engine.runtime import jobs
from visualnet.engine.runtime.split import bounds, layer_parts, split
from visualnet.engine.schedules import LearningRateSchedule
from visualnet.graph.registry import snake_case

__all__ = ["Optimizer", "SGD", "Adam", "RMSprop", "Adagrad", "get", "optimizer_class",
           "serialize", "deserialize", "schedules"]

_F = np.float32
# Keras-only options accepted by `from_config` when they hold their defaults.
_KERAS_DEFAULTS = {"use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
                   "loss_scale_factor": None, "gradient_accumulation_steps": None}


# ------------------------------------------------------------------------ kernels
# Each kernel takes (p, g, three state slots (empty where unused), c: its float32
# coefficients), so that one layout of a worker's slots serves all of them (`_job_arrays`).

@njit(error_model="numpy")
def _sgd_step(p, g, m, _unused1, _unused2, c):
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
def _adam_step(p, g, m, v, v_hat, c):
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
def _rmsprop_step(p, g, v, mom, avg, c):
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
def _adagrad_step(p, g, acc, _unused1, _unused2, c):
    lr, eps, decay = c[0], c[1], c[2]
    for i in range(p.size):
        gi = g[i]
        a = acc[i] + gi * gi
        acc[i] = a
        w = p[i] - p[i] * decay
        p[i] = w - lr * gi / math.sqrt(a + eps)


# A worker's part of a split step runs as a compiled job (runtime/jobs.py), which needs no GIL
# hand-over (figures: benchmarks/RESULTS.md).
# The job's slots (runtime/jobs.py): n, then the part's p, g and three state vectors (0:
# unused), then the coefficients c.
JOB_SLOTS = jobs.layout("optimizer", "n", "p", "g", "state1", "state2", "state3", "c")
# `_addresses`' slots, in their order
_VECTORS = [JOB_SLOTS.p, JOB_SLOTS.g, JOB_SLOTS.state1, JOB_SLOTS.state2, JOB_SLOTS.state3]
_COEFFICIENTS = 8


@njit(inline="always")
def _job_arrays(s):
    L = JOB_SLOTS
    n, s1, s2, s3 = s[L.n], s[L.state1], s[L.state2], s[L.state3]
    return (jobs.vector(s[L.p], n), jobs.vector(s[L.g], n), jobs.vector(s1, n if s1 else 0),
            jobs.vector(s2, n if s2 else 0), jobs.vector(s3, n if s3 else 0), jobs.vector(s[L.c], _COEFFICIENTS))


def _sgd_job(slots_pointer):
    _sgd_step(*_job_arrays(numba.carray(slots_pointer, jobs.SLOTS)))


def _adam_job(slots_pointer):
    _adam_step(*_job_arrays(numba.carray(slots_pointer, jobs.SLOTS)))


def _rmsprop_job(slots_pointer):
    _rmsprop_step(*_job_arrays(numba.carray(slots_pointer, jobs.SLOTS)))


def _adagrad_job(slots_pointer):
    _adagrad_step(*_job_arrays(numba.carray(slots_pointer, jobs.SLOTS)))


# ---------------------------------------------------------------------- classes

_EMPTY = np.zeros(0, dtype=_F)
# Inside `layer_parallel`, a step over at least this many parameters is split over the
# cores (W1's 407,050: Adam 169 -> 128 us a step; with denormals flushed, which made it
# 2-3x faster, the whole step 766 -> 760 us); below it the hand-over costs more.
_MIN_SPLIT_PARAMS = 1 << 18


class Optimizer:
    """Base class. Subclasses define `_slots()` (the state slots to allocate),
    `_state_names` (every slot the kernel takes, in its order), `_kernel` and `_job` (the
    kernel and its compiled job, above) and `_coefficients(lr)` (the kernel's c); a step
    runs the kernel on the flat vectors, or on each part's slice of them."""

    _state_names = ()
    _kernel = _job = None

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None, **kwargs):
        if "lr" in kwargs:
            learning_rate = kwargs.pop("lr")
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.",
                          VisualNetWarning, stacklevel=3)
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected keyword argument(s): "
                            f"{', '.join(sorted(kwargs))}")
        given = [a for a, v in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                                ("global_clipnorm", global_clipnorm)) if v is not None]
        if len(given) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` "
                             f"can be set. Received: clipnorm={clipnorm}, "
                             f"clipvalue={clipvalue}, global_clipnorm={global_clipnorm}")
        self.name = name or snake_case(type(self).__name__)   # Keras's default: RMSprop -> rm_sprop
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self._learning_rate = None
        self.learning_rate = learning_rate
        self.iterations = 0
        self.built = False
        self.variable_sizes = None  # per-variable sizes, in vector order, once built
        self._builds = 0  # how many times build() ran (compiled.Compiled tells stale state by it)
        self._state = {}

    # --- learning rate ------------------------------------------------------
    @property
    def learning_rate(self):
        """Current learning rate (a schedule is evaluated at `iterations`)."""
        if isinstance(self._learning_rate, LearningRateSchedule):
            return float(self._learning_rate(self.iterations))
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, LearningRateSchedule):
            self._learning_rate = value
            return
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
            raise ValueError("Argument `learning_rate` should be float, or an instance of "
                             f"LearningRateSchedule. Received: learning_rate={value!r}")
        if isinstance(self._learning_rate, LearningRateSchedule):
            raise TypeError("This optimizer was created with a `LearningRateSchedule` "
                            "object as its `learning_rate` constructor argument, hence "
                            "its learning rate is not settable. Create the optimizer "
                            "with a float `learning_rate` to change it during training.")
        value = float(value)
        if not math.isfinite(value) or value < 0:
            raise ValueError("Argument `learning_rate` must be a finite number >= 0 (not NaN, infinite or "
                             f"negative). Received: learning_rate={value!r}")
        self._learning_rate = value

    # --- engine interface ----------------------------------------------------
    def _slots(self):
        """{slot name: initial value} of the per-parameter state vectors."""
        return {}

    @property
    def slot_names(self) -> tuple[str, ...]:
        """The per-parameter state slots this optimizer keeps ('momentum', 'velocity', ...)."""
        return tuple(self._slots())

    def build(self, sizes):
        """Allocate state for variables of the given sizes (in vector order)."""
        sizes = [int(s) for s in sizes]
        if any(s < 0 for s in sizes):
            raise ValueError(f"Variable sizes must be >= 0. Received: sizes={sizes}")
        self.variable_sizes = tuple(sizes)
        self._builds += 1
        self._offsets = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)])
        n = int(self._offsets[-1])
        self._state = {k: np.full(n, v, dtype=_F) for k, v in self._slots().items()}
        self._c = np.zeros(_COEFFICIENTS, dtype=_F)
        self._checked = (None, None)
        self.built = True

    def _check_buffer(self, arg, buf):
        n = int(self._offsets[-1])
        if not (isinstance(buf, np.ndarray) and buf.dtype == _F and buf.ndim == 1
                and buf.size == n and buf.flags.c_contiguous):
            desc = (f"{buf.dtype} array of shape {buf.shape}"
                    if isinstance(buf, np.ndarray) else type(buf).__name__)
            raise ValueError(f"`{arg}` must be a contiguous 1-D float32 array of size "
                             f"{n}. Received: {desc}")

    def apply(self, params, grads):
        """One optimisation step on flat `params` (updated in place); `grads`
        may be overwritten by clipping. Increments `iterations`."""
        self.begin_step(params, grads)
        if self.clips:
            self._clip(grads)
        edges = self.part_edges(params.size)
        if len(edges) == 2:
            self._kernel(params, grads, *self._state_vectors(slice(None)), self._c)
        else:  # elementwise: each core updates its own block
            split(params.size, lambda lo, hi, _: self._kernel(params[lo:hi], grads[lo:hi],
                                                              *self._state_vectors(slice(lo, hi)), self._c),
                  len(edges) - 1, self.fill)
        self.iterations += 1

    @property
    def clips(self) -> bool:
        return bool(self.clipnorm or self.global_clipnorm or self.clipvalue)

    def begin_step(self, params, grads) -> None:
        """`apply`'s checks, and this step's coefficients (a step run as compiled jobs,
        runtime/program.py, calls it, then the jobs `fill` writes, then adds 1 to `iterations`)."""
        if not self.built:
            raise ValueError("The optimizer must be built before `apply`: call "
                             "`optimizer.build(sizes)` with the variable sizes first.")
        if params is not self._checked[0] or grads is not self._checked[1]:  # once per pair of vectors
            self._check_buffer("params", params)
            self._check_buffer("grads", grads)
            self._checked = (params, grads)
            self._addresses = [params.ctypes.data, grads.ctypes.data,
                               *(s.ctypes.data if s.size else 0 for s in self._state_vectors(slice(None)))]
        coefficients = self._coefficients(_F(self.learning_rate))
        self._c[:len(coefficients)] = coefficients

    def part_edges(self, size: int) -> list[int]:
        """Where a step over `size` weights splits into parts, one per core (`bounds`)."""
        parts = layer_parts()
        return bounds(size, 1 if parts is None or size < _MIN_SPLIT_PARAMS else parts)

    def _state_vectors(self, part):
        """The kernel's three state slots, cut to `part` (empty where unused)."""
        names = self._state_names
        return [self._state.get(names[i], _EMPTY)[part] if i < len(names) else _EMPTY for i in range(3)]

    def fill(self, slots, lo, hi):
        """Write the part [lo, hi) of this step as a compiled job (runtime/jobs.py); call after
        `begin_step` with these vectors."""
        job = self._job()
        if job:
            slots[JOB_SLOTS.n] = hi - lo
            slots[_VECTORS] = [a + lo * 4 if a else 0 for a in self._addresses]
            slots[JOB_SLOTS.c] = self._c.ctypes.data
            slots[0] = job

    def _decay(self, lr):
        return _F(0) if self.weight_decay is None else _F(self.weight_decay) * lr

    def _clip(self, g):
        """Keras's clipping, in place; norms are float32 BLAS dots as in Keras."""
        if self.clipnorm and self.clipnorm > 0:
            clip = _F(self.clipnorm)
            for start, stop in zip(self._offsets[:-1], self._offsets[1:]):
                seg = g[start:stop]
                norm = np.sqrt(np.dot(seg, seg))
                seg *= clip
                seg /= max(norm, clip)
        elif self.global_clipnorm and self.global_clipnorm > 0:
            norm = np.sqrt(np.dot(g, g))
            clip = _F(self.global_clipnorm)
            with np.errstate(divide="ignore", invalid="ignore"):
                scale = clip * min(_F(1) / norm, _F(1) / clip) + (norm - norm)
            g *= scale
        elif self.clipvalue and self.clipvalue > 0:
            np.clip(g, -_F(self.clipvalue), _F(self.clipvalue), out=g)

    # --- state and config ----------------------------------------------------
    def get_state(self):
        """Arrays that let training resume exactly (iterations included)."""
        state = {"iterations": np.array(self.iterations, dtype=np.int64)}
        if not isinstance(self._learning_rate, LearningRateSchedule):
            state["learning_rate"] = np.array(self._learning_rate, dtype=np.float64)
        state.update({k: v.copy() for k, v in self._state.items()})
        return state

    def set_state(self, state):
        """Restore `get_state()` output; the optimizer must be built first."""
        if not self.built:
            raise ValueError("Call `optimizer.build(sizes)` before `set_state`.")
        missing = set(self._state) - set(state)
        if missing:
            raise ValueError(f"Optimizer state is missing: {', '.join(sorted(missing))}")
        for k, v in self._state.items():
            if np.shape(state[k]) != v.shape:
                raise ValueError(f"Optimizer state '{k}' has shape {np.shape(state[k])}, "
                                 f"expected {v.shape}")
            v[...] = state[k]
        self.iterations = int(state.get("iterations", 0))
        if "learning_rate" in state and not isinstance(self._learning_rate,
                                                       LearningRateSchedule):
            self._learning_rate = float(state["learning_rate"])

    def state_dict(self) -> dict:
        """Everything needed to resume exactly: {"config": serialize(self) (the current
        learning rate included), "iterations", "variable_sizes" (None if not built),
        "slots": {slot name: flat float32 copy}}."""
        return {"config": serialize(self), "iterations": self.iterations,
                "variable_sizes": self.variable_sizes,
                "slots": {k: v.copy() for k, v in self._state.items()}}

    def load_state_dict(self, state: dict) -> None:
        """Restore `state_dict()` output into an optimizer of the same class: its
        hyper-parameters, iterations and slots, built for the saved variable sizes (so
        fit() continues from it). Everything is checked before anything changes."""
        twin = deserialize(state["config"])
        if type(twin) is not type(self):
            raise ValueError(f"The state is for {type(twin).__name__}; this optimizer is "
                             f"{type(self).__name__}.")
        sizes, slots, iterations = state["variable_sizes"], state["slots"], int(state["iterations"])
        expected = twin.slot_names if sizes is not None else ()
        if set(slots) != set(expected):
            raise ValueError(f"The {type(self).__name__} state holds slots {sorted(slots)}; "
                             f"expected {sorted(expected)}.")
        n = sum(sizes or ())
        for k, v in slots.items():
            if np.shape(v) != (n,):
                raise ValueError(f"Optimizer slot '{k}' has shape {np.shape(v)}; expected ({n},).")
        for key in twin.get_config():
            attr = "_learning_rate" if key == "learning_rate" else key
            setattr(self, attr, getattr(twin, attr))
        if sizes is None:
            self.built, self.variable_sizes, self._state = False, None, {}
        else:
            self.build(sizes)
            for k, v in slots.items():
                self._state[k][...] = v
        self.iterations = iterations

    def keras_variables(self, shapes) -> list[np.ndarray]:
        """Keras 3's `optimizer.variables` for trainable weights of `shapes` (in the model's
        order): iterations, the learning rate (a schedule has none), then the slots per
        weight in Keras's order, as copies (initial values where the optimizer is not built
        for these shapes)."""
        sizes = [math.prod(s) for s in shapes]
        edges = np.cumsum([0, *sizes])
        fresh = self.variable_sizes != tuple(sizes)

        def per_weight(k, init):
            flat = np.full(edges[-1], init, _F) if fresh else self._state[k]
            return [flat[a:b].reshape(s).copy() for a, b, s in zip(edges[:-1], edges[1:], shapes)]

        slots = {k: per_weight(k, init) for k, init in self._slots().items()}
        rate = [] if isinstance(self._learning_rate, LearningRateSchedule) else [np.array(self.learning_rate, _F)]
        return [np.array(self.iterations, dtype=np.int64), *rate, *self._keras_order(slots)]

    def set_keras_variables(self, values, shapes) -> None:
        """Restore Keras 3's `optimizer.variables` (as `keras_variables` lists them) for
        trainable weights of `shapes`: builds for them, then sets iterations, the learning
        rate and every slot (fresh slots when only the first two were saved: Keras saves an
        optimizer never built so). Everything is checked first; ValueError names what does
        not fit."""
        expected = self.keras_variables(shapes)
        head = 1 if isinstance(self._learning_rate, LearningRateSchedule) else 2
        if len(values) == head:
            expected = expected[:head]
        if len(values) != len(expected):
            raise ValueError(f"optimizer '{self.name}' has {len(expected)} variables for this model; "
                             f"the saved optimizer has {len(values)}.")
        for i, (want, value) in enumerate(zip(expected, values)):
            if np.shape(value) != want.shape:
                raise ValueError(f"optimizer '{self.name}' variable {i} has shape {want.shape}; the saved one "
                                 f"has shape {np.shape(value)}.")
            if not np.all(np.isfinite(value)):
                raise ValueError(f"optimizer '{self.name}' variable {i} holds NaN or infinite values.")
        iterations, *rest = values
        if not isinstance(self._learning_rate, LearningRateSchedule):
            rate, *rest = rest
            if _F(rate) != _F(self._learning_rate):  # Keras keeps it as float32
                self.learning_rate = float(rate)
        sizes = [math.prod(s) for s in shapes]
        self.build(sizes)
        edges = np.cumsum([0, *sizes])
        for k, arrays in self._from_keras_order(rest, len(shapes)).items():
            for a, b, value in zip(edges[:-1], edges[1:], arrays):
                self._state[k][a:b] = np.ravel(value)
        self.iterations = int(iterations)

    @staticmethod
    def _keras_order(slots):
        """The slots' per-weight arrays in Keras's order: slot by slot."""
        return [a for arrays in slots.values() for a in arrays]

    def _from_keras_order(self, arrays, n):
        """{slot: per-weight arrays} from `_keras_order`'s list for n weights."""
        return {k: arrays[i * n:(i + 1) * n] for i, k in enumerate(self._slots())}

    def get_config(self):
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            lr = schedules.serialize(lr)
        return {"name": self.name, "learning_rate": lr,
                "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
                "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key, default in _KERAS_DEFAULTS.items():
            if key in config and config.pop(key) != default:
                raise ValueError(f"Optimizer option `{key}` is not supported.")
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"])
        return cls(**config)

    def configure(self, **params) -> dict:
        """Change hyper-parameters (learning_rate, beta_1, momentum, clipnorm, ...) between
        steps, checked as the constructor checks them. The state is kept: slots that become
        used start at their initial value, slots no longer used are dropped. Returns
        {name: (old, new)} of what changed."""
        checked = type(self).from_config({**self.get_config(), **params})   # raises with Keras's messages
        old = {k: getattr(self, k, None) for k in params}
        for k in params:
            setattr(self, k, getattr(checked, k))
        if self.built:
            n = int(self._offsets[-1])
            self._state = {k: self._state[k] if k in self._state else np.full(n, v, _F)
                           for k, v in self._slots().items()}
        return {k: (old[k], getattr(self, k)) for k in params if old[k] != getattr(self, k)}

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         name, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be a float between [0, 1]. "
                             f"Received: momentum={momentum}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _slots(self):
        return {"momentum": 0.0} if self.momentum != 0 else {}

    _state_names = ("momentum",)
    _kernel, _job = staticmethod(_sgd_step), staticmethod(jobs.cfunc(_sgd_job))

    def _coefficients(self, lr):
        return lr, self.momentum, self.nesterov, self._decay(lr)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum,
                "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adam, optionally with the AMSGrad variant."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = bool(amsgrad)

    def _slots(self):
        slots = {"momentum": 0.0, "velocity": 0.0}
        if self.amsgrad:
            slots["velocity_hat"] = 0.0
        return slots

    _state_names = ("momentum", "velocity", "velocity_hat")
    _kernel, _job = staticmethod(_adam_step), staticmethod(jobs.cfunc(_adam_job))

    @staticmethod
    def _keras_order(slots):
        """Keras's Adam: momentum and velocity weight by weight, then velocity_hat."""
        pairs = [a for m, v in zip(slots["momentum"], slots["velocity"]) for a in (m, v)]
        return pairs + slots.get("velocity_hat", [])

    def _from_keras_order(self, arrays, n):
        slots = {"momentum": arrays[0:2 * n:2], "velocity": arrays[1:2 * n:2]}
        if self.amsgrad:
            slots["velocity_hat"] = arrays[2 * n:]
        return slots

    def _coefficients(self, lr):
        return (lr, self.beta_1, self.beta_2, self.iterations + 1, _F(1 - self.beta_1), _F(1 - self.beta_2),
                self.epsilon, self._decay(lr))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class RMSprop(Optimizer):
    """RMSprop with optional plain momentum and centering."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         name, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = bool(centered)

    def _slots(self):
        slots = {"velocity": 0.0}
        if self.momentum > 0:
            slots["momentum"] = 0.0
        if self.centered:
            slots["average_gradient"] = 0.0
        return slots

    _state_names = ("velocity", "momentum", "average_gradient")
    _kernel, _job = staticmethod(_rmsprop_step), staticmethod(jobs.cfunc(_rmsprop_job))

    def _coefficients(self, lr):
        return lr, self.rho, _F(1 - self.rho), self.momentum, self.epsilon, self._decay(lr)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}


class Adagrad(Optimizer):
    """Adagrad: per-parameter rates from accumulated squared gradients."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         name, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def _slots(self):
        return {"accumulator": self.initial_accumulator_value}

    _state_names = ("accumulator",)
    _kernel, _job = staticmethod(_adagrad_step), staticmethod(jobs.cfunc(_adagrad_job))

    def _coefficients(self, lr):
        return lr, self.epsilon, self._decay(lr)

    def get_config(self):
        return {**super().get_config(),
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


# Every optimizer by the name compile() takes, in the order the app offers them: the one
# table the engine, the files, the GUI and the code exporters read.
OPTIMIZERS = {"adam": Adam, "sgd": SGD, "rmsprop": RMSprop, "adagrad": Adagrad}


def get(identifier):
    """An `Optimizer` from a name ('adam', 'SGD', ...), a config dict or an
    instance (returned as is); None gives None."""
    if identifier is None or isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    return optimizer_class(identifier)()


def optimizer_class(name):
    """The optimizer class called `name` ('adam', 'SGD', ...: any case)."""
    cls = OPTIMIZERS.get(name.lower()) if isinstance(name, str) else None
    if cls is None:
        raise ValueError(f"Could not interpret optimizer identifier: {name!r}. "
                         f"Known: {', '.join(OPTIMIZERS)}")
    return cls


def serialize(optimizer):
    """`{"class_name": ..., "config": ...}` (JSON-safe)."""
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config):
    """Inverse of `serialize`; also reads Keras's optimizer configs."""
    return optimizer_class(config.get("class_name")).from_config(config.get("config", {}))
