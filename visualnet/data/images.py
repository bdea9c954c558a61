"""Image folders (one sub-folder per class), decoded with Pillow.

    flowers/
        daisy/   a.jpg  b.png ...
        tulip/   c.jpg ...

Classes are the sub-folder names in sorted order (as Keras's
`image_dataset_from_directory` does). Every image is converted to grayscale or RGB and
resized to `size` (bilinear), giving uint8 (n, height, width, channels). The file list is
gathered first, the output array allocated once, and each image decoded into it, with
progress and cancellation between images. An image that cannot be decoded (a truncated
download, a file with the wrong extension) is skipped: `SkippedImagesWarning` names each,
and the dataset's description counts them; a class left without images is an error.
"""

import warnings
from pathlib import Path

import numpy as np

from .. import VisualNetWarning

from .dataset import Dataset
from .memory import check_fits
from .errors import DataError, EmptyDataError, ImageReadError
from .progress import Monitor

EXTENSIONS = (".png", ".jpg", ".jpeg")
MAX_PIXELS = 100_000_000


class SkippedImagesWarning(VisualNetWarning):
    """Images of a folder that could not be decoded and were left out; `skipped` holds
    (path, reason) pairs."""

    def __init__(self, message: str, skipped: list):
        super().__init__(message)
        self.skipped = skipped


def skipped_message(root: Path, skipped: list, shown: int = 10) -> str:
    """'Skipped 2 unreadable images of flowers: daisy/a.jpg (cannot read the image: ...), ...'."""
    def rel(p):
        try:
            return str(Path(p).relative_to(root))
        except ValueError:
            return str(p)
    listed = "; ".join(f"{rel(p)} ({why})" for p, why in skipped[:shown])
    more = f"; and {len(skipped) - shown} more" if len(skipped) > shown else ""
    n = len(skipped)
    return f"Skipped {n} unreadable image{'s' if n != 1 else ''} of {root.name}: {listed}{more}"


def _visible(p: Path) -> bool:
    return not p.name.startswith(".")


def list_image_folder(path) -> "dict[str, list[Path]]":
    """{class name: sorted image files} for a folder of class sub-folders."""
    root = Path(path)
    if root.exists() and not root.is_dir():
        raise NotADirectoryError(f"{root} is a file, not a folder: choose the folder that holds one sub-folder "
                                 f"of images per class")
    if not root.is_dir():
        raise FileNotFoundError(f"no such folder: {root}")
    classes = sorted(p for p in root.iterdir() if p.is_dir() and _visible(p))
    if not classes:
        loose = [p for p in root.iterdir() if p.suffix.lower() in EXTENSIONS]
        hint = (f" (it holds {len(loose)} images directly; put them in one sub-folder per class)"
                if loose else "")
        raise EmptyDataError(f"the folder has no class sub-folders{hint}", file=root)
    found = {}
    for folder in classes:
        files = sorted(p for p in folder.rglob("*") if p.is_file() and _visible(p)
                       and p.suffix.lower() in EXTENSIONS)
        if not files:
            raise EmptyDataError(f"class folder {folder.name!r} holds no {'/'.join(EXTENSIONS)} images",
                                 file=folder)
        found[folder.name] = files
    if len(found) < 2:
        raise EmptyDataError(f"only one class sub-folder ({classes[0].name!r}); a classifier needs at least two",
                             file=root)
    return found


def _decode(file: Path, size, mode: str) -> np.ndarray:
    from PIL import Image
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as img:
                if img.width * img.height > MAX_PIXELS:
                    raise ImageReadError(f"the image is {img.width}x{img.height} pixels, too large to import",
                                         file=file)
                if img.format == "JPEG" and size is not None:
                    img.draft(mode, (size[1], size[0]))
                img = img.convert(mode)
                if size is not None and (img.height, img.width) != tuple(size):
                    img = img.resize((size[1], size[0]), Image.Resampling.BILINEAR)
                return np.asarray(img, dtype=np.uint8)
    except ImageReadError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning, Image.DecompressionBombError) as e:
        raise ImageReadError(f"cannot read the image: {e}", file=file) from None


def read_image_folder(path, *, size: "tuple | None" = (28, 28), color: str = "grayscale",
                      name: "str | None" = None, progress=None, cancel=None) -> Dataset:
    """Import a folder of class sub-folders of images as a `Dataset`.

    size: (height, width) to resize every image to; None keeps the size of the images,
        which must then all agree.
    color: 'grayscale' (1 channel) or 'rgb' (3 channels).
    """
    root = Path(path)
    if color not in ("grayscale", "rgb"):
        raise ValueError(f"color must be 'grayscale' or 'rgb'; received: color={color!r}")
    if size is not None:
        if len(size) != 2 or not all(isinstance(s, (int, np.integer)) and 1 <= s <= 4096 for s in size):
            raise ValueError(f"size must be (height, width) with sides from 1 to 4096; received: size={size!r}")
        size = (int(size[0]), int(size[1]))
    mon = Monitor(progress, cancel)
    classes = list_image_folder(root)
    files = [(f, k) for k, (_, fs) in enumerate(classes.items()) for f in fs]
    mode, channels = ("L", 1) if color == "grayscale" else ("RGB", 3)
    skipped = []                     # (file, reason) of the images that cannot be decoded
    first = None
    for file, _ in files:
        try:
            first = _decode(file, size, mode)
            break
        except ImageReadError as exc:
            skipped.append((file, exc.message))
    if first is None:
        raise ImageReadError(f"none of its {len(files)} images can be read; the first: {skipped[0][1]}",
                             file=root)
    start = len(skipped)             # the index of the first readable image
    shape = first.shape[:2]
    check_fits(len(files) * shape[0] * shape[1] * channels * 5, f"{len(files):,} images of {shape[1]}x{shape[0]} "
               f"({color}, as bytes and then as 32-bit numbers for training)", file=root,
               advice="Choose a smaller size to resize them to, or use fewer images.")
    x = np.empty((len(files), *shape, channels), dtype=np.uint8)
    y = np.array([k for _, k in files], dtype=np.int64)
    kept = np.zeros(len(files), dtype=bool)
    for i, (file, _) in enumerate(files):
        mon.report(i / len(files))
        if i < start:
            continue                 # skipped before the first readable one
        try:
            img = first if i == start else _decode(file, size, mode)
        except ImageReadError as exc:
            skipped.append((file, exc.message))
            continue
        if img.shape[:2] != shape:
            raise DataError(f"the image is {img.shape[1]}x{img.shape[0]} but {files[0][0].name} is "
                            f"{shape[1]}x{shape[0]}; choose a size to resize all images to", file=file)
        x[i] = img.reshape(*shape, channels)
        kept[i] = True
    mon.report(1.0)
    names = list(classes)
    note = ""
    if skipped:
        x, y = x[kept], y[kept]
        empty = [name for k, name in enumerate(names) if not np.any(y == k)]
        if empty:
            raise ImageReadError(f"no image of class {empty[0]!r} can be read ({skipped_message(root, skipped)})",
                                 file=root / empty[0])
        message = skipped_message(root, skipped)
        warnings.warn(SkippedImagesWarning(message, [(str(p), why) for p, why in skipped]), stacklevel=2)
        note = f", {len(skipped)} unreadable skipped"
    return Dataset(x=x, y=y, task="binary" if len(names) == 2 else "multiclass", name=name or root.name,
                   kind="image", class_names=names,
                   source=f"image folder {root} ({len(x)} images{note}, {color}, {shape[0]}x{shape[1]})")


def read_images(files, *, size: tuple, color: str = "grayscale") -> np.ndarray:
    """Image files decoded and resized as `read_image_folder` does: uint8 (n, height, width,
    channels), e.g. new inputs for a model trained on an image folder."""
    mode, channels = ("L", 1) if color == "grayscale" else ("RGB", 3)
    x = np.empty((len(files), size[0], size[1], channels), dtype=np.uint8)
    for i, file in enumerate(files):
        x[i] = _decode(Path(file), size, mode).reshape(size[0], size[1], channels)
    return x
