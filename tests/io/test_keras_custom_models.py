"""Subclassed models' configs and files, as Keras 3 has them: `get_config()` from the
constructor's plain arguments, `from_config` as `cls(**config)`, `.keras` files (config from
get_config, weights by attribute path) read by real Keras and read back from it, the class
only from `custom_objects`, and `clone_model` as a new instance with fresh weights."""

import numpy as np
import pytest

import visualnet

keras = pytest.importorskip("keras")


def model_class(k):
    class Classifier(k.Model):
        def __init__(self, hidden=16, num_classes=3, **kwargs):
            super().__init__(**kwargs)
            self.hidden, self.num_classes = hidden, num_classes
            self.dense = k.layers.Dense(hidden, activation="relu")
            self.head = k.layers.Dense(num_classes)

        def call(self, x):
            return self.head(self.dense(x))

    return Classifier


def overriding_class(k):
    class Scaled(k.Model):
        def __init__(self, units, scale, **kwargs):
            super().__init__(**kwargs)
            self.units, self.scale = units, scale
            self.dense = k.layers.Dense(units)

        def call(self, x):
            return self.dense(x) * self.scale

        def get_config(self):
            config = super().get_config()
            config.update({"units": self.units, "scale": self.scale})
            return config

    return Scaled


X = np.random.default_rng(0).normal(size=(6, 5)).astype(np.float32)


def built(cls, **kwargs):
    model = cls(**kwargs)
    model(X[:1])
    return model


def test_get_config_equals_keras():
    for make in (model_class, overriding_class):
        kwargs = {"units": 4, "scale": 2.0} if make is overriding_class else {}
        ours = built(make(visualnet), name="m", **kwargs).get_config()
        theirs = built(make(keras), name="m", **kwargs).get_config()
        assert ours == theirs


def test_from_config_makes_the_class_again():
    cls = model_class(visualnet)
    model = built(cls, num_classes=4, name="again")
    clone = cls.from_config(model.get_config())
    assert type(clone) is cls and clone.num_classes == 4 and clone.name == "again"
    assert clone(X).shape == (6, 4)


def test_keras_file_round_trips_with_keras(tmp_path):
    ours = built(model_class(visualnet))
    ours.compile(optimizer="adam", loss="mse")
    ours.fit(X, np.ones((6, 3), np.float32), epochs=1, verbose=0)
    ours.save(tmp_path / "ours.keras")
    cls = model_class(keras)
    theirs = keras.models.load_model(tmp_path / "ours.keras", custom_objects={"Classifier": cls})
    assert type(theirs) is cls
    np.testing.assert_allclose(keras.ops.convert_to_numpy(theirs(X)), ours.predict(X, verbose=0), atol=1e-6)
    assert int(theirs.optimizer.iterations.numpy()) == 1

    theirs.save(tmp_path / "theirs.keras")
    vcls = model_class(visualnet)
    back = visualnet.models.load_model(tmp_path / "theirs.keras", custom_objects={"Classifier": vcls})
    assert type(back) is vcls and back.name == ours.name
    np.testing.assert_allclose(back.predict(X, verbose=0), ours.predict(X, verbose=0), atol=1e-6)
    assert back.optimizer.iterations == 1


def test_loading_without_the_class_names_it(tmp_path):
    built(model_class(visualnet)).save(tmp_path / "m.keras")
    with pytest.raises(TypeError, match="Could not locate class 'Classifier'.*custom_objects"):
        visualnet.models.load_model(tmp_path / "m.keras")


def test_non_serializable_arguments_need_get_config():
    class Holder(visualnet.Model):
        def __init__(self, layer, **kwargs):
            super().__init__(**kwargs)
            self.layer = layer

        def call(self, x):
            return self.layer(x)

    model = built(Holder, layer=visualnet.layers.Dense(2))
    with pytest.raises(NotImplementedError, match="must override `get_config\\(\\)`"):
        model.get_config()


def test_clone_model_of_a_subclassed_model_as_keras():
    model = built(model_class(visualnet), hidden=8, name="orig")
    clone = visualnet.models.clone_model(model)
    assert type(clone) is type(model) and clone.built and clone.hidden == 8
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in model.get_weights()]
    assert not np.allclose(clone.get_weights()[0], model.get_weights()[0])      # fresh weights
    with pytest.raises(ValueError, match="only supported for Sequential models or Functional models"):
        visualnet.models.clone_model(model, clone_function=lambda layer: layer)
