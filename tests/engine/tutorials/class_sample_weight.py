# keras.io guide "Training & evaluation with the built-in methods", section "Using sample
# weighting and class weighting", verbatim but for the imports, the shipped MNIST split and 2
# epochs; prints the recall of class 5 (weighted 2x) to show the weighting acts.
import numpy as np
import visualnet as keras
from visualnet import layers


def get_uncompiled_model():
    inputs = keras.Input(shape=(784,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


def get_compiled_model():
    model = get_uncompiled_model()
    model.compile(
        optimizer="rmsprop",
        loss="sparse_categorical_crossentropy",
        metrics=["sparse_categorical_accuracy"],
    )
    return model


(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = x_train.reshape(len(x_train), 784).astype("float32") / 255
x_test = x_test.reshape(len(x_test), 784).astype("float32") / 255
y_train = y_train.astype("float32")
y_test = y_test.astype("float32")

class_weight = {
    0: 1.0,
    1: 1.0,
    2: 1.0,
    3: 1.0,
    4: 1.0,
    # Set weight "2" for class "5",
    # making this class 2x more important
    5: 2.0,
    6: 1.0,
    7: 1.0,
    8: 1.0,
    9: 1.0,
}

print("Fit with class weight")
model = get_compiled_model()
model.fit(x_train, y_train, class_weight=class_weight, batch_size=64, epochs=2)
pred = model.predict(x_test, verbose=0).argmax(axis=1)
print("Class weight test accuracy:", float(np.mean(pred == y_test)))
print("Class weight recall of 5:", float(np.mean(pred[y_test == 5] == 5)))

sample_weight = np.ones(shape=(len(y_train),))
sample_weight[y_train == 5] = 2.0

print("Fit with sample weight")
model = get_compiled_model()
model.fit(x_train, y_train, sample_weight=sample_weight, batch_size=64, epochs=2)
score = model.evaluate(x_test, y_test, verbose=0)
print("Sample weight test accuracy:", score[1])
