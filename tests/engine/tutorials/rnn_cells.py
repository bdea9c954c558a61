# keras.io guide "Working with RNNs" (S. Zhu, F. Chollet), its cell-level API: the section
# "Performance optimization and CuDNN kernels" builds the same MNIST model with LSTM and with
# RNN(LSTMCell) and moves the weights from one to the other; then the keras.layers.RNN API
# docs' MinimalRNNCell, alone and stacked. Verbatim in its Keras parts but for the imports;
# shortened (64 -> 32 units, 1,024 training images, no validation run), the weights set from a
# seeded NumPy generator and shuffle=False so that every number can be compared with Keras.
import numpy as np
import visualnet as keras
from visualnet import layers, ops

batch_size = 64
# Each MNIST image batch is a tensor of shape (batch_size, 28, 28).
# Each input sequence will be of size (28, 28) (height is treated like time).
input_dim = 28

units = 32
output_size = 10  # labels are from 0 to 9


# Build the RNN model
def build_model(allow_cudnn_kernel=True):
    # CuDNN is only available at the layer level, and not at the cell level.
    # This means `LSTM(units)` will use the CuDNN kernel,
    # while RNN(LSTMCell(units)) will run on non-CuDNN kernel.
    if allow_cudnn_kernel:
        # The LSTM layer with default options uses CuDNN.
        lstm_layer = keras.layers.LSTM(units, input_shape=(None, input_dim))
    else:
        # Wrapping a LSTMCell in a RNN layer will not use CuDNN.
        lstm_layer = keras.layers.RNN(
            keras.layers.LSTMCell(units), input_shape=(None, input_dim)
        )
    model = keras.models.Sequential(
        [
            lstm_layer,
            keras.layers.BatchNormalization(),
            keras.layers.Dense(output_size),
        ]
    )
    return model


mnist = keras.datasets.mnist

(x_train, y_train), (x_test, y_test) = mnist.load_data()
x_train, x_test = x_train[:1024] / 255.0, x_test[:256] / 255.0
y_train, y_test = y_train[:1024], y_test[:256]
sample, sample_label = x_train[0], y_train[0]

rng = np.random.default_rng(7)
model = build_model(allow_cudnn_kernel=True)
weights = [rng.normal(0, 0.1, w.shape).astype("float32") for w in model.get_weights()]
weights[3:7] = [np.ones(units, "float32"), np.zeros(units, "float32"), np.zeros(units, "float32"),
                np.ones(units, "float32")]  # BatchNormalization: gamma, beta, moving mean and variance
model.set_weights(weights)

model.compile(
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    optimizer="sgd",
    metrics=["accuracy"],
)

history = model.fit(x_train, y_train, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
print("LSTM loss:", f"{history.history['loss'][0]:.5f}")

noncudnn_model = build_model(allow_cudnn_kernel=False)
noncudnn_model.set_weights(model.get_weights())
print("RNN(LSTMCell) weights:", ["/".join(w.path.split("/")[-2:]) for w in noncudnn_model.layers[0].weights])
same = np.allclose(noncudnn_model.predict(x_test, verbose=0), model.predict(x_test, verbose=0), atol=1e-5)
print("Same predictions:", same)
noncudnn_model.compile(
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    optimizer="sgd",
    metrics=["accuracy"],
)
history = noncudnn_model.fit(x_train, y_train, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
print("RNN(LSTMCell) loss:", f"{history.history['loss'][0]:.5f}")

result = ops.argmax(noncudnn_model.predict_on_batch(ops.expand_dims(sample, 0)), axis=1)
print("Predicted result is: %s, target result is: %s" % (ops.convert_to_numpy(result), sample_label))


# keras.layers.RNN's docs: a minimal cell, one state, a matrix product per input and per state
class MinimalRNNCell(layers.Layer):

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                      initializer='uniform',
                                      name='kernel')
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units),
            initializer='uniform',
            name='recurrent_kernel')
        self.built = True

    def call(self, inputs, states):
        prev_output = states[0]
        h = ops.matmul(inputs, self.kernel)
        output = h + ops.matmul(prev_output, self.recurrent_kernel)
        return output, [output]


# Let's use this cell in a RNN layer:

cell = MinimalRNNCell(32)
x = keras.Input((None, 5))
layer = layers.RNN(cell)
y = layer(x)
print("Minimal cell output shape:", y.shape)

# Here's how to use the cell to build a stacked RNN:

cells = [MinimalRNNCell(32), MinimalRNNCell(64)]
x = keras.Input((None, 5))
layer = layers.RNN(cells)
y = layer(x)
print("Stacked cells output shape:", y.shape)

# ... and to train it: the running sum of a sequence
seq = rng.normal(0, 1, (128, 6, 5)).astype("float32")
target = seq.sum(axis=(1, 2))[:, None]
model = keras.Model(x, layers.Dense(1)(y))
model.set_weights([rng.normal(0, 0.1, w.shape).astype("float32") for w in model.get_weights()])
model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
history = model.fit(seq, target, batch_size=32, epochs=3, shuffle=False, verbose=0)
print("Stacked cells losses:", " ".join(f"{v:.5f}" for v in history.history["loss"]))
print("Stacked cells weights:", len(model.weights))
