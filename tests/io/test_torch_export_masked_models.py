"""PyTorch scripts of masked models (Embedding(mask_zero=True), Masking): the script computes
the masks from its inputs as Keras does and its recurrent layers, Bidirectional,
GlobalAveragePooling1D and Attention use them, giving VisualNet's predictions (1e-5) with
padding in front, behind (packed sequences) and in the middle (the step loop), before and
after training; the script's own training with the mask lowers the loss."""

from __future__ import annotations

import importlib.util
import re

import numpy as np
import pytest

import visualnet as vn
from visualnet.io.code_export import export_torch_script, torch_script

from .helpers import randomize

pytest.importorskip("torch")
L = vn.layers
TOL = 1e-5
STEPS, VOCAB = 7, 20


def ids(padding: str, n: int = 12, seed: int = 0) -> np.ndarray:
    """Token ids with 1-3 padding zeros per sequence on `padding`'s side ('mid': inside)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, VOCAB, (n, STEPS)).astype("float32")
    for i in range(n):
        k = i % 3 + 1
        cut = {"left": slice(0, k), "right": slice(STEPS - k, STEPS), "mid": slice(2, 2 + k)}[padding]
        x[i, cut] = 0
    return x


def features(padding: str, n: int = 12) -> np.ndarray:
    """(n, steps, 3) features zero at the padded steps (what Masking(0.0) masks)."""
    x = np.random.default_rng(1).normal(size=(n, STEPS, 3)).astype("float32")
    return x * (ids(padding, n)[..., None] != 0)


def embedding_lstm():
    model = vn.Sequential([L.Input((STEPS,)), L.Embedding(VOCAB, 5, mask_zero=True), L.LSTM(4),
                           L.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def masking_gru_time_distributed():
    model = vn.Sequential([L.Input((STEPS, 3)), L.Masking(0.0), L.GRU(4, return_sequences=True),
                           L.TimeDistributed(L.Dense(2))])
    model.compile(optimizer="adam", loss="mse")
    return model


def embedding_bidirectional_average():
    model = vn.Sequential([L.Input((STEPS,)), L.Embedding(VOCAB, 5, mask_zero=True),
                           L.Bidirectional(L.LSTM(4, return_sequences=True)), L.GlobalAveragePooling1D(),
                           L.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


MODELS = {"embedding_lstm": (embedding_lstm, ids, lambda x: (x.sum(1) % 3).astype("float32")),
          "masking_gru": (masking_gru_time_distributed, features, lambda x: x[..., :2] * 0.5),
          "bidirectional": (embedding_bidirectional_average, ids, lambda x: (x[:, 0] > 9).astype("float32"))}


def load_script(model, path):
    """The exported script as a module, and its model with the exported weights."""
    export_torch_script(model, path, weights="embed", training={"epochs": 8, "batch_size": 6, "shuffle": False})
    spec = importlib.util.spec_from_file_location(path.stem, path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    torch_model = script.build_model()
    script.load_weights(torch_model)
    return script, torch_model


@pytest.mark.parametrize("name", MODELS)
def test_masked_models_predict_as_visualnet_with_random_and_trained_weights(tmp_path, name):
    build, inputs, target = MODELS[name]
    vn.utils.set_random_seed(0)
    model = build()
    randomize(model, seed=3)
    for stage in ("random", "trained"):
        if stage == "trained":
            x = np.concatenate([inputs(p) for p in ("left", "right", "mid")])
            model.fit(x, target(x), epochs=2, batch_size=6, verbose=0)
        script, torch_model = load_script(model, tmp_path / f"{name}_{stage}.py")
        for padding in ("left", "right", "mid"):
            x = inputs(padding)
            expected = model.predict(x, verbose=0)
            got = script.predict(torch_model, x)
            assert np.abs(got - expected).max() <= TOL, (stage, padding)


def test_both_ways_of_running_a_masked_layer_are_taken(tmp_path):
    """Right padding runs packed sequences; other masks the step loop (the same numbers)."""
    import torch

    script, torch_model = load_script(embedding_bidirectional_average(), tmp_path / "b.py")
    right, mid = (torch.as_tensor(ids(p)) != 0 for p in ("right", "mid"))
    assert script.packable(right) is not None and script.packable(mid) is None
    assert script.packable(torch.zeros((2, STEPS), dtype=torch.bool)) is None    # nothing to pack


@pytest.mark.parametrize("name", [pytest.param("embedding_lstm", marks=pytest.mark.slow), "masking_gru",
                                  pytest.param("bidirectional", marks=pytest.mark.slow)])   # and the command line's
def test_the_scripts_training_with_masks_lowers_the_loss(tmp_path, name, capsys):
    build, inputs, target = MODELS[name]
    vn.utils.set_random_seed(0)
    script, torch_model = load_script(build(), tmp_path / f"{name}.py")
    x = np.concatenate([inputs(p) for p in ("left", "right", "mid")])
    script.train(torch_model, x, target(x))
    losses = [float(v) for v in re.findall(r"loss: ([\d.]+)", capsys.readouterr().out)]
    assert len(losses) == 8 and losses[-1] < losses[0]


def test_the_output_mask_weights_the_scripts_loss_as_keras(tmp_path):
    """A sequence output with a mask: the loss is the mean over the unmasked steps."""
    import torch

    model = masking_gru_time_distributed()
    randomize(model, seed=4)
    script, torch_model = load_script(model, tmp_path / "s.py")
    x = features("mid")
    y = np.random.default_rng(2).normal(size=(len(x), STEPS, 2)).astype("float32")
    expected = model.evaluate(x, y, batch_size=len(x), verbose=0)
    torch_model.train(False)
    with torch.no_grad():
        p = torch_model(torch.as_tensor(x))
        loss = script.reduced_loss(script.keras_loss(script.LOSS_NAME), torch_model, p, torch.as_tensor(y))
    assert abs(float(loss) - expected) <= 1e-5 * max(1.0, abs(expected))
    unmasked = script.keras_loss(script.LOSS_NAME)(p, torch.as_tensor(y))
    assert abs(float(unmasked) - expected) > 1e-3      # the mask changes the number


def test_attention_with_masks(tmp_path):
    inp = L.Input((STEPS,))
    e = L.Embedding(VOCAB, 4, mask_zero=True)(inp)
    a = L.Attention()([e, L.Dense(4)(e)])   # the value keeps the mask (Dense passes it on)
    out = L.Dense(1)(L.GlobalAveragePooling1D()(a))
    model = vn.Model(inp, out)
    randomize(model, seed=5)
    script, torch_model = load_script(model, tmp_path / "attention.py")
    for padding in ("left", "mid"):
        x = ids(padding)
        assert np.abs(script.predict(torch_model, x) - model.predict(x, verbose=0)).max() <= TOL


def test_what_the_script_cannot_run_with_a_mask_is_refused_by_name():
    inp = L.Input((STEPS,))
    e = L.Embedding(VOCAB, 4, mask_zero=True)(inp)
    y = L.MultiHeadAttention(2, 2, name="heads")(e, e)
    with pytest.raises(ValueError, match="'heads'"):
        torch_script(vn.Model(inp, L.Flatten()(y)))
    masked_norm = vn.Sequential([L.Input((STEPS, 3)), L.Masking(), L.BatchNormalization(name="norm"), L.LSTM(2)])
    with pytest.raises(ValueError, match="'norm'"):
        torch_script(masked_norm)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_masked_layers_with_initial_states(tmp_path, bidirectional):
    """The states start where Keras's initial_state puts them, masked steps keep them."""
    tokens = L.Input((STEPS,))
    states = [L.Input((3,)) for _ in range(4 if bidirectional else 2)]
    e = L.Embedding(VOCAB, 4, mask_zero=True)(tokens)
    layer = L.LSTM(3, return_sequences=True, return_state=not bidirectional)
    y = (L.Bidirectional(layer) if bidirectional else layer)(e, initial_state=states)
    y = y if bidirectional else L.Concatenate()([L.Flatten()(y[0]), y[1], y[2]])
    model = vn.Model([tokens, *states], L.Dense(2)(L.Flatten()(y) if bidirectional else y))
    randomize(model, seed=6)
    script, torch_model = load_script(model, tmp_path / "states.py")
    rng = np.random.default_rng(7)
    for padding in ("left", "right", "mid"):
        x = [ids(padding), *[rng.normal(size=(12, 3)).astype("float32") for _ in states]]
        assert np.abs(script.predict(torch_model, x) - model.predict(x, verbose=0)).max() <= TOL, padding


def _branches(kind):
    """Masked graphs through the other recurrent variants and the mask-merging layers."""
    tokens = L.Input((STEPS,))
    e = L.Embedding(VOCAB, 4, mask_zero=True)(tokens)
    if kind == "simple_rnn_backwards":
        y = L.GlobalAveragePooling1D()(L.SimpleRNN(3, activation="relu", return_sequences=True,
                                                   go_backwards=True)(e))
    elif kind == "gru_zero_output":
        y = L.Flatten()(L.GRU(3, return_sequences=True, zero_output_for_mask=True)(e))
    elif kind == "bidirectional_gru_sum":
        y = L.Bidirectional(L.GRU(3), merge_mode="sum")(e)
    elif kind == "bidirectional_none_concatenated":   # Concatenate's mask
        f, b = L.Bidirectional(L.SimpleRNN(3, return_sequences=True), merge_mode=None)(e)
        y = L.LSTM(2)(L.Concatenate()([f, b]))
    return tokens, y


@pytest.mark.parametrize("kind", ["simple_rnn_backwards", "gru_zero_output", "bidirectional_gru_sum",
                                  "bidirectional_none_concatenated"])
def test_more_masked_layers(tmp_path, kind):
    tokens, y = _branches(kind)
    model = vn.Model(tokens, L.Dense(2)(y))
    randomize(model, seed=8)
    script, torch_model = load_script(model, tmp_path / f"{kind}.py")
    for padding in ("left", "right", "mid"):
        x = ids(padding)
        assert np.abs(script.predict(torch_model, x) - model.predict(x, verbose=0)).max() <= TOL, padding


def test_added_masks_are_their_union(tmp_path):
    a, b = L.Input((STEPS,)), L.Input((STEPS,))
    ea, eb = L.Embedding(VOCAB, 4, mask_zero=True)(a), L.Embedding(VOCAB, 4, mask_zero=True)(b)
    out, h, c = L.LSTM(2, return_state=True)(L.Add()([ea, eb]))
    model = vn.Model([a, b], L.Dense(2)(L.Concatenate()([out, h, c])))
    randomize(model, seed=9)
    script, torch_model = load_script(model, tmp_path / "added.py")
    x = [ids("left"), ids("mid", seed=1)]
    assert np.abs(script.predict(torch_model, x) - model.predict(x, verbose=0)).max() <= TOL


def test_the_scripts_command_line_trains_a_masked_model(tmp_path):
    """`python script.py --train data.npz` on its own: the loss falls, the weights are saved."""
    from .test_code_export import run

    vn.utils.set_random_seed(0)
    export_torch_script(embedding_bidirectional_average(), tmp_path / "masked.py", weights="npz",
                        training={"epochs": 8, "batch_size": 6, "shuffle": False})
    x = np.concatenate([ids(p) for p in ("left", "right", "mid")])
    np.savez(tmp_path / "data.npz", x=x, y=(x[:, 0] > 9).astype("float32"))
    out = run(tmp_path / "masked.py", "--train", "data.npz", "--save-weights", "trained.npz", cwd=tmp_path)
    losses = [float(v) for v in re.findall(r"loss: ([\d.]+)", out)]
    assert len(losses) == 8 and losses[-1] < losses[0]
    assert (tmp_path / "trained.npz").exists()
