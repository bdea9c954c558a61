"""RandomFlip, RandomCrop, RandomTranslation, RandomZoom, RandomRotation, RandomContrast and
RandomBrightness: the identity when predicting
(RandomCrop: Keras's documented central crop and resize), seeded draws while training, the
transforms equal to Keras's for a pinned draw, statistics of the draws, and gradients through
the applied transform."""

from __future__ import annotations

import numpy as np
import pytest

from visualnet import layers as vl, models as vm
from visualnet.engine.layers import augmentation as aug

from .layer_harness import check_layer

IMAGES = np.random.default_rng(0).normal(size=(3, 5, 6, 2)).astype("float32")
FILL_MODES = ("reflect", "wrap", "nearest", "constant")


def pin(monkeypatch, cls, transform):
    """Every draw of `cls` returns `transform`."""
    monkeypatch.setattr(cls, "draw", lambda self, x, rng: transform)


# ---------------------------------------------------------------------- VisualNet alone
@pytest.mark.parametrize("layer", [vl.RandomFlip(), vl.RandomTranslation(0.3, 0.3), vl.RandomZoom(0.5),
                                   vl.RandomRotation(0.3), vl.RandomContrast(0.5), vl.RandomBrightness(0.5)])
def test_identity_when_predicting(layer):
    assert np.array_equal(np.asarray(layer(IMAGES, training=False)), IMAGES)   # a direct call augments (Keras)


@pytest.mark.parametrize("make", [lambda: vl.RandomFlip(seed=4), lambda: vl.RandomTranslation(0.3, 0.2, seed=4),
                                  lambda: vl.RandomZoom(0.4, seed=4), lambda: vl.RandomCrop(3, 4, seed=4),
                                  lambda: vl.RandomRotation(0.2, seed=4), lambda: vl.RandomContrast(0.5, seed=4),
                                  lambda: vl.RandomBrightness(0.5, value_range=(-3, 3), seed=4)])
def test_seeded_draws_repeat(make):
    a, b = make(), make()
    ya = [np.asarray(a(IMAGES, training=True)) for _ in range(3)]
    yb = [np.asarray(b(IMAGES, training=True)) for _ in range(3)]
    assert all(np.array_equal(u, v) for u, v in zip(ya, yb))
    assert not all(np.array_equal(ya[0], y) for y in ya[1:])  # a new draw per call


def test_flip_modes():
    x = IMAGES
    for mode, flipped in (("horizontal", x[:, :, ::-1]), ("vertical", x[:, ::-1]),
                          ("horizontal_and_vertical", x[:, ::-1, ::-1])):
        y = np.asarray(vl.RandomFlip(mode, seed=1)(np.repeat(x[:1], 64, 0), training=True))
        kept = [np.array_equal(v, x[0]) for v in y]
        turned = [np.array_equal(v, flipped[0]) for v in y]
        assert all(k != t for k, t in zip(kept, turned)) and 0 < sum(turned) < 64


def test_flip_rate_is_one_half():
    y = np.asarray(vl.RandomFlip("horizontal", seed=0)(np.repeat(IMAGES[:1], 4000, 0), training=True))
    rate = np.mean([not np.array_equal(v, IMAGES[0]) for v in y])
    assert abs(rate - 0.5) < 0.03


def test_draws_stay_in_range():
    rng = np.random.default_rng(0)
    zy, zx = aug.RandomZoom(0.3, (-0.1)).draw(np.zeros((5000, 4, 4, 1)), rng)
    assert 0.7 <= zy.min() and zy.max() <= 1.3 and 0.9 <= zx.min() and zx.max() <= 1.1
    assert abs(zy.mean() - 1) < 0.01 and abs(np.std(zy) - 0.6 / 12 ** 0.5) < 0.01
    assert np.array_equal(*aug.RandomZoom(0.3).draw(np.zeros((10, 4, 4, 1)), rng))  # width follows height
    dy, dx = aug.RandomTranslation(0.25, 0.5).draw(np.zeros((5000, 8, 4, 1)), rng)
    assert np.abs(dy).max() <= 2 and np.abs(dx).max() <= 2 and abs(np.abs(dy).mean() - 1) < 0.05


def test_factors_as_keras_stores_them():
    assert vl.RandomRotation(0.2).factor == (-0.2, 0.2)
    assert vl.RandomRotation((0.3, -0.1)).factor == (-0.1, 0.3)
    assert vl.RandomContrast(0.3).factor == (0.0, 0.3)  # Keras's: the factor is drawn in [1, 1.3]
    assert vl.RandomBrightness(0.3).factor == (-0.3, 0.3)
    assert vl.RandomTranslation(0.2, (-0.1, 0.3)).get_config()["width_factor"] == [-0.1, 0.3]  # kept as given
    assert vl.RandomZoom(-0.2).height_factor == -0.2
    with pytest.raises(ValueError, match=r"RandomRotation.*Received: factor=\(0.1, 0.2, 0.3\)"):
        vl.RandomRotation((0.1, 0.2, 0.3))


def test_contrast_and_brightness_draws():
    rng = np.random.default_rng(0)
    f = aug.RandomContrast((0.2, 0.3)).draw(np.zeros((5000, 2, 2, 1)), rng)
    assert 0.8 <= f.min() and f.max() <= 1.3 and abs(f.mean() - 1.05) < 0.01
    d = aug.RandomBrightness((-0.1, 0.3), value_range=(0, 10)).draw(np.zeros((5000, 2, 2, 1)), rng)
    assert -1 <= d.min() and d.max() <= 3 and abs(d.mean() - 1) < 0.03
    angles = aug.RandomRotation((-0.25, 0.5)).draw(np.zeros((5000, 2, 2, 1)), rng)
    assert -90 <= angles.min() and angles.max() <= 180 and abs(angles.mean() - 45) < 2


def test_random_crop_windows():
    y = np.asarray(vl.RandomCrop(3, 4, seed=0)(IMAGES, training=True))
    assert y.shape == (3, 3, 4, 2)
    hits = [(t, l) for t in range(3) for l in range(3) if np.array_equal(IMAGES[:, t:t + 3, l:l + 4], y)]
    assert len(hits) == 1  # one window, the same for the whole batch


def test_random_crop_predicts_keras_fixed_window():
    # 5x6 -> 3x4: the central 4x6 box with the 3:4 ratio starts at (0, 0); its 3x4 corner, not resized
    assert np.array_equal(np.asarray(vl.RandomCrop(3, 4)(IMAGES, training=False)), IMAGES[:, :3, :4])
    # 5x6 -> 4x2: the 5x2 box starts at (0, 2); 4x2 from there
    assert np.array_equal(np.asarray(vl.RandomCrop(4, 2)(IMAGES, training=False)), IMAGES[:, :4, 2:4])
    # 5x6 -> 6x6 (taller than the input): the 5x5 box at (0, 0), 5x6 from there, resized to 6x6
    expected = np.asarray(vl.Resizing(6, 6)(IMAGES))
    np.testing.assert_allclose(np.asarray(vl.RandomCrop(6, 6)(IMAGES)), expected, atol=1e-6)


def test_training_a_model_with_augmentation():
    x = vl.Input((5, 6, 2))
    y = vl.RandomFlip(seed=0)(x)
    y = vl.RandomZoom(0.2, seed=1)(y)
    y = vl.RandomTranslation(0.1, 0.1, seed=2)(y)
    y = vl.RandomCrop(4, 4, seed=3)(y)
    y = vl.Dense(1)(vl.Flatten()(y))
    model = vm.Model(x, y)
    model.compile("sgd", "mse")
    history = model.fit(IMAGES, np.ones((3, 1), "float32"), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert model.predict(IMAGES, verbose=0).shape == (3, 1)


def test_errors_name_the_layer_and_value():
    with pytest.raises(ValueError, match=r"RandomFlip.*Received: mode='diagonal'"):
        vl.RandomFlip("diagonal")
    with pytest.raises(ValueError, match=r"RandomZoom.*Received: height_factor=1.5"):
        vl.RandomZoom(1.5)
    with pytest.raises(ValueError, match=r"RandomTranslation.*Received: fill_mode='mirror'"):
        vl.RandomTranslation(0.1, 0.1, fill_mode="mirror")
    with pytest.raises(ValueError, match="RandomRotation|RandomZoom expects images"):
        vl.RandomZoom(0.1)(vl.Input((5, 3)))


# ---------------------------------------------------------------------- gradients
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("fill_mode", FILL_MODES)
def test_gradients_through_the_sampling(monkeypatch, fill_mode, interpolation):
    pin(monkeypatch, aug.RandomZoom, (np.array([0.7, 1.35]), np.array([1.2, 0.85])))
    check_layer("RandomZoom", {"height_factor": 0.4, "width_factor": 0.4, "fill_mode": fill_mode,
                               "interpolation": interpolation, "fill_value": 0.5}, (2, 4, 5, 2))
    pin(monkeypatch, aug.RandomTranslation, (np.array([1.3, -0.6]), np.array([-2.2, 0.4])))
    check_layer("RandomTranslation", {"height_factor": 0.4, "width_factor": 0.5, "fill_mode": fill_mode,
                                      "interpolation": interpolation}, (2, 4, 5, 2))


@pytest.mark.parametrize("fill_mode", FILL_MODES)
def test_gradients_through_rotation(monkeypatch, fill_mode):
    pin(monkeypatch, aug.RandomRotation, np.array([33.0, -121.0], np.float32))
    check_layer("RandomRotation", {"factor": 0.5, "fill_mode": fill_mode, "fill_value": -0.5}, (2, 4, 5, 2))


def test_gradients_of_contrast_and_brightness(monkeypatch):
    pin(monkeypatch, aug.RandomContrast, np.array([0.6, 1.4]).reshape(2, 1, 1, 1))
    check_layer("RandomContrast", {"factor": 0.5, "value_range": (-1.5, 1.5)}, (2, 3, 4, 2))  # some clipped
    pin(monkeypatch, aug.RandomBrightness, np.array([0.7, -0.4]).reshape(2, 1, 1, 1))
    check_layer("RandomBrightness", {"factor": 0.5, "value_range": (-1.5, 1.5)}, (2, 3, 4, 2))


def test_gradients_of_flips_and_crops(monkeypatch):
    pin(monkeypatch, aug.RandomFlip, np.array([True, False]))
    check_layer("RandomFlip", {}, (2, 3, 4, 2))
    pin(monkeypatch, aug.RandomCrop, (1, 2))
    check_layer("RandomCrop", {"height": 2, "width": 2}, (2, 4, 5, 1))
    check_layer("RandomCrop", {"height": 3, "width": 2}, (2, 4, 5, 1), training=False)  # crop and resize


# ---------------------------------------------------------------------- against Keras
@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def _theirs(keras, layer, transformation):
    t = {k: keras.ops.convert_to_tensor(v) for k, v in transformation.items()}
    return keras.ops.convert_to_numpy(layer.transform_images(keras.ops.convert_to_tensor(IMAGES), t, training=True))


@pytest.mark.oracle
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("fill_mode", FILL_MODES)
def test_translation_and_zoom_as_keras(keras, monkeypatch, fill_mode, interpolation):
    options = {"fill_mode": fill_mode, "interpolation": interpolation, "fill_value": 0.7}
    dy, dx = np.array([1.3, -2.6, 0.0]), np.array([-2.2, 0.4, 3.5])
    pin(monkeypatch, aug.RandomTranslation, (dy, dx))
    ours = np.asarray(vl.RandomTranslation(0.5, 0.6, **options)(IMAGES, training=True))
    theirs = _theirs(keras, keras.layers.RandomTranslation(0.5, 0.6, **options),
                     {"translations": np.stack([dx, dy], 1).astype("float32")})
    np.testing.assert_allclose(ours, theirs, atol=1e-5)
    zy, zx = np.array([0.7, 1.35, 1.0]), np.array([1.2, 0.85, 0.6])
    pin(monkeypatch, aug.RandomZoom, (zy, zx))
    ours = np.asarray(vl.RandomZoom(0.5, 0.5, **options)(IMAGES, training=True))
    theirs = _theirs(keras, keras.layers.RandomZoom(0.5, 0.5, **options),
                     {"height_zoom": zy.reshape(-1, 1).astype("float32"),
                      "width_zoom": zx.reshape(-1, 1).astype("float32")})
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


@pytest.mark.oracle
@pytest.mark.parametrize("mode", ["horizontal", "vertical", "horizontal_and_vertical"])
def test_flip_as_keras(keras, monkeypatch, mode):
    flips = np.array([True, False, True])
    pin(monkeypatch, aug.RandomFlip, flips)
    ours = np.asarray(vl.RandomFlip(mode)(IMAGES, training=True))
    layer = keras.layers.RandomFlip(mode)
    theirs = keras.ops.convert_to_numpy(layer.transform_images(
        keras.ops.convert_to_tensor(IMAGES), {"flips": keras.ops.convert_to_tensor(flips.reshape(-1, 1, 1, 1)),
                                              "input_shape": IMAGES.shape}, training=True))
    assert np.array_equal(ours, theirs)


@pytest.mark.oracle
def test_crop_as_keras(keras, monkeypatch):
    pin(monkeypatch, aug.RandomCrop, (2, 1))
    ours = np.asarray(vl.RandomCrop(3, 4)(IMAGES, training=True))
    theirs = keras.ops.convert_to_numpy(keras.layers.RandomCrop(3, 4).transform_images(
        keras.ops.convert_to_tensor(IMAGES), (2, 1), training=True))
    assert np.array_equal(ours, theirs)
    # an input smaller than the window: Keras's central crop to the aspect ratio, resized (its training path)
    small = IMAGES[:, :4, :3]
    ours = np.asarray(vl.RandomCrop(5, 6)(small, training=True))
    theirs = keras.ops.convert_to_numpy(keras.layers.RandomCrop(5, 6)(keras.ops.convert_to_tensor(small),
                                                                       training=True))
    np.testing.assert_allclose(ours, theirs, atol=1e-5)
    np.testing.assert_allclose(np.asarray(vl.RandomCrop(5, 6)(small)), theirs, atol=1e-5)  # predicting too


@pytest.mark.oracle
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("fill_mode", FILL_MODES)
def test_rotation_as_keras(keras, monkeypatch, fill_mode, interpolation):
    options = {"fill_mode": fill_mode, "interpolation": interpolation, "fill_value": 0.7}
    angles = np.array([33.0, -121.0, 90.0], np.float32)
    pin(monkeypatch, aug.RandomRotation, angles)
    ours = np.asarray(vl.RandomRotation(0.5, **options)(IMAGES, training=True))
    layer = keras.layers.RandomRotation(0.5, **options)
    zeros, ones = keras.ops.zeros(3), keras.ops.ones(3)
    matrix = layer._compute_affine_matrix(0.5, 0.5, keras.ops.convert_to_tensor(angles), zeros, zeros, ones, zeros,
                                          zeros, IMAGES.shape[1], IMAGES.shape[2])
    theirs = _theirs(keras, layer, {"rotation_matrix": matrix})
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


@pytest.mark.oracle
def test_contrast_and_brightness_as_keras(keras, monkeypatch):
    factor = np.array([0.6, 1.4, 1.0], np.float32).reshape(-1, 1, 1, 1)
    pin(monkeypatch, aug.RandomContrast, factor)
    ours = np.asarray(vl.RandomContrast(0.5, value_range=(-1.5, 1.5))(IMAGES, training=True))
    theirs = _theirs(keras, keras.layers.RandomContrast(0.5, value_range=(-1.5, 1.5)), {"contrast_factor": factor})
    np.testing.assert_allclose(ours, theirs, atol=1e-6)
    delta = np.array([0.7, -0.4, 0.0], np.float32).reshape(-1, 1, 1, 1)
    pin(monkeypatch, aug.RandomBrightness, delta)
    ours = np.asarray(vl.RandomBrightness(0.5, value_range=(-1.5, 1.5))(IMAGES, training=True))
    theirs = _theirs(keras, keras.layers.RandomBrightness(0.5, value_range=(-1.5, 1.5)), {"rgb_delta": delta})
    np.testing.assert_allclose(ours, theirs, atol=1e-6)


@pytest.mark.oracle
@pytest.mark.parametrize("name, kwargs", [("RandomContrast", {"factor": (0.2, 0.3), "value_range": (-9, 9)}),
                                          ("RandomBrightness", {"factor": (-0.1, 0.3), "value_range": (-9, 9)})])
def test_draws_distributed_as_keras(keras, name, kwargs):
    """Keras's draws cannot be pinned from outside: compare the spread of many outputs."""
    x = np.repeat(IMAGES[:1], 2000, 0)
    ours = np.asarray(getattr(vl, name)(seed=0, **kwargs)(x, training=True))
    theirs = keras.ops.convert_to_numpy(getattr(keras.layers, name)(seed=0, **kwargs)(x, training=True))
    np.testing.assert_allclose(ours.mean(0), theirs.mean(0), atol=0.05)
    np.testing.assert_allclose(ours.std(0), theirs.std(0), rtol=0.1, atol=0.01)


def test_range_editor(qtbot):
    from visualnet.graph import get_spec
    from visualnet.gui.param_editors import editor_for
    from visualnet.gui.param_editors.tuples import parse_range

    assert parse_range("0.2") == 0.2 and parse_range("(-0.1, 0.3)") == (-0.1, 0.3) and parse_range("") is None
    editor = editor_for(get_spec("RandomRotation").param("factor"))
    qtbot.addWidget(editor)
    editor.set_value((-0.1, 0.3))
    assert editor.line.text() == "-0.1, 0.3"
    with qtbot.waitSignal(editor.edited) as signal:
        editor.line.textEdited.emit("0.25")
    assert signal.args == [0.25]


@pytest.mark.oracle
@pytest.mark.parametrize("height, width", [(3, 4), (6, 6)])
def test_exported_torch_crop_predicts_the_same(tmp_path, height, width):
    pytest.importorskip("torch")
    import importlib.util

    from visualnet.io.code_export import export_torch_script

    x = vl.Input((5, 6, 2))
    model = vm.Model(x, vl.RandomCrop(height, width)(x))
    path = tmp_path / "crop.py"
    export_torch_script(model, path, weights="npz")
    spec = importlib.util.spec_from_file_location(f"crop_{height}_{width}", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    torch_model = script.build_model()
    script.load_weights(torch_model)
    np.testing.assert_allclose(script.predict(torch_model, IMAGES), model.predict(IMAGES, verbose=0), atol=1e-5)


@pytest.mark.oracle
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("fill_mode", FILL_MODES)
def test_exported_torch_augments_as_the_engine(tmp_path, monkeypatch, fill_mode, interpolation):
    """Every torch.rand of the exported script pinned to 0.75: a draw of lower + 0.75 * (upper - lower)."""
    torch = pytest.importorskip("torch")
    import importlib.util

    from visualnet.io.code_export import export_torch_script

    options = {"fill_mode": fill_mode, "interpolation": interpolation, "fill_value": 0.3}
    u = lambda lo, hi: np.full(3, lo + 0.75 * (hi - lo), np.float32)  # noqa: E731
    cases = [(vl.RandomTranslation(0.3, (-0.2, 0.4), **options), aug.RandomTranslation,
              (u(-0.3, 0.3) * 5, u(-0.2, 0.4) * 6)),
             (vl.RandomZoom((-0.5, 0.2), 0.4, **options), aug.RandomZoom, (1 + u(-0.5, 0.2), 1 + u(-0.4, 0.4))),
             (vl.RandomRotation((-0.3, 0.2), **options), aug.RandomRotation, u(-0.3 * 360, 0.2 * 360))]
    for i, (layer, cls, draw) in enumerate(cases):
        x = vl.Input((5, 6, 2))
        model = vm.Model(x, layer(x))
        path = tmp_path / f"aug{i}.py"
        export_torch_script(model, path, weights="npz")
        spec = importlib.util.spec_from_file_location(f"aug_{i}_{fill_mode}_{interpolation}", path)
        script = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(script)
        torch_model = script.build_model().train()
        with monkeypatch.context() as m:
            m.setattr(torch, "rand", lambda *size, **kw: torch.full(size, 0.75))
            theirs = torch_model(torch.from_numpy(IMAGES)).detach().numpy()
        pin(monkeypatch, cls, draw)
        np.testing.assert_allclose(theirs, np.asarray(layer(IMAGES, training=True)), atol=1e-4,
                                   err_msg=type(layer).__name__)


@pytest.mark.oracle
def test_exported_torch_contrast_brightness_and_flip_as_the_engine(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    import importlib.util

    from visualnet.io.code_export import export_torch_script

    f = np.full((3, 1, 1, 1), 0.75 * 0.5 + 1 - 0.2, np.float32)  # factor (0.2, 0.3): 1 - 0.2 + 0.75 * 0.5
    delta = np.full((3, 1, 1, 1), (0.75 * 0.5 - 0.1) * 3, np.float32)  # (-0.1, 0.4) of a range 3 wide
    cases = [(vl.RandomContrast((0.2, 0.3), value_range=(-1.5, 1.5)), aug.RandomContrast, f),
             (vl.RandomBrightness((-0.1, 0.4), value_range=(-1.5, 1.5)), aug.RandomBrightness, delta),
             (vl.RandomFlip(), aug.RandomFlip, np.zeros(3, bool))]  # 0.75 > 0.5: no flip
    for i, (layer, cls, draw) in enumerate(cases):
        x = vl.Input((5, 6, 2))
        model = vm.Model(x, layer(x))
        path = tmp_path / f"pix{i}.py"
        export_torch_script(model, path, weights="npz")
        spec = importlib.util.spec_from_file_location(f"pix_{i}", path)
        script = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(script)
        torch_model = script.build_model().train()
        with monkeypatch.context() as m:
            m.setattr(torch, "rand", lambda *size, **kw: torch.full(size, 0.75))
            theirs = torch_model(torch.from_numpy(IMAGES)).detach().numpy()
        pin(monkeypatch, cls, draw)
        np.testing.assert_allclose(theirs, np.asarray(layer(IMAGES, training=True)), atol=1e-5,
                                   err_msg=type(layer).__name__)
