# keras.io guides "Save, serialize, and export models" (sections "Custom objects" and
# "get_config() and from_config()") and "Making new layers and models via subclassing": a
# subclassed model with constructor arguments, its config, a .keras file loaded back with
# custom_objects, and clone_model; verbatim but for the imports, random data and short training.
import os
import tempfile

import numpy as np
import visualnet as keras


class ResidualClassifier(keras.Model):
    def __init__(self, hidden_units=32, num_classes=3, **kwargs):
        super().__init__(**kwargs)
        self.hidden_units = hidden_units
        self.num_classes = num_classes
        self.dense_in = keras.layers.Dense(hidden_units, activation="relu")
        self.blocks = [keras.layers.Dense(hidden_units, activation="relu") for _ in range(2)]
        self.classifier = keras.layers.Dense(num_classes, activation="softmax")

    def call(self, inputs):
        x = self.dense_in(inputs)
        for block in self.blocks:
            x = x + block(x)
        return self.classifier(x)


class ScaledModel(keras.Model):
    def __init__(self, units, scale, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.scale = scale
        self.dense = keras.layers.Dense(units)

    def call(self, inputs):
        return self.dense(inputs) * self.scale

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units, "scale": self.scale})
        return config


rng = np.random.default_rng(0)
x = rng.normal(size=(200, 10)).astype("float32")
y = rng.integers(0, 3, size=(200,))

model = ResidualClassifier(name="residual_classifier")
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, batch_size=32, epochs=2, verbose=0)
config = model.get_config()
print("Config keys:", sorted(config))
print("Config values:", config["name"], config["hidden_units"], config["num_classes"])

path = os.path.join(tempfile.mkdtemp(), "residual.keras")
model.save(path)
try:
    keras.models.load_model(path)
except TypeError as e:
    print("Without custom_objects:", type(e).__name__, "Could not locate class 'ResidualClassifier'" in str(e))
reloaded = keras.models.load_model(path, custom_objects={"ResidualClassifier": ResidualClassifier})
print("Reloaded class:", type(reloaded).__name__, reloaded.name)
print("Reloaded predictions match:", np.allclose(reloaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6))
print("Reloaded optimizer iterations:", int(np.asarray(reloaded.optimizer.iterations)))
reloaded.fit(x, y, batch_size=32, epochs=1, verbose=0)
print("Trained on after reloading:", int(np.asarray(reloaded.optimizer.iterations)))

recreated = ResidualClassifier.from_config(config)
recreated(x[:1])
print("from_config weights:", len(recreated.weights), [tuple(w.shape) for w in recreated.get_weights()][:2])

scaled = ScaledModel(units=4, scale=2.0, name="scaled")
scaled(x[:1])
print("Overridden config:", sorted(scaled.get_config().items())[3:])
clone = keras.models.clone_model(scaled)
print("Clone:", type(clone).__name__, clone.units, clone.scale, clone.built)
print("Clone has new weights:", not np.allclose(clone.get_weights()[0], scaled.get_weights()[0]))
try:
    keras.models.clone_model(scaled, clone_function=lambda layer: layer)
except ValueError as e:
    print("clone_function refused:", "only supported for Sequential models or Functional models" in str(e))
