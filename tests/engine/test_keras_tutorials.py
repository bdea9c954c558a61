"""Keras tutorial programs, run with only their import lines changed (epochs and sizes shortened).

Each program in tutorials/ follows a keras.io guide or example (or a well-known tutorial) and
names it in its header. `test_tutorial` runs it in a subprocess and checks what it prints.
`test_tutorial_matches_keras` runs its twin in real Keras (torch backend) -- the same text with
`visualnet` replaced by `keras` -- and compares the two: deterministic programs (weights set from
a seeded NumPy generator, shuffle=False) line by line or to float32 rounding, the others on
shapes, history keys, parameter counts and seeded accuracies within a tolerance. A program whose
twin needs TensorFlow (tf.data, TextVectorization) or too long a run has no twin.

Programs that need a feature VisualNet lacks are `xfail(strict=True)` with the missing feature
as the reason, so the suite turns red the day it starts passing. The whole suite is `slow`
but for a fast sample that stays in the default run.
"""

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

HERE = Path(__file__).parent / "tutorials"
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "resources" / "datasets"

# The tutorials leave the seed unset, as Keras's do; the test seeds the run from outside (the
# script stays verbatim) so that its accuracy bound holds on every run, not on most.
SEEDED = ("import runpy, sys; import visualnet.utils; visualnet.utils.set_random_seed(0); "
          "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')")
# Real Keras cannot download MNIST here: its twin reads the same shipped 8,000/2,000 split.
KERAS_SEEDED = ("import os, runpy, sys; os.environ['KERAS_BACKEND'] = 'torch'; import keras; "
                "import visualnet.datasets.mnist as vm; keras.datasets.mnist.load_data = vm.load_data; "
                "keras.utils.set_random_seed(0); sys.argv = sys.argv[1:]; "
                "runpy.run_path(sys.argv[0], run_name='__main__')")


@pytest.fixture(autouse=True)
def shipped_mnist_only(monkeypatch, tmp_path):
    """The 8,000/2,000 split of the shipped digits, even where a full MNIST is installed
    (Keras's cache or VISUALNET_MNIST_DIR), as in test_mnist_real."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("VISUALNET_MNIST_DIR", raising=False)


# VisualNet's gradient helper is the one import a custom train_step's program changes (TensorFlow's
# GradientTape in the Keras guides); the Keras twin (torch backend) gets that API over torch autograd.
TAPE_TWIN = {"from keras.gradients import GradientTape": "from tests.engine.keras_torch_tape import GradientTape"}


def run(script, *args, keras_twin_dir: Path | None = None, twin_replace: dict | None = None) -> str:
    """The program's stdout (VisualNet, or its Keras twin written into `keras_twin_dir`, with the
    lines of `twin_replace` replaced after renaming the imports)."""
    path = HERE / script
    prelude = SEEDED
    if keras_twin_dir is not None:
        path = keras_twin_dir / script
        text = (HERE / script).read_text().replace("visualnet", "keras")
        for old, new in (twin_replace or {}).items():
            text = text.replace(old, new)
        path.write_text(text)
        prelude = KERAS_SEEDED
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"}
    done = subprocess.run([sys.executable, "-c", prelude, str(path), *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout if keras_twin_dir is None else without_progress_bars(done.stdout)


def without_progress_bars(out: str) -> str:
    """Keras's output without its progress bars' frames (predict's bar at verbose="auto" shares a
    line with what a callback prints next; VisualNet's predict prints no bar)."""
    out = re.sub(r"\r?\x1b\[1m\d+/\d+\x1b\[0m [^\n]*?/step(?: - \w+: [^\n\r\x08]*)?", "", out)
    return out.replace("\b", "")


def value(out: str, prefix: str) -> float:
    """The last number on the first line that starts with `prefix`."""
    line = next(l for l in out.splitlines() if l.startswith(prefix))
    return float(re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", line)[-1])


def line(out: str, prefix: str) -> str:
    return next(l for l in out.splitlines() if l.startswith(prefix))


def facts(out: str) -> list[str]:
    """The printed lines but progress bars and summary tables (their widths follow the terminal)."""
    return [l for l in out.splitlines() if l.strip() and l[0] not in "┏┃┡│├└" and "━" not in l
            and not l.startswith("Epoch ") and not re.match(r"\d+/(\d+|Unknown) ", l)]


def numbers(out: str, prefixes) -> list[float]:
    return [float(n) for l in out.splitlines() if l.startswith(tuple(prefixes))
            for n in re.findall(r"-?\d+\.\d+", l)]


def has(*texts):
    def check(out):
        for text in texts:
            assert text in out, f"missing {text!r}"
    return check


def above(prefix, bound):
    def check(out):
        assert value(out, prefix) > bound, line(out, prefix)
    return check


def below(prefix, bound):
    def check(out):
        assert value(out, prefix) < bound, line(out, prefix)
    return check


def lines_with(text, n):
    def check(out):
        assert sum(text in l for l in out.splitlines()) == n, out
    return check


def less(prefix, other, factor=1.0):
    """The value on the `prefix` line is below `factor` times the one on the `other` line."""
    def check(out):
        assert value(out, prefix) < factor * value(out, other), (line(out, prefix), line(out, other))
    return check


def decreasing(prefix):
    """The numbers on the `prefix` line (a loss per epoch) fall from first to last."""
    def check(out):
        values = [float(n) for n in re.findall(r"-?\d+\.\d+", line(out, prefix))]
        assert len(values) > 1 and values[-1] < values[0], line(out, prefix)
    return check


def same_facts(ours, theirs):
    assert facts(ours) == facts(theirs)


def same_lines(*prefixes):
    def compare(ours, theirs):
        for prefix in prefixes:
            assert [l for l in ours.splitlines() if l.startswith(prefix)] == \
                   [l for l in theirs.splitlines() if l.startswith(prefix)], prefix
    return compare


def close_numbers(prefixes, rtol=1e-4, atol=2e-6):
    def compare(ours, theirs):
        a, b = numbers(ours, prefixes), numbers(theirs, prefixes)
        assert len(a) == len(b) and a, (a, b)
        for x, y in zip(a, b):
            assert abs(x - y) <= atol + rtol * abs(y), (x, y)
    return compare


def within(prefix, tolerance):
    """A seeded result (accuracy, loss) within `tolerance` of Keras's."""
    def compare(ours, theirs):
        assert abs(value(ours, prefix) - value(theirs, prefix)) <= tolerance, (line(ours, prefix),
                                                                            line(theirs, prefix))
    return compare


@dataclass
class Program:
    script: str
    data: str | None = None                       # a file under resources/datasets, passed as argv[1]
    checks: list[Callable] = field(default_factory=list)
    twin: list[Callable] = field(default_factory=list)   # comparisons with the Keras twin's output
    fast: bool = False                            # in the default (not slow) run
    xfail: str | None = None                      # the missing feature, exactly
    twin_xfail: str | None = None                 # the twin's own difference, where it has one
    twin_replace: dict | None = None              # lines the twin replaces (after visualnet -> keras)



PROGRAMS = [
    Program("mnist_convnet.py", checks=[has("x_train shape: (8000, 28, 28, 1)", 'Model: "sequential',
                                            "Total params: 34,826"), above("Test accuracy:", 0.9)]),
    Program("pima_first_network.py", "uci/pima-indians-diabetes.csv",
            # The tutorial reports "around 77%"; over 40 seeds the 150 epochs gave 71.0-80.7%.
            checks=[above("Accuracy:", 70), lines_with("=>", 5)]),
    Program("functional_api.py", checks=[has('Model: "mnist_model"', "Total params: 55,050"),
                                         above("Test accuracy:", 0.85)],
            twin=[same_lines('Model: "mnist_model"', " Total params"), within("Test accuracy:", 0.03)]),
    Program("sequential_guide.py", fast=True,
            checks=[has("y shape: (3, 4)", "Layers after pop: 2", "Weights before build: []",
                        "Weights after build: 2", "Number of weights after calling the model: 6",
                        "Layers with an Input: 1", "(None, 40, 40, 32)", "(None, 4, 4, 32)",
                        "Output shape: (None, 10)",
                        "Feature shapes: [(1, 123, 123, 32), (1, 121, 121, 32), (1, 119, 119, 32)]",
                        "Intermediate feature shape: (1, 121, 121, 32)",
                        "Trainable weights after freezing: 2", "Non-trainable weights after freezing: 6")],
            twin=[same_facts]),
    Program("mnist_mlp.py", checks=[has("Total params: 669,706"), above("Test accuracy:", 0.93)],
            twin=[same_lines(" Total params", " Trainable params"), within("Test accuracy:", 0.03)]),
    Program("functional_multi_io.py",
            checks=[has("Total params: 1,392,097", "History keys: ['department_loss', 'loss', 'priority_loss']",
                        "Prediction shapes: [('department', (320, 4)), ('priority', (320, 1))]")],
            twin=[same_lines(" Total params", "History keys", "Prediction shapes")]),
    Program("functional_shared_layers.py",
            checks=[has('Model: "toy_resnet"', "Total params: 223,242", "Shared embedding weights: 1",
                        "Shared embedding outputs equal: True", "Extracted features: 15 (3, 10)",
                        "Ensemble output shape: (2, 1)")],
            twin=[same_lines(" Total params", "History keys", "Shared", "Extracted", "Ensemble")],
),
    Program("training_evaluation.py",
            checks=[has("History keys: ['loss', 'sparse_categorical_accuracy', 'val_loss', "
                        "'val_sparse_categorical_accuracy']", "predictions shape: (3, 10)",
                        "Evaluate dict keys: ['loss', 'sparse_categorical_accuracy']"),
                    above("Test accuracy:", 0.9)],
            twin=[same_lines("History keys", "predictions shape", "Evaluate dict keys"),
                  within("Test accuracy:", 0.03)]),
    Program("class_sample_weight.py",
            checks=[above("Class weight test accuracy:", 0.9), above("Class weight recall of 5:", 0.85),
                    above("Sample weight test accuracy:", 0.9)],
            twin=[within("Class weight test accuracy:", 0.03), within("Sample weight test accuracy:", 0.03)]),
    Program("callbacks_builtin.py",
            checks=[has("Checkpoints: ['mymodel_1.keras', 'mymodel_2.keras']", "Restoring from mymodel_2.keras",
                        "Learning rates: [0.001, 0.001, 0.0005]"), above("Restored accuracy:", 0.7)],
            twin=[same_lines("Checkpoints", "Restoring from", "Learning rates"),
                  within("Restored accuracy:", 0.08)]),
    Program("callbacks_csv_lr.py", fast=True,
            checks=[has("Initial learning rate: 0.01", "Epochs run: 5", "Final learning rate: 0.00741",
                        "CSV header: ['epoch', 'accuracy', 'loss', 'val_accuracy', 'val_loss']",
                        "CSV epochs: ['0', '1', '2']", "CSV lines after append: 5")],
            twin=[same_facts]),
    Program("custom_callback.py",
            checks=[has("Stop training; got log keys: ['loss', 'mean_absolute_error', 'val_loss', "
                        "'val_mean_absolute_error']", "Start predicting; got log keys: []",
                        "...Predicting: end of batch 1; got log keys: ['outputs']",
                        "Epoch 3: Learning rate is 0.0050.")],
            twin=[same_lines("...", "Start", "Stop", "End")]),
    Program("lr_schedule.py",
            checks=[has("ExponentialDecay(0), (100000), (250000): [0.1, 0.096, 0.09216]", "Iterations: 64",
                        "Schedule config: ['decay_rate', 'decay_steps', 'initial_learning_rate', 'name', "
                        "'staircase']"), above("Test accuracy:", 0.75)],
            twin=[same_lines("ExponentialDecay", "Smooth", "Piecewise", "Cosine", "Inverse", "Polynomial",
                             "Schedule config", "Iterations", "Learning rate after training"),
                  within("Test accuracy:", 0.08)]),
    Program("save_load.py", fast=True,
            checks=[has("Reloaded .keras predictions match", "Reloaded optimizer: Adam",
                        "Sequential from_config layers: ['Dense']",
                        "Functional from_config layers: ['InputLayer', 'Dense']",
                        "model_from_json output shape: (None, 1)", "Layer weights copied: True",
                        "Reloaded .weights.h5 predictions match", "Reloaded .h5 predictions match")],
            twin=[same_facts]),
    Program("transfer_learning.py",
            checks=[has("Frozen layer unchanged by fit", "Recursive freeze ok",
                        "Frozen BatchNormalization moving mean unchanged: True"),
                    above("Transfer accuracy:", 0.8), above("Fine-tuned accuracy:", 0.8)],
            twin=[same_lines("weights", "trainable", "non_trainable", "Frozen", "Fine-tuned Batch"),
                  within("Transfer accuracy:", 0.1)]),
    Program("iris_multiclass.py", "uci/iris.csv",
            checks=[has("Classes: ['Iris-setosa', 'Iris-versicolor', 'Iris-virginica']"), above("Accuracy:", 90)]),
    Program("wheat_seeds_normalization.py", "uci/wheat-seeds.csv",
            checks=[has("Total params: 194", "Non-trainable params: 15"), above("Test accuracy:", 0.85)],
            twin=[same_lines("Normalization mean", " Total params", " Trainable params", " Non-trainable params"),
                  within("Test accuracy:", 0.06)]),
    Program("abalone_regression.py", "uci/abalone.csv",
            checks=[has("Normalized first example shape: (1, 10)", "Trainable params: 4,929",
                        "History keys: ['loss', 'val_loss']", "Prediction shape: (836,)"),
                    less("Test MAE:", "Baseline MAE:", 0.75)]),
    Program("sonar_binary.py", "uci/sonar.csv", checks=[above("Accuracy:", 75)]),
    # StringLookup, IntegerLookup, CategoryEncoding, Discretization on raw columns (issue 23); Keras's lookups
    # need TensorFlow, so no torch twin (on TensorFlow, with tf.data for the string arrays: 0.79-0.80)
    Program("structured_data_classification.py", "uci/abalone.csv",
            checks=[has("Using 3342 samples for training and 835 for validation", "Encoded widths: 4 4 11 4",
                        "Total params: 1,046", "Non-trainable params: 21",
                        "History keys: ['accuracy', 'loss', 'val_accuracy', 'val_loss']", "Prediction shape: (1, 1)"),
                    above("Validation accuracy:", 0.7)]),
    Program("text_classification_from_scratch.py", "text/review_polarity.tar.gz",
            checks=[has("Number of batches in raw_train_ds: 40", "Number of batches in raw_val_ds: 10",
                        "Number of batches in raw_test_ds: 13", "Vocabulary size: 5000"),
                    # 1,280 reviews and 3 epochs are too few to learn from, in Keras as well (the
                    # same model on the same arrays: 0.48-0.56 validation accuracy over 5 epochs)
                    above("Test accuracy:", 0.4), above("End-to-end accuracy:", 0.4)]),
    Program("bidirectional_lstm_text.py", "text/review_polarity.tar.gz",
            checks=[has("1600 Training sequences", "x_train shape: (1600, 80)", "Total params: 35,217"),
                    above("Validation accuracy:", 0.55)]),
    Program("timeseries_weather_forecasting.py", "timeseries/pollution.csv.gz",
            checks=[has("Input shape: (256, 72, 4)", "Target shape: (256, 1)", "Total params: 1,361",
                        "History keys: ['loss', 'val_loss']", "Prediction shape: (256, 1)"),
                    below("Final val_loss:", 0.5)]),
    Program("timeseries_univariate.py", "timeseries/daily-min-temperatures.csv",
            checks=[has("Window batch: (64, 14, 1) (64,)"),
                    less("Test MAE", "Persistence MAE")]),
    Program("timeseries_classification_conv1d.py", "sequences/IndoorMovement.zip",
            checks=[has("Classes: 2 x_train: (250, 129, 4)", "Total params: 7,074", "Non-trainable params: 192"),
                    has("Test accuracy", "Test loss")],
            # 250 series and early stopping make the outcome hang on the initial weights (seeded Keras:
            # 0.70, VisualNet: 0.50); from the same weights, with shuffle=False, the two give the same
            # losses to 1e-4 (as deterministic_fit's conv-bn model does)
            twin=[same_lines("Classes", " Total params", " Trainable params", " Non-trainable params")]),
    Program("conv_autoencoder.py",
            checks=[has("Total params: 28,353", "Reconstruction shape: (500, 28, 28, 1)"),
                    less("Final val_loss:", "First val_loss:")],
            twin=[same_lines(" Total params", "Reconstruction shape"), within("Final val_loss:", 0.05)]),
    Program("denoising_autoencoder.py",
            checks=[has("Total params: 28,353"),
                    less("Denoised MSE:", "Noisy MSE:")],
            twin=[same_lines(" Total params"), within("Denoised MSE:", 0.02)]),
    Program("image_augmentation.py",
            checks=[has("Augmented batch shape: (9, 28, 28, 1)", "Augmentation changed the images: True",
                        "Total params: 20,906", "Inference is deterministic: True")],
            # no twin: Keras (torch) takes ~9 minutes here; it printed the same lines, augmentation
            # changing the images, and the same test accuracy (0.115 after 2 epochs)
            ),
    Program("pydataset_training.py",
            checks=[has("Batches per epoch: 32", "on_epoch_end calls: 3", "Predictions shape: (500, 10)",
                        "Inputs-only predictions shape: (30, 10)"), above("Validation accuracy:", 0.75)],
            twin=[same_lines("Batches", "History keys", "on_epoch_end", "Predictions", "Inputs-only"),
                  within("Validation accuracy:", 0.05)]),
    Program("generator_training.py",
            checks=[has("History keys: ['accuracy', 'loss', 'val_accuracy', 'val_loss']", "Epochs: 3",
                        "Generator predict shape: (250, 10)", "Finite generator loss: True"),
                    above("Test accuracy:", 0.85)],
            twin=[same_lines("History keys", "Epochs", "Generator predict", "Finite"),
                  within("Test accuracy:", 0.05)]),
    Program("train_on_batch_loop.py", fast=True,
            checks=[has("test_on_batch dict: ['accuracy', 'loss']"), below("Adam step 5 loss:", 5)],
            twin=[same_lines("test_on_batch dict"),
                  close_numbers(("SGD", "test_on_batch:", "predict_on_batch", "Adam", "RMSprop"))]),
    Program("model_summary.py",
            checks=[has("Total params: 34,826", "Counts: 673 5 2", "Total params: 114,954",
                        "Total params: 79,242", "Non-trainable params: 56")],
            twin=[same_lines(" Total params", " Trainable params", " Non-trainable params", "Counts", "==")]),
    Program("deterministic_fit.py",
            checks=[has("mlp-adam val_accuracy:", "conv-bn accuracy:", "lstm mae:")],
            twin=[close_numbers(("mlp-", "conv-bn", "lstm"))]),
    # Features other helpers are adding now: these are their acceptance tests.
    Program("regularizers_constraints.py", checks=[has("Layer losses: 3", "Config regularizer: L2")],
            twin=[same_lines("Layer losses", "Config regularizer"),
                  close_numbers(("Regularized losses", "Max kernel norm"))]),   # to float32 rounding
    Program("multi_head_attention.py",
            checks=[has("Output shape: (None, 8, 16)", "Scores shape: (None, 2, 8, 4)",
                        "History keys: ['accuracy', 'loss']")],
            twin=[same_lines("Output shape", " Total params", "History keys")]),
    Program("transformer_text_classification.py", "text/review_polarity.tar.gz",
            # 1,600 reviews and 2 epochs are near chance in Keras too (see text_classification_from_scratch);
            # the same blocks train as in Keras: test_custom_layers.py::test_transformer_blocks_train_as_in_keras
            checks=[has("Epoch 2/2"), above("Validation accuracy:", 0.45)]),
    Program("custom_layer_ops.py",
            checks=[has("Linear output shape: (2, 4)", "[2. 2.]", "[4. 4.]", "weights: 6",
                        "Config: {'units': 64}", "Loss decreased: True")],
            twin=[same_facts]),
    Program("custom_loss.py",
            checks=[has("Function loss epochs: 1", "Loss class epochs: 1",
                        "History keys: ['categorical_true_positives', 'loss']")],
            twin=[same_facts]),
    Program("subclassed_model.py",
            checks=[has("History keys: ['accuracy', 'loss']", "Prediction shape: (5, 3)", "Weights: 6",
                        "Custom test_step keys: ['loss', 'mae']")],
            twin=[same_lines("History keys", "Prediction shape", "Weights", "Custom test_step")]),
    # custom training steps, masks in user layers, subclassed models' configs (issue 23)
    Program("custom_train_step.py", fast=True,
            checks=[has("History keys: ['loss', 'mae']", "Weighted keys: ['loss', 'mae'] steps: 64",
                        "Evaluate keys: ['loss', 'mae']"), decreasing("Tracker losses:"),
                    decreasing("Weighted losses:")],
            twin=[same_lines("History keys", "Weighted keys", "Evaluate keys"),
                  close_numbers(("Tracker", "Weighted losses", "Evaluate values"), rtol=2e-3)],
            twin_replace=TAPE_TWIN),
    Program("gan_train_step.py",
            checks=[has("History keys: ['d_loss', 'g_loss']", "Generated radius mean:"), decreasing("g_loss:")],
            twin=[same_lines("History keys"), close_numbers(("d_loss", "g_loss", "Generated radius"), rtol=2e-3)],
            twin_replace=TAPE_TWIN),
    Program("masked_pooling_layer.py",
            checks=[has("Predictions:", "Trained predictions:"), decreasing("Losses:")],
            twin=[close_numbers(("Predictions", "Losses", "Trained predictions"), rtol=2e-3, atol=1e-4)]),
    Program("subclassed_config_save.py",
            checks=[has("Config keys: ['dtype', 'hidden_units', 'name', 'num_classes', 'trainable']",
                        "Without custom_objects: TypeError True", "Reloaded predictions match: True",
                        "Reloaded optimizer iterations: 14", "Trained on after reloading: 21",
                        "Clone: ScaledModel 4 2.0 True", "Clone has new weights: True", "clone_function refused: True")],
            twin=[same_facts]),
    Program("rnn_cells.py",   # issue 23: RNN(LSTMCell), a user cell, stacked cells
            checks=[has("Same predictions: True", "Minimal cell output shape: (None, 32)",
                        "Stacked cells output shape: (None, 64)", "Stacked cells weights: 6",
                        "RNN(LSTMCell) weights: ['lstm_cell/kernel', 'lstm_cell/recurrent_kernel', 'lstm_cell/bias']")],
            twin=[same_lines("Same predictions", "RNN(LSTMCell) weights", "Predicted result", "Minimal cell",
                             "Stacked cells output", "Stacked cells weights"),
                  close_numbers(("LSTM loss", "RNN(LSTMCell) loss", "Stacked cells losses"), rtol=2e-3)]),
    # Keras programs that still stopped or differed (issue 23, helper h3)
    Program("lstm_seq2seq.py", fast=True,
            checks=[has("History keys: ['accuracy', 'loss', 'val_accuracy', 'val_loss']",
                        "Layers: ['InputLayer', 'InputLayer', 'LSTM', 'LSTM', 'Dense']",
                        "Encoder model outputs: [(None, 24), (None, 24)]", "Decoder model inputs: 3 outputs: 3"),
                    decreasing("History loss:"), lines_with("Decoded sentence:", 3)],
            twin=[same_lines("History keys", "Layers", "Encoder model", "Decoder model", "Decoded sentence"),
                  close_numbers(("History", "Encoder states", "Decoded probabilities"))]),
    Program("masking_and_padding.py", fast=True,
            checks=[has("Embedding mask: [[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1]]",
                        "Second half mask: [[0, 0, 0], [1, 1, 0], [1, 1, 1]]", "Mask found: True (None, None)",
                        "TemporalSoftmax output shape: (32, 100, 1)", "Padding ignored: True")],
            twin=[same_facts]),
    Program("addition_rnn.py",
            checks=[has("Total questions: 2000", "(1800, 7, 12)", "(200, 4, 12)", "Total params: 14,476"),
                    lines_with("Iteration", 4), lines_with("Q ", 12)],
            twin=[same_lines(" Total params", "Q "), close_numbers(("History",))]),
    # the six confusion metrics' keys, sorted as Keras sorts them (seeded recall: Keras 0.69, VisualNet 1.0
    # of 13 frauds; initial weights and dropout draw differently)
    Program("imbalanced_classification.py",
            checks=[has("Number of positive samples in training data: 60 (1.88% of total)", "Total params: 139,777",
                        "History keys: ['fn', 'fp', 'loss', 'precision', 'recall', 'tn', 'tp', 'val_fn', 'val_fp', "
                        "'val_loss', 'val_precision', 'val_recall', 'val_tn', 'val_tp']",
                        "Validation confusion sums to: 800",
                        "Reloaded metrics: ['fn', 'fp', 'loss', 'precision', 'recall', 'tn', 'tp']"),
                    above("Validation recall:", 0.5)],
            twin=[same_lines(" Total params", "History keys", "Checkpoints", "Validation frauds", "Validation confusion",
                             "Reloaded metrics")]),
    Program("timeseries_anomaly_detection.py",
            checks=[has("Training input shape:  (1105, 48, 1)", "Total params: 9,505", "History keys: ['loss', 'val_loss']",
                        "Loss fell: True", "Anomalies inside the jump: True")],
            twin=[same_lines(" Total params", "Training input", "Test input", "History keys", "Anomalies inside"),
                  within("Reconstruction error threshold:", 0.1), within("Anomalous points:", 5)]),
    # ops.nn, Embedding on ids of any shape, and predict in Keras's batches for user code (its tensordot
    # sums over the batch)
    Program("pretrained_embeddings.py", fast=True,   # Constant(matrix), loss_weights on one output, Input(shape=())
            checks=[has("Converted 21 words (2 misses)", "Embedding weights equal the matrix: True",
                        "Trainable weights: 6", "Embedding unchanged: True",
                        "Scalar input shape: (None,) -> output shape: (None, 16)",
                        "Vector of 'cat' equals the matrix row: True"), decreasing("Losses:")],
            twin=[same_lines("Converted", "Embedding", "Trainable", "Scalar input", "Vector of"),
                  close_numbers(("Losses", "Predicted"), rtol=2e-3)]),
    Program("collaborative_filtering.py",
            checks=[has("History keys: ['loss', 'val_loss']", "Weights: [(80, 50), (80, 1), (60, 50), (60, 1)]"),
                    decreasing("History loss:"), lines_with("Top 5 movie recommendations:", 1)],
            twin=[same_lines("History keys", "Weights", "Top 5"),
                  close_numbers(("History", "Predicted ratings"))]),
]


def _params(twin: bool):
    out = []
    for p in PROGRAMS:
        if twin and not p.twin:
            continue
        marks = [] if p.fast and not twin else [pytest.mark.slow]
        reason = p.xfail or (p.twin_xfail if twin else None)
        if reason:
            marks.append(pytest.mark.xfail(strict=True, reason=reason))
        out.append(pytest.param(p, id=p.script[:-3], marks=marks))
    return out


_outputs: dict[str, str | AssertionError] = {}


def _ours(p: Program) -> str:
    """A program's VisualNet output (or failure), run once per session for both tests."""
    if p.script not in _outputs:
        try:
            _outputs[p.script] = run(p.script, *([DATA / p.data] if p.data else []))
        except AssertionError as exc:
            _outputs[p.script] = exc
    if isinstance(_outputs[p.script], AssertionError):
        raise _outputs[p.script]
    return _outputs[p.script]


@pytest.mark.parametrize("program", _params(twin=False))
def test_tutorial(program):
    out = _ours(program)
    for check in program.checks:
        check(out)


@pytest.mark.oracle
@pytest.mark.parametrize("program", _params(twin=True))
def test_tutorial_matches_keras(program, tmp_path):
    pytest.importorskip("keras")
    pytest.importorskip("torch")
    ours = _ours(program)
    theirs = run(program.script, *([DATA / program.data] if program.data else []), keras_twin_dir=tmp_path,
                 twin_replace=program.twin_replace)
    for compare in program.twin:
        compare(ours, theirs)


def test_every_program_is_listed():
    assert sorted(p.script for p in PROGRAMS) == sorted(f.name for f in HERE.glob("*.py"))
    assert len(PROGRAMS) >= 30
