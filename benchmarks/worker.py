"""One peer on one workload, in its own process (so its peak RSS is its own), driven by
`benchmarks.run` through JSON lines: commands on stdin, events on the original stdout.

Commands: {"cmd": "train", "epochs": E} (then one "continue" after each epoch but the
last), {"cmd": "predict"}, {"cmd": "gil"}, {"cmd": "rss"}, {"cmd": "quit"}.
Library output is sent to stderr so that it cannot corrupt the protocol.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import threading
import time

import numpy as np

from .peers import PEERS
from .workloads import WORKLOADS


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def tick_gaps(work, period: float = 0.01) -> float:
    """Run `work()` in a background thread while this thread ticks every `period`
    seconds; return the longest gap between two ticks (seconds). A GIL held by the
    worker for long shows here exactly as it would stall a GUI timer."""
    done = threading.Event()
    error = []

    def run():
        try:
            work()
        except BaseException as exc:  # reported, not swallowed
            error.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=run, daemon=True)
    prev = time.perf_counter()
    thread.start()
    worst = 0.0
    while not done.is_set():
        time.sleep(period)
        now = time.perf_counter()
        worst = max(worst, now - prev)
        prev = now
    thread.join()
    if error:
        raise error[0]
    return worst


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--peer", required=True, choices=sorted(PEERS))
    ap.add_argument("--workload", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--train-samples", type=int, default=0)
    args = ap.parse_args(argv)

    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)

    def reply(**event):
        out.write(json.dumps(event) + "\n")

    def command():
        line = sys.stdin.readline()
        return json.loads(line) if line else {"cmd": "quit"}

    t0 = time.perf_counter()
    w = WORKLOADS[args.workload]
    data = np.load(args.data)
    x, y, xt, labels_t = data["x"], data["y"], data["xt"], data["tlabels"]
    if args.train_samples:
        x, y = x[:args.train_samples], y[:args.train_samples]
    peer = PEERS[args.peer](w, args.seed)
    reply(event="ready", label=peer.label, version=peer.version, setup_s=time.perf_counter() - t0,
          rss_mb=_rss_mb(), n_train=len(x), n_test=len(xt))

    def accuracy(scores):
        pred = (scores[:, 0] > 0.5).astype(np.int64) if scores.shape[1] == 1 else scores.argmax(1)
        return float((pred == labels_t).mean())

    while True:
        cmd = command()
        name = cmd["cmd"]
        if name == "train":
            epochs = cmd["epochs"]

            def on_epoch_end(epoch, seconds):
                reply(event="epoch", epoch=epoch, seconds=seconds)
                if epoch < epochs - 1:
                    command()  # "continue": the other peers have had their turn

            peer.train(x, y, epochs, on_epoch_end)
            reply(event="trained")
        elif name == "predict":
            t = time.perf_counter()
            scores = peer.predict(xt)
            reply(event="predicted", seconds=time.perf_counter() - t, accuracy=accuracy(scores))
        elif name == "accuracy":  # the timed model's accuracy plus fresh models' from further seeds
            accs = [accuracy(peer.predict(xt))]
            for k in range(1, cmd["seeds"]):
                other = PEERS[args.peer](w, args.seed + k)
                other.train(x, y, cmd["epochs"], lambda *_: None)
                accs.append(accuracy(other.predict(xt)))
            reply(event="accuracy", accuracy=float(np.mean(accs)), each=accs)
        elif name == "gil":
            worst = tick_gaps(lambda: peer.train(x, y, 1, lambda *_: None))
            reply(event="gil", max_gap_s=worst)
        elif name == "rss":
            reply(event="rss", peak_mb=_peak_rss_mb(), rss_mb=_rss_mb())
        else:
            reply(event="bye")
            return


if __name__ == "__main__":
    main()
