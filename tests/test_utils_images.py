"""visualnet.utils image helpers and image_dataset_from_directory against Keras's own functions
on the same files (Keras's Pillow loader `_load_image_grain`, its file index and split)."""

import io
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

from visualnet import layers, models, utils  # noqa: E402
from visualnet.data import ImageReadError  # noqa: E402


def _image(path, size, mode, seed):
    from PIL import Image

    rng = np.random.default_rng(seed)
    channels = {"L": 1, "RGB": 3, "RGBA": 4}[mode]
    a = rng.integers(0, 256, (size[1], size[0], channels), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(a[..., 0] if channels == 1 else a, mode).save(path)
    return path


@pytest.fixture
def folder(tmp_path):
    """Three classes of PNG/JPEG/BMP images of different sizes and modes, a nested one, and files to skip."""
    root = tmp_path / "pets"
    _image(root / "cat" / "a.png", (20, 14), "RGB", 1)
    _image(root / "cat" / "b.jpg", (9, 17), "RGB", 2)
    _image(root / "cat" / "deep" / "c.png", (12, 12), "L", 3)
    _image(root / "dog" / "d.bmp", (15, 10), "RGB", 4)
    _image(root / "dog" / "e.PNG", (11, 13), "RGBA", 5)
    _image(root / "dog" / "f.png", (30, 8), "RGB", 6)
    _image(root / "fox" / "g.gif", (10, 10), "L", 7)
    _image(root / "fox" / "h.png", (7, 19), "RGB", 8)
    (root / "fox" / "notes.txt").write_text("not an image")
    return root


def _keras_images(paths, size, channels, interpolation="bilinear", crop=False, pad=False):
    from keras.src.utils.image_dataset_utils import _load_image_grain

    return np.stack([np.asarray(_load_image_grain(p, size, channels, interpolation, "channels_last", crop, pad))
                     for p in paths])


@pytest.mark.parametrize("kwargs", [
    {},
    {"color_mode": "grayscale", "image_size": (8, 6), "interpolation": "nearest"},
    {"color_mode": "rgba", "image_size": 11, "interpolation": "bicubic", "crop_to_aspect_ratio": True},
    {"image_size": (10, 16), "pad_to_aspect_ratio": True},
])
def test_pixels_order_and_labels_are_keras(folder, kwargs):
    from keras.src.utils import dataset_utils

    size = kwargs.get("image_size", (256, 256))
    size = (size, size) if isinstance(size, int) else size
    channels = {"grayscale": 1, "rgb": 3, "rgba": 4}[kwargs.get("color_mode", "rgb")]
    ds = utils.image_dataset_from_directory(folder, seed=5, batch_size=3, verbose=False, **kwargs)
    paths, labels, names = dataset_utils.index_directory(str(folder), "inferred", (".bmp", ".gif", ".jpeg", ".jpg",
                                                                                   ".png"), shuffle=True, seed=5,
                                                         verbose=False)
    x, y = ds.arrays()
    assert ds.file_paths == list(paths) and ds.class_names == names == ["cat", "dog", "fox"]
    assert y.tolist() == list(labels) and y.dtype == np.int32
    assert x.dtype == np.float32 and x.shape == (8, *size, channels)
    want = _keras_images(paths, size, channels, kwargs.get("interpolation", "bilinear"),
                         kwargs.get("crop_to_aspect_ratio", False), kwargs.get("pad_to_aspect_ratio", False))
    np.testing.assert_allclose(x, want, atol=2e-3, rtol=1e-5)
    assert [len(b[0]) for b in ds] == [3, 3, 2]


def test_split_label_modes_and_fit(folder):
    from keras.src.utils import dataset_utils

    train, val = utils.image_dataset_from_directory(folder, label_mode="categorical", image_size=(6, 6), seed=3,
                                                    validation_split=0.25, subset="both", verbose=False)
    paths, labels, _ = dataset_utils.index_directory(str(folder), "inferred", (".bmp", ".gif", ".jpeg", ".jpg",
                                                                               ".png"), shuffle=True, seed=3,
                                                     verbose=False)
    val_paths, val_labels = dataset_utils.get_training_or_validation_split(paths, labels, 0.25, "validation")
    assert val.file_paths == list(val_paths) and val.arrays()[1].argmax(1).tolist() == list(val_labels)
    assert train.arrays()[1].shape == (6, 3) and train.arrays()[1].dtype == np.float32
    model = models.Sequential([layers.Input((6, 6, 3)), layers.Rescaling(1 / 255), layers.Flatten(),
                               layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(train, validation_data=val, epochs=2, verbose=0)
    assert len(history.history["val_loss"]) == 2
    assert model.predict(val, verbose=0).shape == (2, 3)
    unlabelled = utils.image_dataset_from_directory(folder, labels=None, image_size=(4, 4), shuffle=False,
                                                    verbose=False)
    assert unlabelled.arrays()[1] is None and unlabelled.class_names is None


def test_bad_arguments_and_files_are_named(folder, tmp_path):
    with pytest.raises(ValueError, match="only by Keras's TensorFlow backend.*'bilinear', 'nearest', 'bicubic'"):
        utils.image_dataset_from_directory(folder, interpolation="area")
    with pytest.raises(ValueError, match="color_mode=cmyk"):
        utils.image_dataset_from_directory(folder, color_mode="cmyk")
    with pytest.raises(ValueError, match="exactly 2 class_names"):
        utils.image_dataset_from_directory(folder, label_mode="binary", verbose=False)
    with pytest.raises(ValueError, match="image_size=\\(3,\\)"):
        utils.image_dataset_from_directory(folder, image_size=(3,))
    (folder / "dog" / "broken.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(ImageReadError, match="broken.png: cannot read the image"):
        utils.image_dataset_from_directory(folder, image_size=(4, 4), verbose=False)


@pytest.mark.parametrize("mode", ["rgb", "grayscale", "rgba"])
@pytest.mark.parametrize("target", [None, (9, 13)])
def test_load_img_and_arrays_match_keras(tmp_path, mode, target):
    import keras

    path = _image(tmp_path / "x.png", (17, 11), "RGB", 9)
    for kwargs in ({}, {"interpolation": "bilinear", "keep_aspect_ratio": True}):
        ours = utils.load_img(path, color_mode=mode, target_size=target, **kwargs)
        theirs = keras.utils.load_img(path, color_mode=mode, target_size=target, **kwargs)
        a, b = utils.img_to_array(ours), keras.utils.img_to_array(theirs)
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype == np.float32
        np.testing.assert_array_equal(utils.img_to_array(ours, data_format="channels_first"),
                                      keras.utils.img_to_array(theirs, data_format="channels_first"))
        np.testing.assert_array_equal(np.asarray(utils.array_to_img(a * 0.5 + 3)),
                                      np.asarray(keras.utils.array_to_img(b * 0.5 + 3)))
        np.testing.assert_array_equal(np.asarray(utils.array_to_img(a, scale=False)), np.asarray(ours))
    with open(path, "rb") as f:
        assert utils.load_img(io.BytesIO(f.read())).size == (17, 11)


def test_save_img_round_trip(tmp_path):
    x = np.random.default_rng(0).uniform(0, 255, (5, 7, 3)).astype(np.float32)
    utils.save_img(tmp_path / "a.png", x, scale=False)
    np.testing.assert_array_equal(utils.img_to_array(utils.load_img(tmp_path / "a.png")), x.astype(np.uint8))
    with pytest.warns(UserWarning, match="JPEG format does not support RGBA"):
        utils.save_img(tmp_path / "b.jpg", np.concatenate([x, x[..., :1]], axis=-1))
    assert utils.load_img(tmp_path / "b.jpg").size == (7, 5)
    with pytest.raises(ValueError, match="rank 3"):
        utils.save_img(tmp_path / "c.png", x[0])
    with pytest.raises(ValueError, match="data_format=channels_middle"):
        utils.img_to_array(utils.load_img(tmp_path / "a.png"), data_format="channels_middle")
