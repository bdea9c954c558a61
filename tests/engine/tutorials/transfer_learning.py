# keras.io guide "Transfer learning & fine-tuning" (F. Chollet), the sections on `trainable`,
# the typical workflow, BatchNormalization and fine-tuning, verbatim but for the imports and
# the data: no pretrained ImageNet model is available offline, so the "base model" is a small
# convnet pretrained here on the MNIST digits 0-4 and transferred to the digits 5-9.
import numpy as np
import visualnet as keras
from visualnet import layers

layer = keras.layers.Dense(3)
layer.build((None, 4))  # Create the weights

print("weights:", len(layer.weights))
print("trainable_weights:", len(layer.trainable_weights))
print("non_trainable_weights:", len(layer.non_trainable_weights))

layer = keras.layers.BatchNormalization()
layer.build((None, 4))  # Create the weights

print("weights:", len(layer.weights))
print("trainable_weights:", len(layer.trainable_weights))
print("non_trainable_weights:", len(layer.non_trainable_weights))

layer = keras.layers.Dense(3)
layer.build((None, 4))  # Create the weights
layer.trainable = False  # Freeze the layer

print("weights:", len(layer.weights))
print("trainable_weights:", len(layer.trainable_weights))
print("non_trainable_weights:", len(layer.non_trainable_weights))

# Make a model with 2 layers
layer1 = keras.layers.Dense(3, activation="relu")
layer2 = keras.layers.Dense(3, activation="sigmoid")
model = keras.Sequential([keras.Input(shape=(3,)), layer1, layer2])

# Freeze the first layer
layer1.trainable = False

# Keep a copy of the weights of layer1 for later reference
initial_layer1_weights_values = layer1.get_weights()

# Train the model
model.compile(optimizer="adam", loss="mse")
model.fit(np.random.random((2, 3)), np.random.random((2, 3)))

# Check that the weights of layer1 have not changed during training
final_layer1_weights_values = layer1.get_weights()
np.testing.assert_allclose(
    initial_layer1_weights_values[0], final_layer1_weights_values[0]
)
np.testing.assert_allclose(
    initial_layer1_weights_values[1], final_layer1_weights_values[1]
)
print("Frozen layer unchanged by fit")

inner_model = keras.Sequential(
    [
        keras.Input(shape=(3,)),
        keras.layers.Dense(3, activation="relu"),
        keras.layers.Dense(3, activation="relu"),
    ]
)

model = keras.Sequential(
    [
        keras.Input(shape=(3,)),
        inner_model,
        keras.layers.Dense(3, activation="sigmoid"),
    ]
)

model.trainable = False  # Freeze the outer model

assert inner_model.trainable == False  # All layers in `model` are now frozen
assert inner_model.layers[0].trainable == False  # `trainable` is propagated recursively
print("Recursive freeze ok")

# The "base model": pretrained here on the digits 0-4
(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = np.expand_dims(x_train.astype("float32") / 255, -1)
x_test = np.expand_dims(x_test.astype("float32") / 255, -1)
low_train, low_test = y_train < 5, y_test < 5
high_train = np.flatnonzero(~low_train)[:2000]  # 2,000 digits 5-9 to transfer to

base_model = keras.Sequential(
    [
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(16, 3, activation="relu"),
        layers.BatchNormalization(),
        layers.MaxPooling2D(2),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
    ],
    name="base_model",
)
pretrain = keras.Sequential([base_model, layers.Dense(5, activation="softmax")])
pretrain.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
pretrain.fit(x_train[low_train], y_train[low_train], epochs=1, batch_size=64, verbose=2)

# Freeze the base_model
base_model.trainable = False

# Create new model on top
inputs = keras.Input(shape=(28, 28, 1))

# The base model contains batchnorm layers. We want to keep them in inference mode
# when we unfreeze the base model for fine-tuning, so we make sure that the
# base_model is running in inference mode here.
x = base_model(inputs, training=False)
x = keras.layers.Dropout(0.2)(x)  # Regularize with dropout
outputs = keras.layers.Dense(5, activation="softmax")(x)
model = keras.Model(inputs, outputs)

model.summary(show_trainable=True)

bn = base_model.layers[1]
moving_mean = bn.get_weights()[2].copy()
model.compile(
    optimizer=keras.optimizers.Adam(),
    loss=keras.losses.SparseCategoricalCrossentropy(),
    metrics=["accuracy"],
)

epochs = 2
model.fit(x_train[high_train], y_train[high_train] - 5, epochs=epochs, batch_size=64, verbose=2)
print("Frozen BatchNormalization moving mean unchanged:", bool(np.array_equal(moving_mean, bn.get_weights()[2])))
print("Transfer accuracy:", model.evaluate(x_test[~low_test], y_test[~low_test] - 5, verbose=0)[1])

# Unfreeze the base_model. Note that it keeps running in inference mode
# since we passed `training=False` when calling it. This means that
# the batchnorm layers will not update their batch statistics.
# This prevents the batchnorm layers from undoing all the training
# we've done so far.
base_model.trainable = True
model.summary(show_trainable=True)

model.compile(
    optimizer=keras.optimizers.Adam(1e-5),  # Low learning rate
    loss=keras.losses.SparseCategoricalCrossentropy(),
    metrics=["accuracy"],
)

epochs = 1
model.fit(x_train[high_train], y_train[high_train] - 5, epochs=epochs, batch_size=64, verbose=2)
print("Fine-tuned BatchNormalization moving mean unchanged:", bool(np.array_equal(moving_mean, bn.get_weights()[2])))
print("Fine-tuned accuracy:", model.evaluate(x_test[~low_test], y_test[~low_test] - 5, verbose=0)[1])
