# keras.io guide "Making new layers and models via subclassing" (F. Chollet), the Layer-class
# sections (Linear with add_weight, build(), non-trainable weights, nested layers, add_loss,
# get_config), verbatim but for the imports; the layer then trains inside a Sequential model.
import numpy as np
import visualnet as keras
from visualnet import ops
from visualnet import layers


class Linear(keras.layers.Layer):
    def __init__(self, units=32, input_dim=32):
        super().__init__()
        self.w = self.add_weight(
            shape=(input_dim, units),
            initializer="random_normal",
            trainable=True,
        )
        self.b = self.add_weight(shape=(units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b


x = ops.ones((2, 2))
linear_layer = Linear(4, 2)
y = linear_layer(x)
print("Linear output shape:", tuple(y.shape))
assert linear_layer.weights == [linear_layer.w, linear_layer.b]


class ComputeSum(keras.layers.Layer):
    def __init__(self, input_dim):
        super().__init__()
        self.total = self.add_weight(
            initializer="zeros", shape=(input_dim,), trainable=False
        )

    def call(self, inputs):
        self.total.assign_add(ops.sum(inputs, axis=0))
        return self.total


x = ops.ones((2, 2))
my_sum = ComputeSum(2)
y = my_sum(x)
print(np.array(y))
y = my_sum(x)
print(np.array(y))


class Linear(keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units),
            initializer="random_normal",
            trainable=True,
        )
        self.b = self.add_weight(
            shape=(self.units,), initializer="random_normal", trainable=True
        )

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b

    def get_config(self):
        return {"units": self.units}


class MLPBlock(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.linear_1 = Linear(32)
        self.linear_2 = Linear(32)
        self.linear_3 = Linear(1)

    def call(self, inputs):
        x = self.linear_1(inputs)
        x = keras.activations.relu(x)
        x = self.linear_2(x)
        x = keras.activations.relu(x)
        return self.linear_3(x)


mlp = MLPBlock()
y = mlp(ops.ones(shape=(3, 64)))  # The first call to the `mlp` will create the weights
print("weights:", len(mlp.weights))
print("trainable weights:", len(mlp.trainable_weights))


# A layer that creates an activity regularization loss
class ActivityRegularizationLayer(keras.layers.Layer):
    def __init__(self, rate=1e-2):
        super().__init__()
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * ops.mean(inputs))
        return inputs


layer = Linear(64)
config = layer.get_config()
print("Config:", config)
new_layer = Linear.from_config(config)

rng = np.random.default_rng(0)
xs = rng.standard_normal((128, 8)).astype("float32")
ys = xs.sum(axis=1, keepdims=True)
model = keras.Sequential([keras.Input(shape=(8,)), Linear(16), ActivityRegularizationLayer(), layers.Activation("relu"), Linear(1)])
model.compile(optimizer="adam", loss="mse")
history = model.fit(xs, ys, epochs=3, batch_size=32, verbose=0)
print("Loss decreased:", history.history["loss"][-1] < history.history["loss"][0])
