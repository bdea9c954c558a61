"""`keras.preprocessing.image`: loading, converting and saving images, and `smart_resize`."""

from __future__ import annotations

import numpy as np

from ..data.image_utils import array_to_img, img_to_array, load_img, save_img  # noqa: F401


def smart_resize(x, size, interpolation: str = "bilinear", data_format: str = "channels_last",
                 backend_module=None) -> np.ndarray:
    """Resize an image (h, w, c) or a batch (b, h, w, c) to `size` without distorting it: the
    largest central window with the target's aspect ratio, then resized (Keras's
    `smart_resize`; interpolation "bilinear" or "nearest", as Keras's torch backend)."""
    from ..engine.layers.preprocessing import interpolation_matrix
    from ..graph.layer_types.preprocessing import crop_box

    if data_format != "channels_last":
        raise ValueError(f"smart_resize: data_format={data_format!r}; VisualNet's images are channels_last.")
    if interpolation not in ("bilinear", "nearest"):
        raise ValueError(f"smart_resize: interpolation={interpolation!r}; 'bilinear' and 'nearest' are available.")
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    img = np.asarray(x)
    if img.ndim not in (3, 4):
        raise ValueError(f"Expected an image array with shape `(height, width, channels)`, or `(batch_size, "
                         f"height, width, channels)`, but got input with incorrect rank, of shape {img.shape}.")
    batch = img if img.ndim == 4 else img[None]
    th, tw = int(size[0]), int(size[1])
    top, left, h, w = crop_box({"crop_to_aspect_ratio": True, "height": th, "width": tw}, batch.shape[1],
                               batch.shape[2])
    dtype = batch.dtype if np.issubdtype(batch.dtype, np.floating) else np.float32
    rh = interpolation_matrix(h, th, interpolation).astype(dtype)
    rw = interpolation_matrix(w, tw, interpolation).astype(dtype)
    out = np.einsum("ip,bpqc,jq->bijc", rh, batch[:, top:top + h, left:left + w].astype(dtype), rw, optimize=True)
    return out if img.ndim == 4 else out[0]


__all__ = ["load_img", "img_to_array", "array_to_img", "save_img", "smart_resize"]
