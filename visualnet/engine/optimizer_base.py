"""`Optimizer`: the base of Keras 3's optimizers, updating one flat float32 vector in place.

The model keeps all trainable weights as views into one contiguous vector, so `build(sizes)`
allocates each state slot as one flat vector too and `apply` runs one fused Numba kernel per
step (optimizer_steps.py). Around it, as `keras/src/optimizers/base_optimizer.py` does:
gradient accumulation, clipping, then the kernel (weight decay included), then the
exponential moving average of the weights (`use_ema`).
"""

import math
import warnings

import numpy as np

from visualnet import VisualNetWarning
from visualnet.engine import schedules
from visualnet.engine.optimizer_steps import COEFFICIENTS, JOB_SLOTS, VECTORS
from visualnet.engine.runtime.split import bounds, layer_parts, split
from visualnet.engine.schedules import LearningRateSchedule
from visualnet.graph.registry import snake_case

_F = np.float32
_EMPTY = np.zeros(0, dtype=_F)
# Inside `layer_parallel`, a step over at least this many parameters is split over the
# cores (W1's 407,050: Adam 169 -> 128 us a step; with denormals flushed, which made it
# 2-3x faster, the whole step 766 -> 760 us); below it the hand-over costs more.
MIN_SPLIT_PARAMS = 1 << 18
# The arguments every Keras optimizer takes besides learning_rate, with Keras's defaults.
COMMON_DEFAULTS = {"weight_decay": None, "clipnorm": None, "clipvalue": None, "global_clipnorm": None,
                   "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
                   "loss_scale_factor": None, "gradient_accumulation_steps": None}


class Optimizer:
    """Base class. Subclasses define `_slots()` (the kernel's state slots to allocate),
    `_state_names` (every slot the kernel takes, in its order), `_kernel` and `_job` (the
    kernel and its compiled job, optimizer_steps.py) and `_coefficients(lr)` (the kernel's
    c); a step runs the kernel on the flat vectors, or on each part's slice of them.

    Keras's common arguments: `weight_decay` (`p -= p * weight_decay * lr` before each
    update), `clipnorm` / `clipvalue` / `global_clipnorm`, `use_ema` with `ema_momentum` and
    `ema_overwrite_frequency` (the moving average, slot 'average', replaces the weights every
    that many steps and in `finalize_variable_values`, which fit calls at its end),
    `gradient_accumulation_steps` (slot 'gradient_accumulator': the weights change every that
    many steps, by the mean gradient) and `loss_scale_factor` (see `scale_loss`)."""

    _state_names = ()
    _kernel = _job = None

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
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
        if gradient_accumulation_steps and not gradient_accumulation_steps >= 2:
            raise ValueError("`gradient_accumulation_steps` must be an integer >= 2. "
                             f"Received: gradient_accumulation_steps={gradient_accumulation_steps}")
        if use_ema:
            if ema_momentum > 1 or ema_momentum < 0:
                raise ValueError(f"`ema_momentum` must be in the range [0, 1]. Received: ema_momentum={ema_momentum}")
            if ema_overwrite_frequency and (not isinstance(ema_overwrite_frequency, int)
                                            or ema_overwrite_frequency < 1):
                raise ValueError("`ema_overwrite_frequency` must be an integer >= 1 or None. "
                                 f"Received: ema_overwrite_frequency={ema_overwrite_frequency}")
        if loss_scale_factor is not None and not (isinstance(loss_scale_factor, (int, float))
                                                  and loss_scale_factor > 0):
            raise ValueError("`loss_scale_factor` must be a number > 0 or None. "
                             f"Received: loss_scale_factor={loss_scale_factor!r}")
        self.name = name or snake_case(type(self).__name__)   # Keras's default: RMSprop -> rm_sprop
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = bool(use_ema)
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self._learning_rate = None
        self.learning_rate = learning_rate
        self.iterations = 0   # apply() calls, Keras's `_iterations` (what its files hold)
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

    @property
    def update_steps(self) -> int:
        """How many times the weights changed: `iterations`, or with gradient accumulation
        `iterations // gradient_accumulation_steps` (Keras's `optimizer.iterations`)."""
        steps = self.gradient_accumulation_steps
        return self.iterations // steps if steps else self.iterations

    def scale_loss(self, loss):
        """Keras's `scale_loss`: the loss times `loss_scale_factor` (the training step scales
        the gradients so, and `apply` divides them by it, as Keras's does)."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    # --- engine interface ----------------------------------------------------
    def _slots(self):
        """{slot name: initial value} of the kernel's per-parameter state vectors."""
        return {}

    def _all_slots(self):
        """Every per-parameter slot, in Keras's order: the moving average, the gradient
        accumulator, then the kernel's."""
        return {**({"average": 0.0} if self.use_ema else {}),
                **({"gradient_accumulator": 0.0} if self.gradient_accumulation_steps else {}), **self._slots()}

    @property
    def slot_names(self) -> tuple[str, ...]:
        """The per-parameter state slots this optimizer keeps ('momentum', 'velocity', ...)."""
        return tuple(self._all_slots())

    def build(self, sizes):
        """Allocate state for variables of the given sizes (in vector order)."""
        sizes = [int(s) for s in sizes]
        if any(s < 0 for s in sizes):
            raise ValueError(f"Variable sizes must be >= 0. Received: sizes={sizes}")
        self.variable_sizes = tuple(sizes)
        self._builds += 1
        self._offsets = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)])
        n = int(self._offsets[-1])
        self._state = {k: np.full(n, v, dtype=_F) for k, v in self._all_slots().items()}
        self._c = np.zeros(COEFFICIENTS, dtype=_F)
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

    def apply(self, params, grads=None, trainable_variables=None):
        """One optimisation step on flat `params` (updated in place); `grads` may be
        overwritten (accumulation, clipping). Increments `iterations`. Keras's form,
        `apply(grads, trainable_variables)` with lists, is optimizer_variables.py's."""
        if not isinstance(params, np.ndarray):
            from .optimizer_variables import apply_to_variables
            return apply_to_variables(self, params, grads if trainable_variables is None else trainable_variables)
        self.begin_step(params, grads)
        if self.loss_scale_factor is not None:   # Keras's trainer scaled the loss: apply unscales
            grads /= _F(self.loss_scale_factor)
        if not self._accumulate(grads):
            if self.clips:
                self._clip(grads)
            edges = self.part_edges(params.size)
            if len(edges) == 2:
                self._kernel(params, grads, *self._state_vectors(slice(None)), self._c)
            else:  # elementwise: each core updates its own block
                split(params.size, lambda lo, hi, _: self._kernel(params[lo:hi], grads[lo:hi],
                                                                  *self._state_vectors(slice(lo, hi)), self._c),
                      len(edges) - 1, self.fill)
        if self.use_ema:
            self._update_average(params)
        self.iterations += 1

    def apply_gradients(self, grads_and_vars):
        """Keras's `apply_gradients(zip(grads, variables))` (optimizer_variables.py)."""
        from .optimizer_variables import apply_gradients
        apply_gradients(self, grads_and_vars)

    @property
    def clips(self) -> bool:
        return bool(self.clipnorm or self.global_clipnorm or self.clipvalue)

    @property
    def runs_as_jobs(self) -> bool:
        """True when a step is only the kernel (no loss scale, clipping, accumulation or
        moving average around it), so that a compiled program can run it as jobs (`fill`)."""
        return not (self.clips or self.use_ema or self.gradient_accumulation_steps or self.loss_scale_factor)

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

    def _accumulate(self, grads) -> bool:
        """Gradient accumulation as Keras's: True on a step that only adds `grads` to the
        accumulator; on the step that updates, `grads` becomes the mean and the accumulator 0."""
        steps = self.gradient_accumulation_steps
        if not steps:
            return False
        acc = self._state["gradient_accumulator"]
        if (self.iterations + 1) % steps:
            acc += grads
            return True
        grads += acc
        grads /= _F(steps)
        acc[...] = 0
        return False

    def _update_average(self, params) -> None:
        """Keras's moving average of the weights (the first update copies them), and its
        overwrite of the weights every `ema_overwrite_frequency` steps."""
        average = self._state["average"]
        momentum = _F(self.ema_momentum) if self.update_steps != 0 else _F(0)
        average *= momentum
        average += (_F(1) - momentum) * params
        freq = self.ema_overwrite_frequency
        if freq and (self.update_steps + 1) % freq == 0:
            params[...] = average

    def finalize_variable_values(self, params) -> None:
        """Keras's end of training: with `use_ema`, the weights (the flat vector, or a list
        of arrays in vector order) become their moving average."""
        if not (self.use_ema and self.built):
            return
        average = self._state["average"]
        if isinstance(params, np.ndarray):
            params[...] = average
            return
        for a, b, p in zip(self._offsets[:-1], self._offsets[1:], params):
            p[...] = average[a:b].reshape(np.shape(p))

    def part_edges(self, size: int) -> list[int]:
        """Where a step over `size` weights splits into parts, one per core (`bounds`)."""
        parts = layer_parts()
        return bounds(size, 1 if parts is None or size < MIN_SPLIT_PARAMS else parts)

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
            slots[VECTORS] = [a + lo * 4 if a else 0 for a in self._addresses]
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
        from visualnet.engine.optimizers import serialize

        return {"config": serialize(self), "iterations": self.iterations,
                "variable_sizes": self.variable_sizes,
                "slots": {k: v.copy() for k, v in self._state.items()}}

    def load_state_dict(self, state: dict) -> None:
        """Restore `state_dict()` output into an optimizer of the same class: its
        hyper-parameters, iterations and slots, built for the saved variable sizes (so
        fit() continues from it). Everything is checked before anything changes."""
        from visualnet.engine.optimizers import deserialize

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
        order): iterations, the learning rate (a schedule has none), the moving averages and
        gradient accumulators where used, then the slots per weight in Keras's order and any
        scalar the optimizer keeps (Nadam's), as copies (initial values where the optimizer
        is not built for these shapes)."""
        sizes = [math.prod(s) for s in shapes]
        edges = np.cumsum([0, *sizes])
        fresh = self.variable_sizes != tuple(sizes)

        def per_weight(k, init):
            flat = np.full(edges[-1], init, _F) if fresh else self._state[k]
            return [flat[a:b].reshape(s).copy() for a, b, s in zip(edges[:-1], edges[1:], shapes)]

        slots = {k: per_weight(k, init) for k, init in self._all_slots().items()}
        head = [slots.pop(k) for k in ("average", "gradient_accumulator") if k in slots]
        rate = [] if isinstance(self._learning_rate, LearningRateSchedule) else [np.array(self.learning_rate, _F)]
        return [np.array(self.iterations, dtype=np.int64), *rate, *(a for arrays in head for a in arrays),
                *self._keras_order(slots), *self._keras_scalars(fresh)]

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
        self.iterations = int(iterations)
        n, edges = len(shapes), np.cumsum([0, *sizes])
        per_weight = {}
        for k in ("average", "gradient_accumulator"):
            if k in self._state and rest:
                per_weight[k], rest = rest[:n], rest[n:]
        scalars = len(self._keras_scalars(True))
        if rest:
            per_weight.update(self._from_keras_order(rest[:len(rest) - scalars], n))
            self._set_keras_scalars(rest[len(rest) - scalars:])
        for k, arrays in per_weight.items():
            for a, b, value in zip(edges[:-1], edges[1:], arrays):
                self._state[k][a:b] = np.ravel(value)

    # Keras's order of the kernel's slots: by default slot by slot; the slots Keras creates
    # together (`add_optimizer_variables(vars, [a, b])`) alternate weight by weight.
    _interleaved = ()

    def _keras_order(self, slots):
        """The kernel slots' per-weight arrays in Keras's order."""
        pairs = [a for arrays in zip(*(slots[k] for k in self._interleaved)) for a in arrays]
        return pairs + [a for k, arrays in slots.items() if k not in self._interleaved for a in arrays]

    def _from_keras_order(self, arrays, n):
        """{slot: per-weight arrays} from `_keras_order`'s list for n weights."""
        names, k = self._interleaved, len(self._interleaved)
        slots = {name: arrays[i:k * n:k] for i, name in enumerate(names)}
        rest = arrays[k * n:]
        for i, name in enumerate(s for s in self._slots() if s not in names):
            slots[name] = rest[i * n:(i + 1) * n]
        return slots

    def _keras_scalars(self, fresh) -> list:
        """Scalars Keras keeps after the slots (none by default)."""
        return []

    def _set_keras_scalars(self, values) -> None:
        pass

    def get_config(self):
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            lr = schedules.serialize(lr)
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue,
                "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency, "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
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
                           for k, v in self._all_slots().items()}
            self._checked = (None, None)   # the kernel's slots may have moved
        return {k: (old[k], getattr(self, k)) for k in params if old[k] != getattr(self, k)}

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"
