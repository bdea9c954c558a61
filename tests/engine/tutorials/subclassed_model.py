# keras.io guide "Making new layers and models via subclassing", section "The Model class", and the
# "Customizing what happens in fit()" guide's first example (train_step override), verbatim but for
# the imports, random data and 2 epochs.
import numpy as np
import visualnet as keras
from visualnet import layers, ops


class MLP(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense_1 = layers.Dense(32, activation="relu")
        self.dense_2 = layers.Dense(16, activation="relu")
        self.classifier = layers.Dense(3, activation="softmax")

    def call(self, inputs):
        x = self.dense_1(inputs)
        x = self.dense_2(x)
        return self.classifier(x)


rng = np.random.default_rng(0)
x = rng.standard_normal((256, 8)).astype("float32")
y = rng.integers(0, 3, size=(256,))

model = MLP()
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x, y, batch_size=32, epochs=2, verbose=0)
print("History keys:", sorted(history.history))
print("Prediction shape:", model.predict(x[:5], verbose=0).shape)
model.summary()
print("Weights:", len(model.weights))


class CustomModel(keras.Model):
    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


inputs = keras.Input(shape=(8,))
outputs = keras.layers.Dense(1)(inputs)
model = CustomModel(inputs, outputs)
model.compile(loss="mse", metrics=["mae"])
print("Custom test_step keys:", sorted(model.evaluate(x, y.astype("float32"), verbose=0, return_dict=True)))
