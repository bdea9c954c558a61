"""The shipped series and sequence set: published files, attribution, offline loading and preparing."""

import gzip
import hashlib

import numpy as np
import pytest

from visualnet import data
from visualnet.data.series_recipe import unscale_targets
from visualnet.resources import resource_path

FILES = {("timeseries", "monthly-sunspots.csv"): "dee19278d812667c0933bfcccbe4d0b2",
         ("timeseries", "airline-passengers.csv"): "558a08bfda3955c8506436677352f7b8",
         ("sequences", "IndoorMovement.zip"): "7b3f39aac31a94ee2ceeb0653f3c518d"}
SHAPES = {"sunspots": (24, 1), "airline_passengers": (12, 1), "beijing_pm25": (24, 11), "indoor_movement": (129, 4)}


def test_shipped_files_are_the_published_ones_and_attributed():
    for parts, md5 in FILES.items():
        assert hashlib.md5(resource_path("datasets", *parts).read_bytes()).hexdigest() == md5
    pollution = gzip.decompress(resource_path("datasets", "timeseries", "pollution.csv.gz").read_bytes())
    assert hashlib.md5(pollution).hexdigest() == "c50993a329efa65dc08a36384576756e"
    readme = resource_path("datasets", "README.md").read_text()
    for name in ("Hyndman", "Liang", "Bacciu", "IndoorMovement.zip", "pollution.csv.gz"):
        assert name in readme


@pytest.mark.parametrize("name", list(SHAPES))
def test_builtin_loads_offline_and_prepares(name):
    info = data.builtin_info(name)
    ds = data.load_builtin(name)
    assert ds.input_shape == SHAPES[name] == info.input_shape and len(ds) == info.n_samples
    assert info.citation and ds.source.startswith(info.title)
    assert len(ds.feature_names) == np.prod(SHAPES[name])       # one per value of a flattened window
    shown = data.preview(ds)
    assert shown.kind == "timeseries" and len(shown.samples) == 8 and shown.feature_stats
    prepared = data.prepare(data.Recipe.builtin(name))
    assert prepared.train.x.shape[1:] == SHAPES[name] and len(prepared.test) > 0
    assert np.all(np.isfinite(prepared.train.x)) and prepared.train.x.dtype == np.float32
    if name != "indoor_movement":                                # time order: test after training
        assert prepared.recipe.split.shuffle is False and prepared.train.y.shape[1] == 1
        raw = prepared.dataset.y[prepared.train.indices]          # targets scaled with the training rows' stats
        np.testing.assert_allclose(unscale_targets(prepared.recipe, prepared.train.y), raw, rtol=1e-4, atol=1e-3)
        assert abs(float(prepared.train.y.mean())) < 0.5 < float(np.abs(raw).mean())


def test_window_parameters():
    prepared = data.prepare(data.Recipe.builtin("airline_passengers", params={"lookback": 6, "horizon": 3}))
    assert prepared.train.x.shape[1:] == (6, 1) and prepared.train.y.shape[1] == 3
    with pytest.raises(ValueError, match="lookback"):
        data.prepare(data.Recipe.builtin("airline_passengers", params={"lookback": 0}))
    assert data.load_builtin("indoor_movement", maxlen=50).x.shape == (314, 50, 4)
