"""The built-in series and sequence sets shipped under `resources/datasets/` (see its README).

Series (forecast the next value of a column from the `lookback` rows before it; prepared by
`series_recipe`: split by time, scaled on the training rows):
    sunspots            Zurich monthly sunspot numbers, 1749-1983 (2,820 months)
    airline_passengers  monthly international airline passengers, 1949-1960 (144 months)
    beijing_pm25        hourly Beijing PM2.5 with weather, 2010-2014 (43,824 hours; the wind
                        direction one-hot encoded, missing PM2.5 values interpolated)
Sequence set:
    indoor_movement     314 radio-signal sequences of 19 to 129 steps; does the user change room?
"""

from __future__ import annotations

from ..resources import resource_path
from .dataset import Dataset
from .sequence_sets import read_sequence_set
from .series import read_series_csv, step_names
from .split import SplitSpec

TSDL_CITATION = ("R. Hyndman's Time Series Data Library (Andrews & Herzberg 1985; Box & Jenkins), via "
                 "J. Brownlee's Datasets collection; see resources/datasets/README.md")
PM25_CITATION = ("UCI Beijing PM2.5 data set (S. X. Chen; Liang et al., Proc. R. Soc. A 471, 2015), via "
                 "J. Brownlee's Datasets collection; see resources/datasets/README.md")
INDOOR_CITATION = ("D. Bacciu, P. Barsocchi, S. Chessa, C. Gallicchio, A. Micheli, An experimental "
                   "characterization of reservoir computing in ambient assisted living applications, Neural "
                   "Computing and Applications 24(6), 2014; UCI Machine Learning Repository")

# name -> (file under resources/datasets/timeseries, series options without the window)
SERIES = {
    "sunspots": ("monthly-sunspots.csv", {"date": "Month", "targets": ["Sunspots"]}),
    "airline_passengers": ("airline-passengers.csv", {"date": "Month", "targets": ["Passengers"]}),
    "beijing_pm25": ("pollution.csv.gz", {"date": ["year", "month", "day", "hour"], "exclude": ["No"],
                                          "missing": "interpolate", "targets": ["pm2.5"]}),
}
INDOOR = {"targets": "dataset/MovementAAL_target.csv", "pattern": "dataset/MovementAAL_RSS_*.csv"}
INDOOR_FEATURES = ["RSS_anchor1", "RSS_anchor2", "RSS_anchor3", "RSS_anchor4"]
NAMES = (*SERIES, "indoor_movement")


def entries() -> dict:
    """The `BuiltinDataset` records of these sets, for `builtin.BUILTINS`."""
    from .builtin import BuiltinDataset, Param

    def window(lookback, most, unit):
        return (Param("lookback", lookback, 1, most, True, f"{unit} in each input window"),
                Param("horizon", 1, 1, most, True, f"{unit} ahead to forecast (one target per {unit[:-1]})"),
                Param("stride", 1, 1, most, True, f"{unit} between the starts of consecutive windows"))

    return {
        "sunspots": BuiltinDataset(
            "sunspots", "Monthly sunspots (Zurich)", "regression", "timeseries",
            "Zurich monthly sunspot numbers, 1749-1983: forecast the next month's number from the `lookback` "
            "months before it. Split by time: the earliest 70% of the months train, then 10% validate and the "
            "last 20% test; scaled with the training months' mean and deviation.",
            2796, (24, 1), TSDL_CITATION, window(24, 600, "months"),
            SplitSpec(validation=0.1, test=0.2, shuffle=False)),
        "airline_passengers": BuiltinDataset(
            "airline_passengers", "Airline passengers", "regression", "timeseries",
            "Monthly international airline passengers (thousands), 1949-1960: forecast the next month from the "
            "`lookback` months before it. Split by time: the last 20% of the months test.",
            132, (12, 1), TSDL_CITATION, window(12, 48, "months"), SplitSpec(validation=0.0, test=0.2, shuffle=False)),
        "beijing_pm25": BuiltinDataset(
            "beijing_pm25", "Beijing PM2.5 pollution (hourly)", "regression", "timeseries",
            "Hourly PM2.5 concentration at the US embassy in Beijing, 2010-2014, with dew point, temperature, "
            "pressure, wind direction (one-hot) and speed, hours of snow and rain: forecast the next hour's PM2.5 "
            "from the `lookback` hours before it. Missing PM2.5 values are interpolated. Split by time: 70% / "
            "10% / 20%.",
            43800, (24, 11), PM25_CITATION, window(24, 24 * 14, "hours"),
            SplitSpec(validation=0.1, test=0.2, shuffle=False)),
        "indoor_movement": BuiltinDataset(
            "indoor_movement", "Indoor movement (sequences)", "binary", "timeseries",
            "314 sequences (19 to 129 steps at 8 Hz) of the radio signal strengths between a worn sensor and 4 "
            "anchors: will the user's path change room (1) or not (-1)? Sequences are padded in front with 0.0 "
            "to the longest (or `maxlen`, keeping their last steps): put Masking(mask_value=0.0) first.",
            314, (129, 4), INDOOR_CITATION,
            (Param("maxlen", 129, 2, 129, True, "time steps per sequence (longer ones keep their last steps)"),),
            SplitSpec(validation=0.0, test=0.2, shuffle=True, stratify=True)),
    }


def check_params(name: str, params: dict) -> dict:
    """The built-in's parameters with their defaults, checked against their ranges."""
    from .builtin import builtin_info
    allowed = {p.name: p for p in builtin_info(name).params}
    unknown = set(params) - set(allowed)
    if unknown:
        raise TypeError(f"{name} takes {', '.join(allowed)}; received: {', '.join(sorted(unknown))}")
    for key, value in params.items():
        p = allowed[key]
        if isinstance(value, bool) or int(value) != value or not p.minimum <= value <= p.maximum:
            raise ValueError(f"{key} must be a whole number in [{p.minimum:g}, {p.maximum:g}]; "
                             f"received: {key}={value!r}")
    return {**builtin_info(name).defaults(), **{k: int(v) for k, v in params.items()}}


def load(name: str, *, progress=None, cancel=None, **params) -> Dataset:
    """The built-in `name` as a Dataset: every window of the whole series (unscaled), or the padded sequences."""
    from .builtin import builtin_info
    info = builtin_info(name)
    params = check_params(name, params)
    if name == "indoor_movement":
        ds = read_sequence_set(resource_path("datasets", "sequences", "IndoorMovement.zip"), **INDOOR,
                               name=name, progress=progress, cancel=cancel, **params)
        ds.feature_names = step_names(INDOOR_FEATURES, ds.x.shape[1])
        ds.class_names = ["-1 (same room)", "1 (room change)"]
    else:
        file, options = SERIES[name]
        ds = read_series_csv(resource_path("datasets", "timeseries", file), name=name, progress=progress,
                             cancel=cancel, **options, **params)
    ds.source = f"{info.title}: {info.citation}"
    return ds
