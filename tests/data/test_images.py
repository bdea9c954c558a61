import numpy as np
import pytest
from PIL import Image

from visualnet.data import (Cancelled, DataError, EmptyDataError, ImageReadError, list_image_folder, read_idx,
                            read_image_folder)

from visualnet.data.images import SkippedImagesWarning

from .helpers import MNIST_IMAGES, MNIST_LABELS


@pytest.fixture
def digits(tmp_path):
    """A folder of real MNIST digits: 0/ and 1/ as PNG, 7/ as JPEG, 6 images each."""
    x, y = read_idx(MNIST_IMAGES), read_idx(MNIST_LABELS)
    root = tmp_path / "digits"
    for d, ext in ((0, "png"), (1, "png"), (7, "jpg")):
        (root / str(d)).mkdir(parents=True)
        for k, i in enumerate(np.flatnonzero(y == d)[:6]):
            Image.fromarray(x[i]).save(root / str(d) / f"{k}.{ext}")
    (root / "0" / "notes.txt").write_text("not an image")
    (root / ".hidden").mkdir()
    return root, x, y


def test_reads_classes_grayscale(digits):
    root, x, y = digits
    ds = read_image_folder(root, size=(28, 28))
    assert ds.x.shape == (18, 28, 28, 1) and ds.x.dtype == np.uint8
    assert ds.class_names == ["0", "1", "7"] and ds.y.tolist() == [0] * 6 + [1] * 6 + [2] * 6
    assert ds.kind == "image" and ds.task == "multiclass"
    np.testing.assert_array_equal(ds.x[0, :, :, 0], x[np.flatnonzero(y == 0)[0]])   # PNG is lossless
    jpeg = ds.x[12, :, :, 0].astype(int) - x[np.flatnonzero(y == 7)[0]]
    assert np.abs(jpeg).mean() < 8                                                 # JPEG is close


def test_resize_and_rgb(digits):
    root, _, _ = digits
    ds = read_image_folder(root, size=(14, 20), color="rgb")
    assert ds.x.shape == (18, 14, 20, 3)
    assert np.array_equal(ds.x[..., 0], ds.x[..., 1])


def test_size_none_keeps_size_and_demands_equal_sizes(digits):
    root, _, _ = digits
    assert read_image_folder(root, size=None).x.shape == (18, 28, 28, 1)
    Image.new("L", (10, 12)).save(root / "1" / "zz.png")
    with pytest.raises(DataError, match="the image is 10x12 but 0.png is 28x28") as info:
        read_image_folder(root, size=None)
    assert info.value.file == str(root / "1" / "zz.png")


def test_progress_and_cancel(digits):
    root, _, _ = digits
    seen = []
    read_image_folder(root, progress=seen.append)
    assert seen[-1] == 1.0 and len(seen) > 5
    with pytest.raises(Cancelled):
        read_image_folder(root, cancel=lambda: True)


def test_listing(digits):
    root, _, _ = digits
    listing = list_image_folder(root)
    assert list(listing) == ["0", "1", "7"] and [p.name for p in listing["7"]][:2] == ["0.jpg", "1.jpg"]


# --- broken folders -----------------------------------------------------------------------------

def test_empty_folder(tmp_path):
    with pytest.raises(EmptyDataError, match="the folder has no class sub-folders") as info:
        read_image_folder(tmp_path)
    assert info.value.file == str(tmp_path)


def test_images_without_class_folders(tmp_path):
    Image.new("L", (4, 4)).save(tmp_path / "a.png")
    with pytest.raises(EmptyDataError, match="holds 1 images directly; put them in one sub-folder per class"):
        read_image_folder(tmp_path)


def test_class_folder_without_images(digits):
    root, _, _ = digits
    (root / "9").mkdir()
    (root / "9" / "readme.md").write_text("x")
    with pytest.raises(EmptyDataError, match="class folder '9' holds no") as info:
        read_image_folder(root)
    assert info.value.file == str(root / "9")


def test_single_class(tmp_path):
    (tmp_path / "a").mkdir()
    Image.new("L", (4, 4)).save(tmp_path / "a" / "x.png")
    with pytest.raises(EmptyDataError, match="only one class sub-folder"):
        read_image_folder(tmp_path)


def test_unreadable_image_is_skipped_and_named(digits):
    root, x, y = digits
    (root / "1" / "broken.png").write_bytes(b"this is not a png")
    with pytest.warns(SkippedImagesWarning, match=r"Skipped 1 unreadable image of digits: 1/broken.png "
                                                  r"\(cannot read the image") as record:
        ds = read_image_folder(root)
    assert record[0].message.skipped == [(str(root / "1" / "broken.png"), record[0].message.skipped[0][1])]
    assert ds.x.shape == (18, 28, 28, 1) and ds.y.tolist() == [0] * 6 + [1] * 6 + [2] * 6
    np.testing.assert_array_equal(ds.x[6, :, :, 0], x[np.flatnonzero(y == 1)[0]])   # the class's first good one
    assert "18 images, 1 unreadable skipped" in ds.source


def test_truncated_images_first_and_later_are_skipped(digits):
    root, _, _ = digits
    good = (root / "7" / "0.jpg").read_bytes()
    (root / "7" / "9.jpg").write_bytes(good[:len(good) // 3])
    (root / "0" / "00.png").write_bytes(b"\x89PNG\r\n\x1a\n")         # sorted first of all the files
    with pytest.warns(SkippedImagesWarning) as record:
        ds = read_image_folder(root)
    assert [p for p, _ in record[0].message.skipped] == [str(root / "0" / "00.png"), str(root / "7" / "9.jpg")]
    assert ds.y.tolist() == [0] * 6 + [1] * 6 + [2] * 6


def test_a_class_without_a_readable_image_is_an_error(digits):
    root, _, _ = digits
    for f in (root / "7").iterdir():
        f.write_bytes(b"not a jpeg")
    with pytest.raises(ImageReadError, match="no image of class '7' can be read") as info:
        read_image_folder(root)
    assert info.value.file == str(root / "7")
    for f in list((root / "0").glob("*.png")) + list((root / "1").glob("*.png")):
        f.write_bytes(b"not a png")
    with pytest.raises(ImageReadError, match="none of its 18 images can be read"):
        read_image_folder(root)


def test_bad_arguments(digits):
    root, _, _ = digits
    with pytest.raises(ValueError, match="color must be 'grayscale' or 'rgb'"):
        read_image_folder(root, color="cmyk")
    with pytest.raises(ValueError, match="size must be"):
        read_image_folder(root, size=(0, 10))
    with pytest.raises(FileNotFoundError):
        read_image_folder(root / "missing")
