"""Issue 27: NaN and infinite float parameters are refused (Dropout's rate and others)."""

import math

import pytest

from visualnet.graph.params import Param, ParamError
from visualnet.graph.registry import get_spec


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_dropout_rate_refuses_nonfinite(value):
    rate = next(p for p in get_spec("Dropout").params if p.name == "rate")
    with pytest.raises(ParamError, match=rf"Received: rate={value!r}") as info:
        rate.coerce(value)
    assert info.value.param == "rate" and "finite" in str(info.value)


def test_every_float_param_refuses_nan():
    from visualnet.graph.registry import all_specs

    floats = [(s.type, p) for s in all_specs() for p in s.params if p.kind == "float"]
    assert floats
    for _, p in floats:
        with pytest.raises(ParamError, match=rf"Received: {p.name}=nan"):
            p.coerce(math.nan)


def test_unbounded_float_refuses_nan_unless_allowed():
    p = Param("x", "float", 0.0, "doc")
    with pytest.raises(ParamError, match="Received: x=inf"):
        p.coerce(math.inf)
    assert math.isnan(Param("x", "float", 0.0, "doc", finite=False).coerce(math.nan))
    assert p.coerce(2.5) == 2.5


def test_engine_dropout_nan_rate():
    from visualnet import layers

    with pytest.raises(ValueError, match="rate=nan"):
        layers.Dropout(math.nan)
