"""`image_dataset_from_directory` (Keras's, same arguments, file order and pixels) returning
a `BatchedDataset` that `fit`, `evaluate` and `predict` accept, as `text_dataset_from_directory`.

Each image is decoded with Pillow and converted to the color mode as Keras's Pillow path
does (`_load_image_grain`), then resized as Keras's `ops.image.resize` computes on its
PyTorch backend: "bilinear" and "bicubic" with half-pixel centres and no antialiasing,
"nearest" picking pixel floor((i + 0.5) * scale); `crop_to_aspect_ratio` and
`pad_to_aspect_ratio` as Keras's. The TensorFlow-only methods ("area", "lanczos3",
"lanczos5", "gaussian", "mitchellcubic") are refused by name. Images are float32, decoded
into memory at once (the size is checked first). With `shuffle`, the order is Keras's
`RandomState(seed)` shuffle of the sorted files, the same on every pass (tf.data's extra
buffered reshuffle is not reproduced).
"""

from __future__ import annotations

import numpy as np

from .errors import ImageReadError
from .image_utils import data_format_of
from .memory import check_fits
from .text_dataset import BatchedDataset, LABEL_MODES, _encode_labels, _listed, split_paths

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
COLOR_MODES = {"grayscale": 1, "rgb": 3, "rgba": 4}
INTERPOLATIONS = ("bilinear", "nearest", "bicubic")
TF_ONLY = ("area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic")


def _cubic_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) weights of PyTorch's bicubic interpolation (A = -0.75, half-pixel
    centres, the border pixels repeated), which Keras's torch backend calls."""
    a, scale = -0.75, n_in / n_out
    m = np.zeros((n_out, n_in), np.float64)
    for i in range(n_out):
        src = (i + 0.5) * scale - 0.5
        base = int(np.floor(src))
        t = src - base
        ws = (((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
              ((a + 2) * t - (a + 3)) * t * t + 1,
              ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1,
              ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a)
        for k, w in enumerate(ws):
            m[i, min(max(base - 1 + k, 0), n_in - 1)] += w
    return m


def _matrix(n_in: int, n_out: int, interpolation: str) -> np.ndarray:
    if interpolation == "bicubic":
        return _cubic_matrix(n_in, n_out)
    from ..engine.layers.preprocessing import interpolation_matrix   # (importing the data package loads no engine)

    return interpolation_matrix(n_in, n_out, interpolation)


def resize_image(img: np.ndarray, size, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False) -> np.ndarray:
    """A (height, width, channels) float32 image resized as Keras's `ops.image.resize` does on
    its PyTorch backend (see the module docstring)."""
    th, tw = size
    h, w = img.shape[:2]
    if crop_to_aspect_ratio:
        ch = max(min(h, int(float(w * th) / tw)), 1)
        cw = max(min(w, int(float(h * tw) / th)), 1)
        top, left = int(float(h - ch) / 2), int(float(w - cw) / 2)
        img = img[top:top + ch, left:left + cw]
    elif pad_to_aspect_ratio:
        ph, pw = max(h, int(float(w * th) / tw)), max(w, int(float(h * tw) / th))
        top, left = int(float(ph - h) / 2), int(float(pw - w) / 2)
        img = np.pad(img, ((top, top), (left, left), (0, 0)))      # Keras pads both sides equally
    rh = _matrix(img.shape[0], th, interpolation).astype(np.float32)
    rw = _matrix(img.shape[1], tw, interpolation).astype(np.float32)
    return np.einsum("ip,pqc,jq->ijc", rh, img, rw, optimize=True).astype(np.float32)


def load_image(path, image_size, num_channels: int, interpolation="bilinear", crop_to_aspect_ratio=False,
               pad_to_aspect_ratio=False) -> np.ndarray:
    """One image file as Keras's image datasets load it: float32 (height, width, channels)."""
    from PIL import Image

    try:
        with Image.open(path) as img:
            mode = {1: "L", 3: "RGB", 4: "RGBA"}[num_channels]
            if img.mode != mode and not (num_channels == 1 and img.mode in ("I;16", "I")):
                img = img.convert(mode)
            x = np.array(img, dtype=np.float32)
    except (OSError, ValueError, SyntaxError) as e:
        raise ImageReadError(f"cannot read the image: {e}", file=path) from None
    if x.ndim == 2:
        x = x[:, :, None]
    return resize_image(x, image_size, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio)


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, color_mode="rgb",
                                 batch_size=32, image_size=(256, 256), shuffle=True, seed=None, validation_split=None,
                                 subset=None, interpolation="bilinear", follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, verbose=True):
    """Images from a folder of class subfolders (Keras's `utils.image_dataset_from_directory`).

    Returns a `BatchedDataset` of (images, labels) batches (images alone without labels),
    with `class_names` and `file_paths` set; with subset="both", (training, validation).
    Labels: "int" int32 (n,), "categorical" float32 one-hot, "binary" float32 (n, 1).
    """
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError("`labels` argument should be a list/tuple of integer labels, of the same size as the "
                             "number of image files in the target directory. If you wish to infer the labels from "
                             'the subdirectory names in the target directory, pass `labels="inferred"`. If you wish '
                             f"to get a dataset that only contains images (no labels), pass `labels=None`. Received: "
                             f"labels={labels}")
        if class_names:
            raise ValueError('You can only pass `class_names` if `labels="inferred"`. Received: '
                             f"labels={labels}, and class_names={class_names}")
    if label_mode not in LABEL_MODES:
        raise ValueError('`label_mode` argument must be one of "int", "categorical", "binary", or None. Received: '
                         f"label_mode={label_mode}")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    if color_mode not in COLOR_MODES:
        raise ValueError(f'`color_mode` must be one of {{"rgb", "rgba", "grayscale"}}. Received: color_mode={color_mode}')
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    if (not isinstance(image_size, (list, tuple)) or len(image_size) != 2
            or not all(isinstance(s, (int, np.integer)) and s > 0 for s in image_size)):
        raise ValueError(f"Invalid `image_size` value. Expected a tuple of 2 integers. Received: image_size={image_size}")
    interpolation = str(interpolation).lower()
    if interpolation in TF_ONLY:
        raise ValueError(f"interpolation={interpolation!r} is computed only by Keras's TensorFlow backend; VisualNet "
                         f"resizes as Keras's PyTorch backend does: use one of {INTERPOLATIONS}")
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"Argument `interpolation` should be one of {INTERPOLATIONS}. "
                         f"Received: interpolation={interpolation}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio`, `crop_to_aspect_ratio` can be set to `True`.")
    if data_format_of(data_format) != "channels_last":
        raise ValueError("VisualNet's images are channels_last; received data_format='channels_first'")
    paths, found, class_names, seed = _listed(directory, labels, class_names, follow_links, (ALLOWLIST_FORMATS,),
                                              label_mode, validation_split, subset, shuffle, seed, verbose)
    num_classes = len(class_names) if class_names else 0
    channels = COLOR_MODES[color_mode]

    def make(subset_name, what):
        part_paths, part_labels = split_paths(paths, found, validation_split, subset_name)
        if not part_paths:
            raise ValueError(f"No {what}images found in directory {directory}. Allowed formats: {ALLOWLIST_FORMATS}")
        if verbose and validation_split:
            print(f"Using {len(part_paths)} files for {subset_name}.")
        check_fits(len(part_paths) * image_size[0] * image_size[1] * channels * 4,
                   f"{len(part_paths):,} images of {image_size[1]}x{image_size[0]}x{channels} as 32-bit numbers",
                   file=directory, advice="Choose a smaller image_size or fewer images.")
        x = np.empty((len(part_paths), image_size[0], image_size[1], channels), np.float32)
        for i, p in enumerate(part_paths):
            x[i] = load_image(p, image_size, channels, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio)
        ds = BatchedDataset(x, _encode_labels(part_labels, label_mode, num_classes), batch_size, class_names)
        ds.file_paths = list(part_paths)
        return ds

    if subset == "both":
        return make("training", "training "), make("validation", "validation ")
    return make(subset, "")
