# model.summary() of the models in the keras.io guides and examples (Sequential convnet, functional
# multi-input, RNNs, nested models, BatchNormalization's non-trainable weights), verbatim
# definitions but for the imports; the parameter counts are what Keras prints.
import visualnet as keras
from visualnet import layers

print("== convnet")
model = keras.Sequential(
    [
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ]
)
model.summary()

print("== batchnorm")
model = keras.Sequential([
    keras.Input(shape=(16,)),
    layers.Dense(32, use_bias=False),
    layers.BatchNormalization(),
    layers.Activation("relu"),
    layers.Dense(1),
])
model.summary()
print("Counts:", model.count_params(), len(model.trainable_weights), len(model.non_trainable_weights))

print("== rnn")
model = keras.Sequential()
model.add(keras.Input(shape=(None,), dtype="int32"))
model.add(layers.Embedding(input_dim=1000, output_dim=64))
model.add(layers.GRU(64, return_sequences=True))
model.add(layers.SimpleRNN(128))
model.add(layers.Dense(10))
model.summary()

print("== lstm")
model = keras.Sequential([keras.Input(shape=(10, 8)), layers.Bidirectional(layers.LSTM(64, return_sequences=True)),
                          layers.Bidirectional(layers.LSTM(32)), layers.Dense(10)])
model.summary()

print("== multi-input")
image_input = keras.Input(shape=(32, 32, 3), name="image")
timeseries_input = keras.Input(shape=(None, 10), name="ts")
x1 = layers.Conv2D(3, 3)(image_input)
x1 = layers.GlobalMaxPooling2D()(x1)
x2 = layers.Conv1D(3, 3)(timeseries_input)
x2 = layers.GlobalMaxPooling1D()(x2)
x = layers.concatenate([x1, x2])
score_output = layers.Dense(1, name="score_output")(x)
class_output = layers.Dense(5, name="class_output")(x)
model = keras.Model(inputs=[image_input, timeseries_input], outputs=[score_output, class_output])
model.summary()

print("== nested")
inner = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(4), layers.Dense(4)], name="inner")
outer_in = keras.Input(shape=(8,))
outer = keras.Model(outer_in, layers.Dense(2)(inner(outer_in)), name="outer")
inner.trainable = False
outer.summary()

print("== separable and depthwise")
model = keras.Sequential([
    keras.Input(shape=(32, 32, 3)),
    layers.SeparableConv2D(16, 3, padding="same"),
    layers.DepthwiseConv2D(3),
    layers.Conv2DTranspose(8, 3, strides=2),
    layers.LayerNormalization(),
    layers.GlobalAveragePooling2D(),
    layers.Dense(3),
])
model.summary()
