# "Binary Classification Tutorial with the Keras Deep Learning Library" (J. Brownlee), sonar
# data, with NumPy in place of pandas / scikit-learn (the standardization done by hand on the
# training rows), one train/test split in place of cross-validation, 100 epochs.
import sys

import numpy as np
from visualnet.models import Sequential
from visualnet.layers import Dense

# load dataset
dataframe = np.loadtxt(sys.argv[1], delimiter=",", dtype=str)
X = dataframe[:, 0:60].astype(float)
Y = (dataframe[:, 60] == "M").astype(int)
rng = np.random.default_rng(7)
order = rng.permutation(len(X))
train, test = order[:160], order[160:]
mean, std = X[train].mean(axis=0), X[train].std(axis=0)
X = (X - mean) / std


# baseline model
def create_baseline():
    # create model
    model = Sequential()
    model.add(Dense(60, input_shape=(60,), activation='relu'))
    model.add(Dense(1, activation='sigmoid'))
    # Compile model
    model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
    return model


model = create_baseline()
model.fit(X[train], Y[train], epochs=100, batch_size=5, verbose=0)
_, accuracy = model.evaluate(X[test], Y[test], verbose=0)
print("Accuracy: %.2f%%" % (accuracy * 100))
