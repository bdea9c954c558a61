"""Fashion-MNIST, Keras-compatible: `(x_train, y_train), (x_test, y_test) = load_data()`.

Never downloads: reads Keras's four files `train-labels-idx1-ubyte.gz`,
`train-images-idx3-ubyte.gz`, `t10k-labels-idx1-ubyte.gz`, `t10k-images-idx3-ubyte.gz` from
`~/.keras/datasets/fashion-mnist/` (or `$KERAS_HOME/datasets/fashion-mnist/`, or the folder
`path` names). Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal,
6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot.
"""

from ..data.keras_datasets import load_fashion_mnist


def load_data(path=None):
    """uint8 images (n, 28, 28) and uint8 labels (n,), as Keras's."""
    return load_fashion_mnist(path)
