"""`layer.build` as Keras calls it."""

from visualnet import layers


def test_build_takes_one_shape_as_keras_does():
    dense = layers.Dense(3)
    dense.build((None, 5))                      # Keras's form; a list of shapes works as before
    assert [w.shape for w in dense.get_weights()] == [(5, 3), (3,)]
    other = layers.Dense(3)
    other.build([(None, 5)])
    assert [w.shape for w in other.get_weights()] == [(5, 3), (3,)]
