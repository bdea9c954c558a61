"""Keras 3's optimizers (`keras.optimizers`): SGD, Adam, RMSprop, Adagrad here, AdamW,
Nadam, Adamax, Adadelta, Ftrl and Lion in optimizers_adaptive.py, all on the base
`Optimizer` (optimizer_base.py) and the one fused kernel per rule (optimizer_steps.py);
`OPTIMIZERS` is the table every other part reads. Update formulas and float32 arithmetic
follow `keras/src/optimizers/*.py`.
"""

import numpy as np

from visualnet.engine import optimizer_steps as steps, schedules
from visualnet.engine.optimizer_base import (  # noqa: F401
    COMMON_DEFAULTS, MIN_SPLIT_PARAMS as _MIN_SPLIT_PARAMS, Optimizer,
)
from visualnet.engine.optimizer_steps import JOB_SLOTS  # noqa: F401

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Nadam", "Adamax", "Adadelta", "Ftrl", "Lion", "RMSprop",
           "Adagrad", "get", "optimizer_class", "serialize", "deserialize", "schedules"]

_F = np.float32


class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum. Also takes Keras's common
    arguments (weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
    ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name)."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be a float between [0, 1]. "
                             f"Received: momentum={momentum}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _slots(self):
        return {"momentum": 0.0} if self.momentum != 0 else {}

    _state_names = ("momentum",)
    _kernel, _job = staticmethod(steps.sgd_step), staticmethod(steps.sgd_job)

    def _coefficients(self, lr):
        return lr, self.momentum, self.nesterov, self._decay(lr)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum,
                "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adam, optionally with the AMSGrad variant (and Keras's common arguments, as SGD)."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
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
    _interleaved = ("momentum", "velocity")   # then velocity_hat
    _kernel, _job = staticmethod(steps.adam_step), staticmethod(steps.adam_job)

    def _coefficients(self, lr):
        return (lr, self.beta_1, self.beta_2, self.update_steps + 1, _F(1 - self.beta_1), _F(1 - self.beta_2),
                self.epsilon, self._decay(lr))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class RMSprop(Optimizer):
    """RMSprop with optional plain momentum and centering (and Keras's common arguments)."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
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
    _kernel, _job = staticmethod(steps.rmsprop_step), staticmethod(steps.rmsprop_job)

    def _coefficients(self, lr):
        return lr, self.rho, _F(1 - self.rho), self.momentum, self.epsilon, self._decay(lr)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}


class Adagrad(Optimizer):
    """Adagrad: per-parameter rates from accumulated squared gradients (and Keras's common
    arguments)."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def _slots(self):
        return {"accumulator": self.initial_accumulator_value}

    _state_names = ("accumulator",)
    _kernel, _job = staticmethod(steps.adagrad_step), staticmethod(steps.adagrad_job)

    def _coefficients(self, lr):
        return lr, self.epsilon, self._decay(lr)

    def get_config(self):
        return {**super().get_config(),
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


from visualnet.engine.optimizers_adaptive import Adadelta, Adamax, AdamW, Ftrl, Lion, Nadam  # noqa: E402

# Every optimizer by the name compile() takes, in the order the app offers them: the one
# table the engine, the files, the GUI and the code exporters read.
OPTIMIZERS = {"adam": Adam, "sgd": SGD, "rmsprop": RMSprop, "adagrad": Adagrad, "adamw": AdamW, "nadam": Nadam,
              "adamax": Adamax, "adadelta": Adadelta, "ftrl": Ftrl, "lion": Lion}


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
