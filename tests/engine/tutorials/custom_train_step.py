# keras.io guide "Customizing what happens in fit()" (F. Chollet): "Going lower-level" (own loss
# and metric trackers, `metrics` overridden), "Providing your own evaluation step" (test_step) and
# "Supporting sample_weight" (super().train_step), verbatim but for the imports, weights set from a
# seeded generator and shuffle=False so the Keras twin can be compared number by number. The
# guide takes gradients with TensorFlow's GradientTape; the one line changed for VisualNet is
# its import (`from tensorflow import GradientTape` -> `from visualnet.gradients import GradientTape`).
import numpy as np
import visualnet as keras
from visualnet.gradients import GradientTape


class CustomModel(keras.Model):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
        self.loss_fn = keras.losses.MeanSquaredError()

    def train_step(self, data):
        x, y = data

        with GradientTape() as tape:
            y_pred = self(x, training=True)  # Forward pass
            # Compute our own loss
            loss = self.loss_fn(y, y_pred)

        # Compute gradients
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)

        # Update weights
        self.optimizer.apply(gradients, trainable_vars)

        # Compute our own metrics
        self.loss_tracker.update_state(loss)
        self.mae_metric.update_state(y, y_pred)
        return {
            "loss": self.loss_tracker.result(),
            "mae": self.mae_metric.result(),
        }

    @property
    def metrics(self):
        # We list our `Metric` objects here so that `reset_states()` can be
        # called automatically at the start of each epoch
        # or at the start of `evaluate()`.
        return [self.loss_tracker, self.mae_metric]


def seeded(model, seed=0):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.3, w.shape).astype("float32") for w in model.get_weights()])
    return model


rng = np.random.default_rng(1)
x = rng.random((1000, 32)).astype("float32")
y = rng.random((1000, 1)).astype("float32")

# Construct an instance of CustomModel
inputs = keras.Input(shape=(32,))
outputs = keras.layers.Dense(1)(inputs)
model = seeded(CustomModel(inputs, outputs))

# We don't pass a loss or metrics here.
model.compile(optimizer="adam")

# Just use `fit` as usual -- you can use callbacks, etc.
history = model.fit(x, y, epochs=3, shuffle=False, verbose=0)
print("History keys:", sorted(history.history))
print("Tracker losses:", [round(v, 5) for v in history.history["loss"]])
print("Tracker mae:", [round(v, 5) for v in history.history["mae"]])


class WeightedModel(keras.Model):
    def train_step(self, data):
        self.steps_seen = getattr(self, "steps_seen", 0) + 1
        return super().train_step(data)


inputs = keras.Input(shape=(32,))
outputs = keras.layers.Dense(1)(inputs)
model = seeded(WeightedModel(inputs, outputs))
model.compile(optimizer="adam", loss="mse", metrics=["mae"])
sw = rng.random((1000, 1)).astype("float32")
history = model.fit(x, y, sample_weight=sw, epochs=2, shuffle=False, verbose=0)
print("Weighted keys:", sorted(history.history), "steps:", model.steps_seen)
print("Weighted losses:", [round(v, 5) for v in history.history["loss"]])


class EvalModel(keras.Model):
    def test_step(self, data):
        # Unpack the data
        x, y = data
        # Compute predictions
        y_pred = self(x, training=False)
        # Updates the metrics tracking the loss
        loss = self.compute_loss(y=y, y_pred=y_pred)
        # Update the metrics.
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        # Return a dict mapping metric names to current value.
        # Note that it will include the loss (tracked in self.metrics).
        return {m.name: m.result() for m in self.metrics}


# Construct an instance of CustomModel
inputs = keras.Input(shape=(32,))
outputs = keras.layers.Dense(1)(inputs)
model = seeded(EvalModel(inputs, outputs))
model.compile(loss="mse", metrics=["mae"])

# Evaluate with our custom test_step
results = model.evaluate(x, y, verbose=0, return_dict=True)
print("Evaluate keys:", sorted(results))
print("Evaluate values:", [round(float(results[k]), 5) for k in sorted(results)])
