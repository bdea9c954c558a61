# "Multi-Class Classification Tutorial with the Keras Deep Learning Library" (J. Brownlee), with
# the CSV read by NumPy and the labels encoded by NumPy instead of pandas / scikit-learn (neither
# is installed), and the cross-validation replaced by one fit and evaluate (200 -> 100 epochs).
import sys

import numpy as np
from visualnet.models import Sequential
from visualnet.layers import Dense
from visualnet.utils import to_categorical

# load dataset
dataframe = np.loadtxt(sys.argv[1], delimiter=",", dtype=str)
X = dataframe[:, 0:4].astype(float)
Y = dataframe[:, 4]
# encode class values as integers
classes, encoded_Y = np.unique(Y, return_inverse=True)
# convert integers to dummy variables (i.e. one hot encoded)
dummy_y = to_categorical(encoded_Y)
print("Classes:", classes.tolist())


# define baseline model
def baseline_model():
    # create model
    model = Sequential()
    model.add(Dense(8, input_shape=(4,), activation='relu'))
    model.add(Dense(3, activation='softmax'))
    # Compile model
    model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
    return model


model = baseline_model()
model.fit(X, dummy_y, epochs=100, batch_size=5, verbose=0)
loss, accuracy = model.evaluate(X, dummy_y, verbose=0)
print("Accuracy: %.2f%%" % (accuracy * 100))
