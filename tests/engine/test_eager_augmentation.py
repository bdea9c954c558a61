"""Augmentation layers called directly, as Keras 3 runs them: `layer(images)` and
`data_augmentation(images)` augment (their `training` defaults to True), and so does
`model(x)` without `training`, while `model(x, training=False)`, `predict` and `evaluate`
leave the images as they are; Dropout stays off in a direct call. Seeded layers repeat."""

import numpy as np
import pytest

import visualnet as keras
from visualnet import layers

IMAGES = np.random.default_rng(0).random((4, 16, 16, 1)).astype("float32") * 255

AUGMENTERS = [
    lambda: layers.RandomFlip("horizontal"),
    lambda: layers.RandomRotation(0.1),
    lambda: layers.RandomZoom(0.1),
    lambda: layers.RandomTranslation(0.1, 0.1),
    lambda: layers.RandomContrast(0.5),
    lambda: layers.RandomBrightness(0.3, value_range=(0, 255)),
]


def changed(a, b=IMAGES) -> bool:
    a = np.asarray(a)
    return a.shape != b.shape or not np.allclose(a, b)


@pytest.mark.parametrize("make", AUGMENTERS)
def test_a_layer_called_directly_augments(make):
    layer = make()
    assert changed(layer(IMAGES)) or changed(layer(IMAGES))   # a flip may leave 4 images unflipped once
    assert not changed(layer(IMAGES, training=False))


@pytest.mark.parametrize("make", AUGMENTERS[1:3])
def test_one_image_without_its_batch_axis(make):
    layer = make()
    one = layer(IMAGES[0])
    assert np.asarray(one).shape == (16, 16, 1) and changed(one, IMAGES[0])
    np.testing.assert_array_equal(layer(IMAGES[0], training=False), IMAGES[0])


def test_random_crop_called_directly_crops_at_random():
    crop = layers.RandomCrop(8, 8, seed=1)
    outs = [np.asarray(crop(IMAGES)) for _ in range(4)]
    assert all(o.shape == (4, 8, 8, 1) for o in outs)
    assert any(changed(o, outs[0]) for o in outs[1:])
    centre = np.asarray(crop(IMAGES, training=False))
    np.testing.assert_array_equal(centre, crop(IMAGES, training=False))


def test_sequential_pipeline_augments_eagerly_and_not_when_predicting():
    data_augmentation = keras.Sequential([layers.RandomFlip("horizontal"), layers.RandomRotation(0.1),
                                          layers.RandomZoom(0.1)])
    assert changed(data_augmentation(IMAGES))
    assert not changed(data_augmentation(IMAGES, training=False))
    inputs = keras.Input((16, 16, 1))
    x = data_augmentation(inputs)
    x = layers.Dropout(0.5)(x)
    model = keras.Model(inputs, layers.Flatten()(x))
    flat = IMAGES.reshape(4, -1)
    assert changed(model(IMAGES), flat)                      # no `training`: augmentation on
    assert not changed(model(IMAGES, training=False), flat)
    assert not changed(model.predict(IMAGES, verbose=0), flat)
    model.compile(optimizer="sgd", loss="mse")
    assert model.evaluate(IMAGES, flat, verbose=0) == pytest.approx(0.0, abs=1e-6)


def test_dropout_stays_off_in_a_direct_model_call():
    inputs = keras.Input((200,))
    model = keras.Model(inputs, layers.Dropout(0.5)(inputs))
    ones = np.ones((3, 200), "float32")
    np.testing.assert_array_equal(model(ones), ones)
    assert np.count_nonzero(np.asarray(model(ones, training=True))) < ones.size


@pytest.mark.parametrize("make", [lambda s: layers.RandomRotation(0.2, seed=s),
                                  lambda s: layers.RandomZoom(0.2, seed=s),
                                  lambda s: layers.RandomFlip(seed=s)])
def test_seeded_layers_repeat(make):
    a, b = make(7), make(7)
    first_a, first_b = np.asarray(a(IMAGES)), np.asarray(b(IMAGES))
    np.testing.assert_array_equal(first_a, first_b)
    np.testing.assert_array_equal(a(IMAGES), b(IMAGES))      # the second draws too
    assert changed(make(8)(IMAGES), first_a) or changed(make(8)(IMAGES), first_a)
