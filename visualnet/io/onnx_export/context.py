"""What a layer's ONNX rule is given, and the table of rules by layer type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .builder import Builder, OnnxExportError


@dataclass
class Layer:
    """One node to write: its type, parameters, input tensor names, input and output shapes
    (the batch dimension first, None) and its weights in Keras's order."""

    type: str
    name: str
    params: dict
    xs: list
    in_shapes: list
    shape: tuple
    weights: list

    @property
    def x(self) -> str:
        return self.xs[0]

    @property
    def rank(self) -> int:
        """The input's rank, batch included."""
        return len(self.in_shapes[0])

    def refuse(self, why: str):
        raise OnnxExportError(f"layer {self.name!r} ({self.type}) cannot be written as ONNX: {why}")


RULES: dict[str, Callable[[Builder, Layer], str]] = {}


def rule(*types: str):
    def register(fn):
        for t in types:
            RULES[t] = fn
        return fn
    return register


def f32(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)


def axis_of(axis: int, rank: int) -> int:
    """A Keras axis (negative from the end, or counting the batch) as a non-negative one."""
    return axis % rank
