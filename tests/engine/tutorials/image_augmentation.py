# keras.io example "Image classification from scratch" (F. Chollet), its data-augmentation and
# model-building parts, verbatim but for the imports; the Cats-vs-Dogs images are not available
# offline, so the images are the shipped MNIST digits (raw 0-255, 28x28x1; the flip is dropped,
# digits are not mirror-symmetric), the Xception-like model shortened to one residual block,
# 2,000 digits, 2 epochs.
import numpy as np
import visualnet as keras
from visualnet import layers

(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = np.expand_dims(x_train[:2000], -1).astype("float32")
y_train = y_train[:2000]
x_test = np.expand_dims(x_test, -1).astype("float32")

data_augmentation_layers = [
    layers.RandomRotation(0.1),
    layers.RandomZoom(0.1),
    layers.RandomTranslation(0.1, 0.1),
]


def data_augmentation(images):
    for layer in data_augmentation_layers:
        images = layer(images)
    return images


augmented = data_augmentation(x_train[:9])
print("Augmented batch shape:", tuple(np.array(augmented).shape))
print("Augmentation changed the images:", bool(np.any(np.array(augmented) != x_train[:9])))


def make_model(input_shape, num_classes):
    inputs = keras.Input(shape=input_shape)

    # Entry block
    x = data_augmentation(inputs)
    x = layers.Rescaling(1.0 / 255)(x)
    x = layers.Conv2D(32, 3, strides=2, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)

    previous_block_activation = x  # Set aside residual

    for size in [64]:
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)

        # Project residual
        residual = layers.Conv2D(size, 1, strides=2, padding="same")(
            previous_block_activation
        )
        x = layers.add([x, residual])  # Add back residual
        previous_block_activation = x  # Set aside next residual

    x = layers.SeparableConv2D(128, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)

    x = layers.GlobalAveragePooling2D()(x)
    if num_classes == 2:
        units = 1
    else:
        units = num_classes

    x = layers.Dropout(0.25)(x)
    # We specify activation=None so as to return logits
    outputs = layers.Dense(units, activation=None)(x)
    return keras.Model(inputs, outputs)


model = make_model(input_shape=(28, 28, 1), num_classes=10)
model.summary()

epochs = 2

model.compile(
    optimizer=keras.optimizers.Adam(3e-3),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc")],
)
model.fit(x_train, y_train, epochs=epochs, batch_size=64, validation_split=0.1)
print("Inference is deterministic:", bool(np.array_equal(model.predict(x_test[:8], verbose=0),
                                                        model.predict(x_test[:8], verbose=0))))
print("Test accuracy:", model.evaluate(x_test, y_test, verbose=0)[1])
