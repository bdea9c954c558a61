# keras.io guide "Training & evaluation with the built-in methods", section "Passing a schedule
# to an optimizer", and the ExponentialDecay / PiecewiseConstantDecay / CosineDecay API examples,
# verbatim but for the imports, the shipped MNIST digits (2,000) and 2 epochs.
import numpy as np
import visualnet as keras
from visualnet import layers

initial_learning_rate = 0.1
lr_schedule = keras.optimizers.schedules.ExponentialDecay(
    initial_learning_rate, decay_steps=100000, decay_rate=0.96, staircase=True
)
optimizer = keras.optimizers.RMSprop(learning_rate=lr_schedule)
print("ExponentialDecay(0), (100000), (250000):",
      [round(float(lr_schedule(s)), 6) for s in (0, 100000, 250000)])

lr_schedule = keras.optimizers.schedules.ExponentialDecay(
    initial_learning_rate=1e-2, decay_steps=10, decay_rate=0.9
)
print("Smooth decay (0, 5, 10, 25):", [round(float(lr_schedule(s)), 6) for s in (0, 5, 10, 25)])

boundaries = [100000, 110000]
values = [1.0, 0.5, 0.1]
piecewise = keras.optimizers.schedules.PiecewiseConstantDecay(boundaries, values)
print("PiecewiseConstantDecay:", [round(float(piecewise(s)), 6) for s in (0, 100000, 100001, 110001)])

cosine = keras.optimizers.schedules.CosineDecay(0.1, decay_steps=1000)
print("CosineDecay:", [round(float(cosine(s)), 6) for s in (0, 500, 1000, 2000)])

inverse = keras.optimizers.schedules.InverseTimeDecay(0.1, decay_steps=1.0, decay_rate=0.5)
print("InverseTimeDecay:", [round(float(inverse(s)), 6) for s in (0, 1, 10)])

polynomial = keras.optimizers.schedules.PolynomialDecay(0.1, 10000, 0.01, power=0.5)
print("PolynomialDecay:", [round(float(polynomial(s)), 6) for s in (0, 5000, 10000, 20000)])

print("Schedule config:", sorted(lr_schedule.get_config()))

(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = x_train[:2000].reshape(2000, 784).astype("float32") / 255
y_train = y_train[:2000]
x_test = x_test.reshape(-1, 784).astype("float32") / 255

model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(64, activation="relu"), layers.Dense(10)])
lr_schedule = keras.optimizers.schedules.ExponentialDecay(
    initial_learning_rate=0.1, decay_steps=10, decay_rate=0.96
)
model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=lr_schedule),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)
model.fit(x_train, y_train, batch_size=64, epochs=2, verbose=2)
print("Iterations:", int(np.array(model.optimizer.iterations)))
print("Learning rate after training:", round(float(np.array(model.optimizer.learning_rate)), 6))
print("Test accuracy:", model.evaluate(x_test, y_test, verbose=0)[1])
