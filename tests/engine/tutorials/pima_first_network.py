# "Your First Deep Learning Project in Python with Keras" (J. Brownlee), verbatim but for the
# imports, the CSV's path and one index (see below).
import sys

from numpy import loadtxt
from visualnet.models import Sequential
from visualnet.layers import Dense

# load the dataset
dataset = loadtxt(sys.argv[1], delimiter=',')
# split into input (X) and output (y) variables
X = dataset[:,0:8]
y = dataset[:,8]
# define the keras model
model = Sequential()
model.add(Dense(12, input_shape=(8,), activation='relu'))
model.add(Dense(8, activation='relu'))
model.add(Dense(1, activation='sigmoid'))
# compile the keras model
model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
# fit the keras model on the dataset
model.fit(X, y, epochs=150, batch_size=10, verbose=0)
# evaluate the keras model
_, accuracy = model.evaluate(X, y)
print('Accuracy: %.2f' % (accuracy*100))
# make class predictions with the model
predictions = (model.predict(X) > 0.5).astype(int)
# summarize the first 5 cases (predictions[i, 0]: this NumPy refuses '%d' % a 1-element array,
# with real Keras as well)
for i in range(5):
    print('%s => %d (expected %d)' % (X[i].tolist(), predictions[i, 0], y[i]))
