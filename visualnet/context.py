"""Keras's `device` and `name_scope` context managers. VisualNet computes on the CPU (both
cores); a program that asks for another device is told so, not silently moved."""

from __future__ import annotations

import contextlib


@contextlib.contextmanager
def device(device_name: str):
    """`with keras.device("cpu"):` (or "cpu:0"); GPUs and TPUs are refused."""
    kind = str(device_name).split(":")[0].strip().lower()
    if kind != "cpu":
        raise ValueError(f"keras.device({device_name!r}): VisualNet computes on the CPU; use 'cpu'.")
    yield


class name_scope:
    """`with keras.name_scope("block1"):`: accepted; VisualNet names layers by their own
    `name` arguments (the scope does not prefix them)."""

    def __init__(self, name: str, **kwargs):
        if not isinstance(name, str) or not name:
            raise ValueError(f"name_scope: the name must be a non-empty string; received {name!r}.")
        self.name = name

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
