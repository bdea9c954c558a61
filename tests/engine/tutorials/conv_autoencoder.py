# keras.io example "Convolutional autoencoder for image denoising" (S. Chakraborty), first part
# (the autoencoder on clean digits), verbatim in its Keras parts but for the imports, the shipped
# MNIST split (2,000 train / 500 test digits) and epochs (50 -> 2), no plots.
import numpy as np
import visualnet as keras
from visualnet import layers
from visualnet.models import Model


def preprocess(array):
    """Normalizes the supplied array and reshapes it."""
    array = array.astype("float32") / 255.0
    array = np.reshape(array, (len(array), 28, 28, 1))
    return array


(train_data, _), (test_data, _) = keras.datasets.mnist.load_data()
train_data = preprocess(train_data[:2000])
test_data = preprocess(test_data[:500])

input = layers.Input(shape=(28, 28, 1))

# Encoder
x = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(input)
x = layers.MaxPooling2D((2, 2), padding="same")(x)
x = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(x)
x = layers.MaxPooling2D((2, 2), padding="same")(x)

# Decoder
x = layers.Conv2DTranspose(32, (3, 3), strides=2, activation="relu", padding="same")(x)
x = layers.Conv2DTranspose(32, (3, 3), strides=2, activation="relu", padding="same")(x)
x = layers.Conv2D(1, (3, 3), activation="sigmoid", padding="same")(x)

# Autoencoder
autoencoder = Model(input, x)
autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
autoencoder.summary()

history = autoencoder.fit(
    x=train_data,
    y=train_data,
    epochs=2,
    batch_size=128,
    shuffle=True,
    validation_data=(test_data, test_data),
)
print("First val_loss:", history.history["val_loss"][0])
print("Final val_loss:", history.history["val_loss"][-1])
predictions = autoencoder.predict(test_data)
print("Reconstruction shape:", predictions.shape)
print("Reconstruction MSE:", float(np.mean((predictions - test_data) ** 2)))
