"""The templates that use the wider layer library (issue 24): a denoising convolutional
autoencoder, a U-Net-style segmentation block, a depthwise-separable classifier and an
augmentation + CNN model. Each loads and validates; those with shipped data (the built-in
MNIST sample) train one epoch to far better than chance."""

import numpy as np
import pytest

from visualnet import data
from visualnet.engine.model import Model
from visualnet.engine.rng import set_seed
from visualnet.graph import infer_shapes, keras_order, validate
from visualnet.graph.templates import get_template, load_template

NEW = ("conv_autoencoder", "unet_segmentation", "separable_classifier", "augmented_cnn")


def types(graph) -> list[str]:
    return [graph.nodes[n].type for n in keras_order(graph)]


def output_shape(graph):
    (out,) = graph.output_nodes()
    return infer_shapes(graph)[out.id].shape


@pytest.fixture(scope="module")
def mnist():
    """The built-in MNIST sample in [0, 1]: 2,000 training and 1,000 test images."""
    prepared = data.prepare(data.Recipe.builtin("mnist"))
    return (prepared.train.x[:2000] / 255.0, prepared.train.y[:2000].astype(int),
            prepared.test.x[:1000] / 255.0, prepared.test.y[:1000].astype(int))


@pytest.mark.parametrize("name", NEW)
def test_the_new_templates_load_validate_and_describe_their_data(name):
    graph = load_template(name)
    assert not validate(graph)
    assert all(n.position is not None for n in graph.nodes.values())
    template = get_template(name)
    assert template.title and len(template.description) > 60


def test_autoencoder_adds_noise_encodes_and_decodes_to_a_sigmoid_image():
    graph = load_template("conv_autoencoder")
    t = types(graph)
    assert t[:2] == ["Input", "GaussianNoise"] and t[-1] == "Conv2D"
    assert t.count("MaxPooling2D") == 2 and t.count("Conv2DTranspose") == 2
    (out,) = graph.output_nodes()
    assert out.params["activation"] == "sigmoid"
    assert output_shape(graph) == (None, 28, 28, 1)      # the image itself is the target
    assert "target" in get_template("conv_autoencoder").description


def test_unet_joins_encoder_and_decoder_features_by_concatenate():
    graph = load_template("unet_segmentation")
    cats = [n for n in graph.nodes.values() if n.type == "Concatenate"]
    assert len(cats) == 2
    shapes = infer_shapes(graph)
    for cat in cats:
        a, b = (shapes[i].shape for i in graph.inputs_of(cat.id))
        assert a[1:3] == b[1:3]                         # the skip joins features of the same size
    assert {"UpSampling2D", "Conv2DTranspose", "MaxPooling2D"} <= set(types(graph))
    assert output_shape(graph) == (None, 64, 64, 1)     # one mask value per pixel
    assert "mask" in get_template("unet_segmentation").description


def test_unet_learns_a_mask_from_images():
    """No shipped dataset has masks: a tiny synthetic one (mask = bright pixels) shows that
    the template trains end to end."""
    set_seed(0)
    rng = np.random.default_rng(0)
    x = rng.random((32, 64, 64, 1)).astype("float32")
    y = (x > 0.6).astype("float32")
    model = Model.from_graph(load_template("unet_segmentation"))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["binary_accuracy"])
    history = model.fit(x, y, epochs=4, batch_size=4, verbose=0, shuffle=False)
    losses = history.history["loss"]
    assert losses[-1] < 0.85 * losses[0], losses
    # better than calling every pixel background (60 % of them are)
    assert history.history["binary_accuracy"][-1] > 0.7, history.history


def train_classifier(name, mnist):
    x, y, xt, yt = mnist
    set_seed(1)
    model = Model.from_graph(load_template(name))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    return model, model.evaluate(xt, yt, verbose=0, return_dict=True)["accuracy"]


def test_separable_classifier_trains_on_mnist(mnist):
    graph = load_template("separable_classifier")
    assert {"SeparableConv2D", "DepthwiseConv2D"} <= set(types(graph))
    params = sum(i.params for i in infer_shapes(graph).values())
    assert params < sum(i.params for i in infer_shapes(load_template("mnist_cnn")).values()) / 10
    _, accuracy = train_classifier("separable_classifier", mnist)
    assert accuracy > 0.4, accuracy            # chance: 0.1 (0.72 on this machine)


def test_augmented_cnn_trains_on_mnist_and_augments_only_while_training(mnist):
    graph = load_template("augmented_cnn")
    assert {"RandomRotation", "RandomZoom", "RandomTranslation"} <= set(types(graph))
    model, accuracy = train_classifier("augmented_cnn", mnist)
    assert accuracy > 0.5, accuracy            # chance: 0.1 (0.86 on this machine)
    x = mnist[2][:8]
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))


def train_autoencoder(x, xt, batch_size):
    set_seed(2)
    model = Model.from_graph(load_template("conv_autoencoder"))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["mse"])
    model.fit(x, x, epochs=1, batch_size=batch_size, verbose=0)       # the target is the input image
    mse = model.evaluate(xt, xt, verbose=0, return_dict=True)["mse"]
    mean_image = float(np.mean((xt - x.mean(axis=0)) ** 2))          # the best constant prediction
    return mse, mean_image


def test_autoencoder_trains_to_reconstruct_the_clean_image(mnist):
    x, _, xt, _ = mnist
    mse, mean_image = train_autoencoder(x, xt, 16)
    assert mse < 0.85 * mean_image, (mse, mean_image)      # 0.052 against 0.075 on this machine


@pytest.mark.slow
def test_autoencoder_on_all_of_the_mnist_sample_reconstructs_digits():
    prepared = data.prepare(data.Recipe.builtin("mnist"))
    mse, mean_image = train_autoencoder(prepared.train.x / 255.0, prepared.test.x / 255.0, 32)
    assert mse < 0.3 * mean_image, (mse, mean_image)       # 0.014 against 0.073 on this machine
