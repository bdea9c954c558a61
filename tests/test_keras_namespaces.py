"""The rest of Keras's namespaces that programs use: top-level names, `keras.saving` (the
custom-object registry), `keras.config`, `keras.preprocessing`, and the utilities of
`keras.utils` / `keras.backend`, each against real Keras."""

import logging

import numpy as np
import pytest

import visualnet

keras = pytest.importorskip("keras")

TOP_LEVEL = ["Layer", "Loss", "Metric", "Optimizer", "Initializer", "Regularizer", "KerasTensor", "DTypePolicy",
             "FloatDTypePolicy", "device", "name_scope", "version", "saving", "config", "preprocessing"]
SAVING = ["CustomObjectScope", "custom_object_scope", "get_custom_objects", "get_registered_name",
          "get_registered_object", "register_keras_serializable", "load_model", "save_model", "save_weights",
          "load_weights", "serialize_keras_object", "deserialize_keras_object"]
UTILS = ["Progbar", "clear_session", "custom_object_scope", "get_custom_objects", "register_keras_serializable",
         "serialize_keras_object", "deserialize_keras_object", "pack_x_y_sample_weight", "unpack_x_y_sample_weight",
         "is_keras_tensor", "standardize_dtype", "disable_interactive_logging", "enable_interactive_logging",
         "is_interactive_logging_enabled"]
CONFIG = ["backend", "floatx", "set_floatx", "epsilon", "set_epsilon", "image_data_format", "set_image_data_format",
          "dtype_policy", "set_dtype_policy", "enable_unsafe_deserialization", "disable_interactive_logging",
          "enable_interactive_logging", "is_interactive_logging_enabled", "enable_traceback_filtering",
          "disable_traceback_filtering", "is_traceback_filtering_enabled", "enable_flash_attention",
          "disable_flash_attention", "is_flash_attention_enabled"]
BACKEND = ["epsilon", "set_epsilon", "set_floatx", "is_keras_tensor", "standardize_dtype", "is_float_dtype",
           "is_int_dtype", "result_type", "get_uid"]


@pytest.mark.parametrize("module, names", [("", TOP_LEVEL), ("saving", SAVING), ("utils", UTILS),
                                           ("config", CONFIG), ("backend", BACKEND)])
def test_the_names_keras_has_are_there(module, names):
    ours = visualnet if not module else getattr(visualnet, module)
    theirs = keras if not module else getattr(keras, module)
    for name in names:
        assert hasattr(theirs, name), name       # a name Keras really has
        assert getattr(ours, name, None) is not None, f"visualnet.{module}.{name}"


def _program(k):
    """A custom layer and loss registered with the registry, as keras.io's guides write them."""
    reg = k.saving.register_keras_serializable

    @reg(package="Tests")
    class Scale(k.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

        def call(self, x):
            return x * self.w * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    @reg(package="Tests")
    def squared(y_true, y_pred):
        return k.ops.mean(k.ops.square(y_true - y_pred), axis=-1)

    return Scale, squared


def _model(k, Scale, loss):
    inp = k.Input((4,))
    model = k.Model(inp, k.layers.Dense(1, kernel_initializer="ones")(Scale(3.0)(inp)))
    model.compile(optimizer="sgd", loss=loss)
    return model


@pytest.mark.parametrize("writer, reader", [(keras, visualnet), (visualnet, keras), (visualnet, visualnet)],
                         ids=["keras-to-vn", "vn-to-keras", "vn-to-vn"])
def test_registered_classes_load_without_custom_objects(tmp_path, writer, reader):
    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    w_scale, w_loss = _program(writer)
    model = _model(writer, w_scale, w_loss)
    model.fit(x, x[:, :1], epochs=1, batch_size=8, shuffle=False, verbose=0)
    model.save(tmp_path / "m.keras")
    r_scale, _ = _program(reader)           # the reading program registers its own classes
    back = reader.models.load_model(tmp_path / "m.keras")
    assert type(back.layers[1]) is r_scale and back.layers[1].factor == 3.0
    assert np.abs(np.asarray(back.predict(x, verbose=0)) - np.asarray(model.predict(x, verbose=0))).max() < 1e-5


def test_registry_names_and_scopes_as_keras():
    for k in (keras, visualnet):
        Scale, squared = _program(k)
        assert k.saving.get_registered_name(Scale) == "Tests>Scale"
        assert k.saving.get_registered_object("Tests>squared") is squared
        assert k.saving.get_registered_name(len) == "len"
        with pytest.raises(ValueError):
            k.saving.register_keras_serializable()(type("NoConfig", (), {}))
    config = visualnet.layers.Dense(2).get_config()

    class Custom(visualnet.layers.Layer):
        pass
    with visualnet.saving.custom_object_scope({"Custom": Custom}):
        assert visualnet.saving.get_registered_object("Custom") is Custom
    assert visualnet.saving.get_registered_object("Custom") is None
    assert visualnet.saving.deserialize_keras_object(
        {"module": "keras.layers", "class_name": "Dense", "config": config}).units == 2


def test_serialize_keras_object_matches_keras_for_builtins():
    for make in (lambda k: k.layers.Dense(3, activation="relu", name="d"), lambda k: k.losses.Huber(delta=2.0)):
        ours = visualnet.saving.serialize_keras_object(make(visualnet))
        theirs = keras.saving.serialize_keras_object(make(keras))
        assert (ours["module"], ours["class_name"], ours["registered_name"]) == \
            (theirs["module"], theirs["class_name"], theirs["registered_name"])
        again = visualnet.saving.deserialize_keras_object(theirs)      # Keras's dict read by VisualNet
        assert type(again) is type(make(visualnet))
    adam = visualnet.saving.deserialize_keras_object(keras.saving.serialize_keras_object(keras.optimizers.Adam(0.01)))
    assert type(adam) is visualnet.optimizers.Adam and abs(float(adam.learning_rate) - 0.01) < 1e-9
    with pytest.raises(ValueError, match="custom_objects"):
        visualnet.saving.deserialize_keras_object({"module": None, "class_name": "Nowhere", "config": {}})


def test_smart_resize_equals_keras():
    x = np.random.default_rng(0).random((2, 37, 53, 3)).astype("float32")
    for mode in ("bilinear", "nearest"):
        want = np.asarray(keras.preprocessing.image.smart_resize(x, (20, 30), interpolation=mode))
        assert np.abs(visualnet.preprocessing.image.smart_resize(x, (20, 30), interpolation=mode) - want).max() < 1e-5
    want = np.asarray(keras.preprocessing.image.smart_resize(x[0], (24, 24)))
    assert np.abs(visualnet.preprocessing.image.smart_resize(x[0], (24, 24)) - want).max() < 1e-5
    assert visualnet.preprocessing.sequence.pad_sequences([[1, 2], [3]]).tolist() == [[1, 2], [0, 3]]


def test_progbar_averages_as_keras(capsys):
    rows = [(i + 1, [("loss", 1.0 / (i + 1)), ("acc", 0.1 * i)]) for i in range(4)]
    for k in (keras, visualnet):
        bar = k.utils.Progbar(4, stateful_metrics=["acc"], verbose=2)
        for step, values in rows:
            bar.update(step, values)                  # the last update shows the values given
        bar = k.utils.Progbar(5, stateless_metrics=["loss"], verbose=2)
        for step, values in rows:
            bar.update(step, values)                  # averaged until then
        bar.update(5, finalize=True)
        lines = capsys.readouterr().out.strip().splitlines()
        assert "loss: 0.2500" in lines[0] and "acc: 0.3000" in lines[0], lines
        assert "loss: 0.5208" in lines[-1] and "acc: 0.3000" in lines[-1], lines


def test_utils_and_backend_helpers_as_keras():
    for k in (keras, visualnet):
        assert k.utils.pack_x_y_sample_weight(1, 2) == (1, 2)
        assert k.utils.unpack_x_y_sample_weight((1, 2)) == (1, 2, None)
        assert k.utils.unpack_x_y_sample_weight(7) == (7, None, None)
        assert k.utils.standardize_dtype("float32") == "float32" and k.backend.standardize_dtype(int) == "int32"
        assert k.utils.is_keras_tensor(k.Input((3,))) and not k.utils.is_keras_tensor(np.ones(3))
        for pair in (("int32", "float32"), ("int64", "float16"), ("float16", "bfloat16"), ("int8", "uint8"),
                     ("float64", "float32"), ("bool", "int16")):
            assert k.backend.result_type(*pair) == keras.backend.result_type(*pair), pair
        assert k.backend.is_float_dtype("float16") and k.backend.is_int_dtype("uint8")
        assert k.config.epsilon() == 1e-7 and k.config.floatx() == "float32"
        assert k.config.dtype_policy().name == "float32"
        assert k.backend.get_uid("vn_test_prefix") == 1 and k.backend.get_uid("vn_test_prefix") == 2
    with visualnet.device("cpu:0"):
        pass
    with pytest.raises(ValueError, match="CPU"):
        with visualnet.device("gpu:0"):
            pass
    with pytest.raises(ValueError, match="float32"):
        visualnet.config.set_dtype_policy("mixed_float16")


def test_interactive_logging_off_sends_progress_to_logging(capsys, monkeypatch):
    from visualnet.engine import callbacks, progbar

    model = visualnet.Sequential([visualnet.Input((3,)), visualnet.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    lines = []
    monkeypatch.setattr(callbacks, "log_line", lines.append)     # what goes to the "visualnet" logger
    visualnet.config.disable_interactive_logging()
    try:
        model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=2, verbose=1)
    finally:
        visualnet.config.enable_interactive_logging()
    assert capsys.readouterr().out == ""
    assert [line for line in lines if line.startswith("Epoch")] == ["Epoch 1/2", "Epoch 2/2"]
    assert len(lines) == 4 and "loss:" in lines[1]
    assert visualnet.config.is_interactive_logging_enabled()
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("visualnet")
    level, disabled = logger.level, logger.disabled
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.disabled = False
    try:
        progbar.log_line("Epoch 1/1")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.disabled = disabled
    assert [r.getMessage() for r in records] == ["Epoch 1/1"]


def test_embedding_built_before_its_first_call_takes_that_calls_shape():
    """The pretrained-embeddings example: `Embedding.build((1,))`, `set_weights`, then the layer
    in a model of variable-length ids (behind a string model's TextVectorization)."""
    table = np.arange(100 * 4, dtype="float32").reshape(100, 4)
    emb = visualnet.layers.Embedding(100, 4, trainable=False)
    emb.build((1,))
    emb.set_weights([table])
    ids = visualnet.Input((None,), dtype="int32")
    x = visualnet.layers.GlobalMaxPooling1D()(visualnet.layers.Conv1D(2, 3)(emb(ids)))
    model = visualnet.Model(ids, x)
    words = visualnet.layers.TextVectorization(max_tokens=100, output_sequence_length=7)
    words.adapt(["a b c d", "b c d e"])
    text = visualnet.Input((1,), dtype="string")
    end_to_end = visualnet.Model(text, model(words(text)))
    assert np.asarray(end_to_end(np.array([["a b c"]]))).shape == (1, 2)
    assert np.array_equal(emb.get_weights()[0], table)
    assert np.asarray(emb(np.array([3, 5]))).tolist() == table[[3, 5]].tolist()   # one id per sample, as Keras
