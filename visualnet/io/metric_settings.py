"""Metric objects in files: a compiled model's metrics as the training settings keep them
(names, or a built-in metric's class and config: JSON, never code) and as an exported Keras
script writes them (`keras.metrics.Precision(thresholds=0.3)`)."""

from __future__ import annotations


def metric_settings(metric_ids) -> list:
    """The compiled metrics as the training settings keep them: names as they are, a built-in
    metric object as {"class_name", "config"}, a config as it is; a metric of the user's own
    class (or a function) is left out, as before."""
    from ..engine import metrics

    kept = []
    for m in metric_ids:
        if isinstance(m, str) or (isinstance(m, dict) and isinstance(m.get("class_name"), str)):
            kept.append(m)
        elif metrics.METRIC_CLASSES.get(type(m).__name__) is type(m):
            kept.append(metrics.serialize(m))
    return kept


def keras_metric_source(metric) -> str:
    """A metric setting as Keras source: a name as a string, a config as the constructor call
    with the arguments that differ from the defaults ('keras.metrics.AUC(curve="PR")')."""
    from ..engine import metrics

    if isinstance(metric, str):
        return repr(metric)
    name, config = metric["class_name"], dict(metric.get("config") or {})
    try:
        defaults = metrics.METRIC_CLASSES[name]().get_config()
    except (KeyError, TypeError, ValueError):          # an argument without a default: all of them
        defaults = {}
    args = ", ".join(f"{k}={v!r}" for k, v in config.items() if k not in defaults or defaults[k] != v)
    return f"keras.metrics.{name}({args})"


def keras_metrics_source(settings) -> str:
    """The METRICS list of an exported Keras script."""
    return "[" + ", ".join(keras_metric_source(m) for m in settings or []) + "]"
