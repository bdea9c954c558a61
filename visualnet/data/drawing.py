"""A hand drawing prepared as the MNIST digits were (LeCun, Cortes, Burges): the ink's
bounding box scaled, keeping its aspect ratio, so that its longer side is 20 pixels
(anti-aliased), then placed in a 28x28 field with its centre of mass at the field's centre.
Without this a large 7 reads as a 3 and an off-centre digit as something else."""

from __future__ import annotations

import numpy as np
from PIL import Image


def mnist_style(drawing, side: int = 28, box: int = 20) -> np.ndarray:
    """`drawing` (H, W), ink > 0 on a 0 background, as (side, side) uint8."""
    a = np.asarray(drawing)
    if a.ndim != 2:
        raise ValueError(f"a drawing is one grey image (height, width); received shape {a.shape}")
    out = np.zeros((side, side), np.uint8)
    ink = np.argwhere(a > 0)
    if not len(ink):
        return out
    (r0, c0), (r1, c1) = ink.min(axis=0), ink.max(axis=0) + 1
    crop = np.clip(a[r0:r1, c0:c1], 0, 255).astype(np.uint8)
    h, w = crop.shape
    scale = min(box, side) / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    small = np.asarray(Image.fromarray(crop).resize((nw, nh), Image.Resampling.LANCZOS), dtype=np.float64)
    mass = small.sum()
    if mass <= 0:
        return out
    rows, cols = np.indices(small.shape)
    cy, cx = (rows * small).sum() / mass, (cols * small).sum() / mass
    top = int(np.clip(round((side - 1) / 2 - cy), 0, side - nh))
    left = int(np.clip(round((side - 1) / 2 - cx), 0, side - nw))
    out[top:top + nh, left:left + nw] = np.clip(np.rint(small), 0, 255).astype(np.uint8)
    return out
