"""The sequence workloads of issue 22, VisualNet against PyTorch and Keras (torch backend):

  W5  movie reviews as 8,000 training windows of 100 word ids (2,000 test windows; the
      vocabulary: the 10,000 most frequent training words + padding and unknown),
      Embedding(10002, 64) -> LSTM(64) -> Dense(1, sigmoid), binary cross-entropy
  W6  daily minimum temperatures, lookback 30, horizon 1 (the first 80% of the windows
      train), Conv1D(32, 5, relu) -> LSTM(32) -> Dense(1), mean squared error

both with Adam (learning rate 1e-3) and batch 64. A window of W5 is 100 consecutive words
of one review (reviews cut into whole windows, in the builtin's fixed review order), with
that review's label; training windows come from the training reviews only.

    python -m benchmarks.sequences                          # W5 and W6, 3 repetitions
    python -m benchmarks.sequences -w W5 --reps 1 -p visualnet,torch
    python -m benchmarks.sequences --before                 # + VisualNet on its NumPy steps
    python -m benchmarks.sequences --baseline /tmp/old      # + VisualNet from another checkout
    python -m benchmarks.sequences --padding                # per-batch padding on the indoor movement set
    python -m benchmarks.sequences -w W5 --rnn gru          # GRU (nn.GRU) in place of LSTM

Each (repetition, peer) is one worker process (its peak RSS is its own); the peers take
turns, their order rotating by repetition, so a load change on the machine hits all alike.
A worker trains `--epochs` epochs (the first, JIT and tracing included, is not timed),
predicts the test windows three times and reports the median epoch and prediction, and
the prediction's CPU time (all the process's threads: a figure a busy machine moves less
than the wall time, though threads that spin while waiting count too). The
table gives the medians over the repetitions and VisualNet's ratios; only ratios of one
run mean anything.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
REVIEWS = ROOT / "resources" / "datasets" / "text" / "review_polarity.tar.gz"
TEMPERATURES = ROOT / "resources" / "datasets" / "timeseries" / "daily-min-temperatures.csv"
WORDS, WINDOW, TRAIN_WINDOWS, TEST_WINDOWS = 10_000, 100, 8_000, 2_000
LOOKBACK, HORIZON = 30, 1
BATCH, EMBED, UNITS, FILTERS, KERNEL, W6_UNITS = 64, 64, 64, 32, 5, 32
PEERS = ("visualnet", "torch", "keras")
RNNS = {"lstm": "LSTM", "gru": "GRU"}  # --rnn: the recurrent layer's class in Keras and in torch.nn
RNN = "lstm"
LABELS = {"visualnet": "VisualNet", "visualnet_numpy": "VisualNet, NumPy steps (before)", "torch": "PyTorch",
          "keras": "Keras (torch backend)", "visualnet_base": "VisualNet, baseline checkout"}


# ------------------------------------------------------------------------------ data

def review_windows() -> dict:
    """W5's windows: x (n, 100) word ids as float32 (ids < 10,002), y (n, 1) 0/1."""
    from visualnet.data.sequence_builtins import TRAIN_FRACTION, _ordered_reviews, build_vocabulary, encode, tokenize

    texts, labels = _ordered_reviews(REVIEWS)
    tokens = [tokenize(t) for t in texts]
    n_train = int(round(len(tokens) * TRAIN_FRACTION))
    vocabulary = build_vocabulary(tokens[:n_train], WORDS + 2)
    ids = encode(tokens, vocabulary)

    def cut(reviews, count):
        xs, ys = [], []
        for i in reviews:
            for s in range(0, len(ids[i]) - WINDOW + 1, WINDOW):
                xs.append(ids[i][s:s + WINDOW])
                ys.append(labels[i])
        if len(xs) < count:
            raise SystemExit(f"only {len(xs)} windows of {WINDOW} words, {count} wanted")
        return np.asarray(xs[:count], np.float32), np.asarray(ys[:count], np.float32)[:, None]

    x, y = cut(range(n_train), TRAIN_WINDOWS)
    xt, yt = cut(range(n_train, len(ids)), TEST_WINDOWS)
    return dict(x=x, y=y, xt=xt, yt=yt)


def temperature_windows() -> dict:
    """W6's windows, standardised with the training part's mean and deviation: x (n, 30, 1), y (n, 1)."""
    from visualnet.data.sequence_builtins import read_series, windows

    _, temps = read_series(TEMPERATURES, "Temp")
    x, y = windows(temps, LOOKBACK, HORIZON)
    n = int(len(x) * 0.8)
    mean, std = x[:n].mean(), x[:n].std()
    x, y = ((x - mean) / std).astype(np.float32), ((y - mean) / std).astype(np.float32)[:, None]
    return dict(x=x[:n], y=y[:n], xt=x[n:], yt=y[n:], std=np.float32(std))


# ----------------------------------------------------------------------------- peers

def keras_like(api, key):
    L = api.layers
    if key == "W5":
        layers = [L.Input((WINDOW,)), L.Embedding(WORDS + 2, EMBED), getattr(L, RNNS[RNN])(UNITS),
                  L.Dense(1, activation="sigmoid")]
        loss = "binary_crossentropy"
    else:
        layers = [L.Input((LOOKBACK, 1)), L.Conv1D(FILTERS, KERNEL, activation="relu"), getattr(L, RNNS[RNN])(W6_UNITS),
                  L.Dense(1)]
        loss = "mse"
    model = api.models.Sequential(layers)
    model.compile(optimizer=api.optimizers.Adam(learning_rate=1e-3), loss=loss)
    return model


class KerasLike:
    """fit/predict through the Keras API (VisualNet's or Keras's own)."""

    def __init__(self, api, key):
        api.utils.set_random_seed(0)
        self.api, self.model = api, keras_like(api, key)

    def epoch(self, x, y) -> float:
        t = time.perf_counter()
        self.model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=True, verbose=0)
        return time.perf_counter() - t

    def predict(self, x):
        return np.asarray(self.model.predict(x, batch_size=BATCH, verbose=0))


class Torch:
    """The same networks as idiomatic PyTorch (nn.LSTM or nn.GRU, its own initialisation), 2 threads."""

    def __init__(self, key):
        import torch
        from torch import nn

        torch.set_num_threads(2)
        torch.manual_seed(0)
        self.torch, self.key = torch, key

        rnn = getattr(nn, RNNS[RNN])

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                if key == "W5":
                    self.front = nn.Embedding(WORDS + 2, EMBED)
                    self.lstm = rnn(EMBED, UNITS, batch_first=True)
                    self.head = nn.Linear(UNITS, 1)
                else:
                    self.front = nn.Sequential(nn.Conv1d(1, FILTERS, KERNEL), nn.ReLU())
                    self.lstm = rnn(FILTERS, W6_UNITS, batch_first=True)
                    self.head = nn.Linear(W6_UNITS, 1)

            def forward(self, x):
                if key == "W5":
                    h = self.front(x)
                else:
                    h = self.front(x.transpose(1, 2)).transpose(1, 2)
                final = self.lstm(h)[1]  # LSTM: (h_n, c_n); GRU: h_n (layers, batch, units)
                return self.head((final[0] if RNN == "lstm" else final)[-1])

        self.model = Net()
        self.loss = nn.BCEWithLogitsLoss() if key == "W5" else nn.MSELoss()
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3)

    def _x(self, x):
        t = self.torch.from_numpy(x)
        return t.long() if self.key == "W5" else t

    def epoch(self, x, y) -> float:
        torch = self.torch
        t0 = time.perf_counter()
        X, Y = self._x(x), torch.from_numpy(y)
        perm = torch.randperm(len(X))
        self.model.train()
        for i in range(0, len(X), BATCH):
            idx = perm[i:i + BATCH]
            self.opt.zero_grad(set_to_none=True)
            loss = self.loss(self.model(X[idx]), Y[idx])
            loss.backward()
            self.opt.step()
            loss.item()
        return time.perf_counter() - t0

    def predict(self, x):
        torch = self.torch
        X = self._x(x)
        self.model.eval()
        with torch.no_grad():
            out = torch.cat([self.model(X[i:i + BATCH]) for i in range(0, len(X), BATCH)])
        return (torch.sigmoid(out) if self.key == "W5" else out).numpy()


def make_peer(peer, key):
    if peer == "torch":
        return Torch(key)
    if peer == "keras":
        import keras

        return KerasLike(keras, key)
    import visualnet
    from visualnet.engine.layers.recurrent import _Recurrent

    _Recurrent.kernels = peer == "visualnet"
    return KerasLike(visualnet, key)


def worker(peer, key, data_path, epochs) -> dict:
    d = dict(np.load(data_path))
    model = make_peer(peer, key)
    times = [model.epoch(d["x"], d["y"]) for _ in range(epochs)]
    predictions, cpu = [], []
    for _ in range(3):
        t, c = time.perf_counter(), time.process_time()
        p = model.predict(d["xt"])
        predictions.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    p = np.asarray(p, np.float64).reshape(-1, 1)
    quality = float(((p > 0.5) == (d["yt"] > 0.5)).mean() * 100) if key == "W5" \
        else float(np.abs(p - d["yt"]).mean() * d["std"])
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    return dict(train=len(d["x"]) / statistics.median(times[1:]), infer=len(d["xt"]) / statistics.median(predictions),
                infer_cpu=1000 * statistics.median(cpu) * 1000 / len(d["xt"]), rss=rss, first=times[0],
                quality=quality)


# ------------------------------------------------------------------- per-batch padding

def padding_run(epochs: int, log) -> str:
    """The indoor movement set (314 sequences of 19-129 steps, 80% trained), Masking ->
    LSTM(32) -> Dense(1, sigmoid), Adam, batch 32, shuffled: epochs padded to the set's
    longest against epochs cut per batch (length buckets), two sessions in this process
    taking turns epoch by epoch (the first of each untimed); the median epoch of each."""
    import visualnet
    from visualnet import data, layers
    from visualnet.data.sequence_sets import batch_padding
    from visualnet.engine.run_config import TrainingConfig
    from visualnet.engine.session import TrainingSession
    from visualnet.resources import resource_path

    source = {"type": "sequence_files", "path": str(resource_path("datasets", "sequences", "IndoorMovement.zip")),
              "options": {"targets": "dataset/MovementAAL_target.csv", "pattern": "dataset/MovementAAL_RSS_*.csv",
                          "pad_per_batch": True}}
    prepared = data.prepare(data.Recipe(source, split={"test": 0.2, "seed": 0}))
    x, y = prepared.train
    padding = batch_padding(source, prepared.dataset.x[prepared.train.indices])
    sessions = {}
    for way, per_batch in (("padded to the longest", None), ("per batch", padding)):
        visualnet.utils.set_random_seed(0)
        model = visualnet.Sequential([layers.Input(x.shape[1:]), layers.Masking(0.0), layers.LSTM(32),
                                      layers.Dense(1, activation="sigmoid")])
        config = TrainingConfig(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"], batch_size=32,
                                epochs=epochs, shuffle=True, seed=0, track_every=0)
        sessions[way] = (TrainingSession(model, x, y, config, batch_padding=per_batch), [])
    for epoch in range(epochs):
        for way, (session, times) in sessions.items():
            t = time.perf_counter()
            session.run_epoch()
            times.append(time.perf_counter() - t)
            print(f"epoch {epoch + 1} {way}: {len(x) / times[-1]:,.0f} samples/s (load {os.getloadavg()[0]:.2f})",
                  file=log, flush=True)
    rates = {way: len(x) / statistics.median(times[1:]) for way, (_, times) in sessions.items()}
    order = padding.epoch_order(np.random.default_rng(0), 32)
    cut = [padding.lengths[order[i:i + 32]].max() for i in range(0, len(order), 32)]
    mean_steps = {"padded to the longest": x.shape[1], "per batch": float(np.mean(cut))}
    lines = ["| padding | train samples/s ↑ | steps per batch (mean) | final loss |", "|---|---|---|---|"]
    for way, (session, _) in sessions.items():
        lines.append(f"| {way} | {rates[way]:,.0f} | {mean_steps[way]:.1f} | "
                     f"{session.history.to_dict()['epoch']['loss'][-1]:.4f} |")
    ratio = rates["per batch"] / rates["padded to the longest"]
    return "\n".join(lines) + f"\n\nper batch / padded to the longest: {ratio:.2f}x ({len(x)} training sequences, " \
        f"{epochs - 1} timed epochs each, medians)"


# ------------------------------------------------------------------------ orchestrator

def run(keys, peers, reps, epochs, log, baseline=None) -> dict:
    """Each (repetition, peer) in its own worker process; "visualnet_base" is VisualNet's
    worker run in the `baseline` checkout (its own code, this run's data)."""
    results = {k: {p: [] for p in peers} for k in keys}
    with tempfile.TemporaryDirectory() as folder:
        for key in keys:
            path = Path(folder) / f"{key}.npz"
            np.savez(path, **(review_windows() if key == "W5" else temperature_windows()))
            for rep in range(reps):
                turn = peers[rep % len(peers):] + peers[:rep % len(peers)]
                for peer in turn:
                    env = dict(os.environ, KERAS_BACKEND="torch", PYTHONWARNINGS="ignore", TF_CPP_MIN_LOG_LEVEL="3")
                    base = peer == "visualnet_base"
                    rnn = [] if RNN == "lstm" else ["--rnn", RNN]  # a baseline without --rnn fails, loudly
                    out = subprocess.run([sys.executable, "-m", "benchmarks.sequences", *rnn, "--worker",
                                          "visualnet" if base else peer, key, str(path), str(epochs)],
                                         cwd=baseline if base else ROOT, env=env, capture_output=True, text=True)
                    if out.returncode:
                        raise SystemExit(f"{peer} on {key} failed:\n{out.stderr[-3000:]}")
                    r = json.loads(out.stdout.strip().splitlines()[-1])
                    results[key][peer].append(r)
                    print(f"{key} rep {rep + 1} {LABELS[peer]}: {r}  (load {os.getloadavg()[0]:.2f})", file=log,
                          flush=True)
    return results


MEASURES = (("train", "train samples/s ↑", "{:,.0f}"), ("infer", "inference samples/s ↑", "{:,.0f}"),
            ("infer_cpu", "inference CPU ms per 1,000 samples ↓ (all threads, spinning included)", "{:,.1f}"),
            ("rss", "peak RSS MB ↓", "{:,.0f}"), ("first", "first epoch s (JIT incl.) ↓", "{:.2f}"),
            ("quality", None, "{:.2f}"))


def table(results, peers) -> str:
    others = [p for p in peers if p != "visualnet"]
    head = ["workload", "measure", *(LABELS[p] for p in peers), *(f"VN / {LABELS[p]}" for p in others)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key, by_peer in results.items():
        for m, label, fmt in MEASURES:
            if label is None:
                label = "test accuracy % (ratio: points)" if key == "W5" else "test MAE °C ↓"
            med = {p: statistics.median(r.get(m, float("nan")) for r in by_peer[p]) for p in peers}
            cells = [fmt.format(med[p]) for p in peers]
            if "visualnet" in peers:
                for p in others:
                    if m == "quality" and key == "W5":
                        cells.append(f"{med['visualnet'] - med[p]:+.2f}")
                    else:
                        cells.append(f"{med['visualnet'] / med[p]:.2f}x")
            lines.append(f"| {key} | {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-w", "--workloads", default="W5,W6")
    ap.add_argument("-p", "--peers", default=",".join(PEERS))
    ap.add_argument("--before", action="store_true", help="also VisualNet with its NumPy steps")
    ap.add_argument("--baseline", metavar="DIR", help="also VisualNet as in another checkout (a copy of the "
                    "repository at an earlier commit), run side by side")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=3, help="per worker; the first is not timed")
    ap.add_argument("--padding", action="store_true", help="per-batch padding on the indoor movement set instead")
    ap.add_argument("--rnn", choices=sorted(RNNS), default="lstm", help="W5's and W6's recurrent layer")
    ap.add_argument("--worker", nargs=4, metavar=("PEER", "KEY", "DATA", "EPOCHS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    global RNN
    RNN = args.rnn
    if args.worker:
        peer, key, data, epochs = args.worker
        print(json.dumps(worker(peer, key, data, int(epochs))))
        return
    if args.epochs < 2:
        ap.error("--epochs must be at least 2 (the first is not timed)")
    if args.padding:
        started = time.strftime("%H:%M", time.gmtime())
        result = padding_run(args.epochs, sys.stderr)
        print(f"Command: `python -m benchmarks.sequences {' '.join(sys.argv[1:])}` ({started}-"
              f"{time.strftime('%H:%M', time.gmtime())} UTC, load average {os.getloadavg()[0]:.2f} at the end)\n")
        print(result)
        return
    peers = args.peers.split(",") + (["visualnet_numpy"] if args.before else []) \
        + (["visualnet_base"] if args.baseline else [])
    keys = args.workloads.split(",")
    started, load0 = time.strftime("%H:%M", time.gmtime()), os.getloadavg()
    results = run(keys, peers, args.reps, args.epochs, sys.stderr, args.baseline)
    load1 = os.getloadavg()
    print(f"Command: `python -m benchmarks.sequences {' '.join(sys.argv[1:])}` ({started}-"
          f"{time.strftime('%H:%M', time.gmtime())} UTC, load average {load0[0]:.2f} at the start, "
          f"{load1[0]:.2f} / {load1[1]:.2f} / {load1[2]:.2f} (1/5/15 min) at the end; medians of {args.reps} "
          f"repetitions, {args.epochs - 1} timed epochs each)\n")
    print(table(results, peers))


if __name__ == "__main__":
    main()
