"""Drawings prepared as MNIST digits were: 20-pixel box, centre of mass at the centre."""

from __future__ import annotations

import numpy as np
import pytest

from visualnet.data.drawing import mnist_style


def _centre_of_mass(a):
    rows, cols = np.indices(a.shape)
    return (rows * a).sum() / a.sum(), (cols * a).sum() / a.sum()


def test_a_large_off_centre_stroke_is_scaled_to_20_pixels_and_centred():
    pad = np.zeros((224, 224), np.uint8)
    pad[10:200, 150:170] = 255                     # a tall bar near the right edge, 190 px high
    out = mnist_style(pad)
    assert out.shape == (28, 28) and out.dtype == np.uint8
    ink = np.argwhere(out > 0)
    assert ink[:, 0].max() - ink[:, 0].min() + 1 in (20, 21)       # its longer side: 20 px (+ the filter's edge)
    cy, cx = _centre_of_mass(out.astype(float))
    assert abs(cy - 13.5) <= 1 and abs(cx - 13.5) <= 1


def test_the_same_digit_anywhere_on_the_pad_gives_the_same_input():
    a = np.zeros((224, 224), np.uint8)
    b = np.zeros((224, 224), np.uint8)
    a[20:80, 20:60] = 200
    b[140:200, 150:190] = 200
    np.testing.assert_array_equal(mnist_style(a), mnist_style(b))


def test_an_empty_pad_and_a_wrong_shape():
    assert not mnist_style(np.zeros((50, 50))).any()
    with pytest.raises(ValueError, match="one grey image"):
        mnist_style(np.zeros((5, 5, 3)))
