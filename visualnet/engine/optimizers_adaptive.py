"""Keras 3's AdamW, Nadam, Adamax, Adadelta, Ftrl and Lion: arguments, defaults, checks,
slots and Keras's order of their variables, each on its fused kernel (optimizer_steps.py)."""

import numpy as np

from visualnet.engine import optimizer_steps as steps
from visualnet.engine.optimizer_base import Optimizer
from visualnet.engine.optimizers import Adam

_F = np.float32


class AdamW(Adam):
    """Adam with decoupled weight decay (`weight_decay`, 0.004 by default, must be set)."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay=weight_decay, **kwargs)
        if self.weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")


class Nadam(Optimizer):
    """Adam with Nesterov momentum (Dozat's schedule of momentum: `u_t = beta_1 * (1 - 0.5 *
    0.96 ** t)`). Their running product is Keras's last variable: read from Keras files,
    otherwise derived from the step count (so a state restored after beta_1 changed mid-run
    recomputes it with the new beta_1, where Keras's variable keeps the old factors)."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self._u_known = (0, _F(1))   # (steps, the product of u_1 ... u_steps), float32 as Keras

    def _slots(self):
        return {"momentum": 0.0, "velocity": 0.0}

    _state_names = ("momentum", "velocity")
    _interleaved = ("momentum", "velocity")
    _kernel, _job = staticmethod(steps.nadam_step), staticmethod(steps.nadam_job)

    def _u(self, t):
        return _F(self.beta_1) * (_F(1) - _F(0.5) * np.power(_F(0.96), _F(t)))

    def _u_product(self, steps_done):
        """u_1 * ... * u_steps (float32, multiplied in order as Keras does, from the last known
        product; once it underflows to 0 it stays 0)."""
        k, value = self._u_known if self._u_known[0] <= steps_done else (0, _F(1))
        while k < steps_done and value != 0:
            k += 1
            value = value * self._u(k)
        self._u_known = (steps_done, value)
        return value

    def _coefficients(self, lr):
        t = self.update_steps + 1
        u_t, u_t_1 = self._u(t), self._u(t + 1)
        u_product_t = self._u_product(t - 1) * u_t
        u_product_t_1 = u_product_t * u_t_1
        one = _F(1)
        return (lr, _F(1 - self.beta_1), _F(1 - self.beta_2), u_t_1 / (one - u_product_t_1),
                (one - u_t) / (one - u_product_t), one - np.power(_F(self.beta_2), _F(t)), self.epsilon,
                self._decay(lr))

    def _keras_scalars(self, fresh):
        return [np.array(_F(1) if fresh else self._u_product(self.update_steps), _F)]

    def _set_keras_scalars(self, values):
        if values:
            self._u_known = (self.update_steps, _F(values[0]))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Adamax(Optimizer):
    """Adam on the infinity norm: `u = max(beta_2 * u, |g|)`."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _slots(self):
        return {"momentum": 0.0, "norm": 0.0}

    _state_names = ("momentum", "norm")
    _interleaved = ("momentum", "norm")
    _kernel, _job = staticmethod(steps.adamax_step), staticmethod(steps.adamax_job)

    def _coefficients(self, lr):
        t = self.update_steps + 1
        return (lr, _F(1 - self.beta_1), self.beta_2, _F(1) - np.power(_F(self.beta_1), _F(t)), self.epsilon,
                self._decay(lr))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Adadelta(Optimizer):
    """Adadelta: steps scaled by running averages of squared gradients and squared updates."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def _slots(self):
        return {"accumulated_grad": 0.0, "accumulated_delta_var": 0.0}

    _state_names = ("accumulated_grad", "accumulated_delta_var")
    _interleaved = ("accumulated_grad", "accumulated_delta_var")
    _kernel, _job = staticmethod(steps.adadelta_step), staticmethod(steps.adadelta_job)

    def _coefficients(self, lr):
        return lr, self.rho, _F(1 - self.rho), self.epsilon, self._decay(lr)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


class Ftrl(Optimizer):
    """Follow The Regularized Leader (McMahan et al.), with L1, L2 and L2-shrinkage."""

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, **kwargs):
        super().__init__(learning_rate, **kwargs)
        for arg, value, sign in (("initial_accumulator_value", initial_accumulator_value, "positive or zero"),
                                 ("learning_rate_power", -learning_rate_power, "negative or zero"),
                                 ("l1_regularization_strength", l1_regularization_strength, "positive or zero"),
                                 ("l2_regularization_strength", l2_regularization_strength, "positive or zero"),
                                 ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength,
                                  "positive or zero")):
            if value < 0.0:
                shown = -value if arg == "learning_rate_power" else value
                raise ValueError(f"`{arg}` needs to be {sign}. Received: {arg}={shown}.")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def _slots(self):
        return {"accumulator": self.initial_accumulator_value, "linear": 0.0}

    _state_names = ("accumulator", "linear")
    _interleaved = ("accumulator", "linear")
    _kernel, _job = staticmethod(steps.ftrl_step), staticmethod(steps.ftrl_job)

    def _coefficients(self, lr):
        with np.errstate(divide="ignore", invalid="ignore"):   # lr 0 gives infinities, as in Keras
            l2 = _F(self.l2_regularization_strength) + _F(self.beta) / (_F(2) * lr)
        return (lr, _F(-self.learning_rate_power), self.l1_regularization_strength, _F(2) * l2,
                _F(2 * self.l2_shrinkage_regularization_strength), self._decay(lr))

    def get_config(self):
        return {**super().get_config(), "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
                "beta": self.beta}


class Lion(Optimizer):
    """EvoLved Sign Momentum (Chen et al.): steps of `lr * sign(beta_1 * m + (1 - beta_1) * g)`."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        super().__init__(learning_rate, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError("Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer degenerates "
                             f"to SignSGD. Received: beta_1={beta_1}.")
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def _slots(self):
        return {"momentum": 0.0}

    _state_names = ("momentum",)
    _kernel, _job = staticmethod(steps.lion_step), staticmethod(steps.lion_job)

    def _coefficients(self, lr):
        return (lr, self.beta_1, _F(1 - self.beta_1), self.beta_2, _F(1 - self.beta_2), self._decay(lr))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
