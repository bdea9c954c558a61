"""Issue 27: a NaN, infinite or negative learning rate is refused with a clear ValueError."""

import math

import pytest

from visualnet.engine import optimizers


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad"])
@pytest.mark.parametrize("lr", [math.nan, math.inf, -math.inf, -0.1])
def test_constructor_refuses(name, lr):
    with pytest.raises(ValueError, match=r"learning_rate.*Received: learning_rate="):
        getattr(optimizers, name)(learning_rate=lr)


@pytest.mark.parametrize("lr", [math.nan, math.inf, -1.0])
def test_setter_refuses_and_keeps_old_value(lr):
    opt = optimizers.Adam(learning_rate=0.01)
    with pytest.raises(ValueError, match="finite number >= 0"):
        opt.learning_rate = lr
    assert opt.learning_rate == 0.01


def test_get_from_config_refuses_nan():
    with pytest.raises(ValueError, match="learning_rate=nan"):
        optimizers.get({"class_name": "SGD", "config": {"learning_rate": float("nan")}})


def test_zero_and_positive_accepted():
    assert optimizers.SGD(learning_rate=0.0).learning_rate == 0.0
    assert optimizers.SGD(learning_rate=3).learning_rate == 3.0
