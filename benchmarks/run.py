"""VisualNet against PyTorch and Keras on the issue-3 workloads, side by side, in one run.

    python -m benchmarks.run                      # everything (about 35 minutes)
    python -m benchmarks.run --quick              # fewer epochs, a quarter of the samples
    python -m benchmarks.run -w W1,W3 -p visualnet,torch --epochs 3
    python -m benchmarks.sequences                # the LSTM workloads W5 and W6 (issue 22): sequences.py

Each (workload, peer) runs in its own worker process, so its peak RSS is its own. The
peers of one workload run at the same time but take turns, epoch by epoch and
prediction by prediction (a short pause between turns lets thread pools go idle), so a
load change on the machine hits all of them alike; only the ratios of one run mean
anything. Training speed is the median over the epochs after the first; the first
epoch's time (JIT compilation and tracing included) is reported on its own.
The machine's float32 matrix-multiply peak is the best rate of NumPy's BLAS and of
VisualNet's own register tiles (kernels.gemm, split over the cores as its layers split them)
over 512^3, 1024^3 and 2048^3 products, measured before, between and after the
workloads; each peer's fraction of it counts the matrix FLOPs a framework must do (see
workloads.flops). The CPU time other processes used during each
workload is reported: a busy machine makes the numbers noise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .peers import keras_backend_env, quiet_env
from .workloads import ROOT, WORKLOADS, flops, prepare

HERE = Path(__file__).resolve().parent
DEFAULT_MD = HERE / "RESULTS.md"
KEPT_SECTION = "## Runtime measurements quoted from module docstrings"  # survives a rewrite of the file
PAUSE = 0.15  # seconds between two peers' turns: spinning BLAS/OpenMP threads go to sleep
QUIET = 0.10  # an epoch during which other processes used more of the machine than this is "busy"
ORDER = ("visualnet", "torch", "keras")


# --------------------------------------------------------------------------- machine

PEAK_CODE = """
import sys, time
lib = sys.argv[1]
rates = [0.0]
for n in (512, 1024, 2048):
    reps = max(4, int(2e10 / n ** 3))
    if lib == "torch":
        import torch
        torch.set_num_threads(2)
        a, b = torch.randn(n, n), torch.randn(n, n)
        mm = lambda: torch.mm(a, b)
    else:
        import numpy as np
        rng = np.random.default_rng(0)
        a = rng.standard_normal((n, n), dtype=np.float32)
        b = rng.standard_normal((n, n), dtype=np.float32)
        c = np.empty((n, n), np.float32)
        if lib == "visualnet":
            from visualnet.engine.kernels import gemm
            from visualnet.engine.runtime.split import layer_parallel, parts_available, split
            if not gemm.AVAILABLE:
                break
            def mm():
                with layer_parallel():
                    split(n, lambda lo, hi, i: gemm.matmul(a[None, lo:hi], b[None], c[None, lo:hi]), parts_available())
        else:
            mm = lambda: np.matmul(a, b, out=c)
    mm()
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        mm()
        best = min(best, time.perf_counter() - t)
    rates.append(2.0 * n ** 3 / best / 1e9)
print(max(rates))
"""
PEAK_LIBS = ("numpy", "visualnet")  # the machine's peak: the best of these


def _mean_se(values) -> str:
    """'mean ± standard error' of accuracies (fractions) in percent."""
    a = 100 * np.asarray(values, dtype=float)
    se = a.std(ddof=1) / np.sqrt(len(a)) if len(a) > 1 else float("nan")
    return f"{a.mean():.2f} ± {se:.2f}"


def sgemm_peak(env, lib: str = "numpy") -> float | None:
    """Best float32 GEMM rate (GFLOP/s) of NumPy's BLAS, VisualNet's kernels.gemm or torch.mm
    over 512^3-2048^3 products, in a fresh process with the workers' environment, so it
    uses the kernels the workers use (None if it fails, 0 where kernels.gemm does not apply)."""
    try:
        out = subprocess.run([sys.executable, "-c", PEAK_CODE, lib], env=env, capture_output=True, text=True,
                             timeout=300, check=True, cwd=ROOT).stdout
        return float(out.strip().splitlines()[-1])
    except (subprocess.SubprocessError, ValueError, IndexError):
        return None


def machine_peak(env, best: dict | None = None) -> dict:
    """{lib: best rate so far} for PEAK_LIBS, updated from `best`."""
    rates = dict(best or {})
    for lib in PEAK_LIBS:
        rates[lib] = max(rates.get(lib, 0.0), sgemm_peak(env, lib) or 0.0)
    return rates


class CpuMeter:
    """CPU seconds spent by processes other than this one, its waited children and the
    live workers `pids` (read from /proc)."""

    def __init__(self, pids=()):
        self.tick = os.sysconf("SC_CLK_TCK")
        self.pids = list(pids)
        self.start()

    def _busy(self) -> float:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return (sum(v) - v[3] - v[4]) / self.tick  # all but idle and iowait

    def _ours(self) -> float:
        t = os.times()
        total = t.user + t.system + t.children_user + t.children_system
        for pid in self.pids:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / self.tick  # utime, stime
            except (OSError, IndexError, ValueError):
                pass
        return total

    def start(self):
        self.t0, self.busy0, self.ours0 = time.perf_counter(), self._busy(), self._ours()

    def foreign_share(self) -> float:
        """Share of the machine's CPUs used by others since start() (0..1); 0 for spans
        under 0.25 s, which the kernel's 10 ms accounting ticks cannot resolve."""
        wall = time.perf_counter() - self.t0
        if wall < 0.25:
            return 0.0
        other = (self._busy() - self.busy0) - (self._ours() - self.ours0)
        return max(other, 0.0) / (wall * (os.cpu_count() or 1)) if wall > 0 else 0.0


# --------------------------------------------------------------------------- workers

class Worker:
    def __init__(self, peer, wkey, data_path, seed, train_samples, env, log):
        cmd = [sys.executable, "-m", "benchmarks.worker", "--peer", peer, "--workload", wkey,
               "--data", str(data_path), "--seed", str(seed), "--train-samples", str(train_samples)]
        self.peer = peer
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                     text=True, bufsize=1, cwd=str(HERE.parent), env=env)
        self.info = self.expect("ready")

    def send(self, **cmd):
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def expect(self, event):
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.peer} worker died (see the log); waiting for '{event}'")
        msg = json.loads(line)
        if msg.get("event") != event:
            raise RuntimeError(f"{self.peer} worker sent {msg}, expected '{event}'")
        return msg

    def close(self):
        try:
            self.send(cmd="quit")
            self.expect("bye")
        except (RuntimeError, BrokenPipeError, ValueError):
            pass
        self.proc.wait(timeout=60)


def run_workload(wkey, peers, data_path, args, env_for, log, say):
    w = WORKLOADS[wkey]
    epochs = max(2, args.epochs or (max(2, w.epochs // 2) if args.quick else w.epochs))
    workers = []
    for p in peers:
        try:
            workers.append(Worker(p, wkey, data_path, args.seed, args.train_samples, env_for(p), log))
        except RuntimeError as exc:
            say(f"  {p}: could not start ({exc})")
    res = {wk.peer: {"label": wk.info["label"], "version": wk.info["version"], "epochs": [], "foreign": [],
                     "predict": [], "predict_foreign": []} for wk in workers}
    turn_meter = CpuMeter([wk.proc.pid for wk in workers])
    n_train, n_test = (workers[0].info["n_train"], workers[0].info["n_test"]) if workers else (0, 0)
    for e in range(epochs):
        turn = workers[e % len(workers):] + workers[:e % len(workers)]  # rotate who goes first
        for wk in turn:
            time.sleep(PAUSE)
            turn_meter.start()
            wk.send(cmd="train" if e == 0 else "continue", epochs=epochs)
            res[wk.peer]["epochs"].append(wk.expect("epoch")["seconds"])
            res[wk.peer]["foreign"].append(turn_meter.foreign_share())
            if e == epochs - 1:
                wk.expect("trained")
        say(f"  epoch {e + 1}/{epochs}: " + ", ".join(
            f"{wk.peer} {n_train / res[wk.peer]['epochs'][-1]:,.0f}/s"
            + (f" (others {100 * res[wk.peer]['foreign'][-1]:.0f}%)" if res[wk.peer]['foreign'][-1] > QUIET else "")
            for wk in workers))
    for r in range(args.predict_reps):
        for wk in workers:
            time.sleep(PAUSE)
            turn_meter.start()
            wk.send(cmd="predict")
            msg = wk.expect("predicted")
            res[wk.peer]["predict"].append(msg["seconds"])
            res[wk.peer]["predict_foreign"].append(turn_meter.foreign_share())
            res[wk.peer]["accuracy"] = msg["accuracy"]
    say("  predict: " + "; ".join(
        f"{wk.peer} " + " ".join(f"{n_test / t:,.0f}" + ("*" if f > QUIET else "")
                                 for t, f in zip(res[wk.peer]["predict"], res[wk.peer]["predict_foreign"]))
        for wk in workers) + " (samples/s each; * others busy)")
    for wk in workers:  # before the further seeds' models add to it
        wk.send(cmd="rss")
        res[wk.peer]["peak_rss_mb"] = wk.expect("rss")["peak_mb"]
    if w.accuracy_seeds > 1:  # seed-to-seed spread: the mean test accuracy of models trained from several seeds
        for wk in workers:  # the peers train their further seeds side by side (speed is not measured here)
            wk.send(cmd="accuracy", seeds=w.accuracy_seeds, epochs=epochs)
        for wk in workers:
            msg = wk.expect("accuracy")
            res[wk.peer]["accuracy"], res[wk.peer]["accuracy_each"] = msg["accuracy"], msg["each"]
    if args.gil and w.data == "mnist_image" and wkey.startswith("W2"):
        for wk in workers:
            time.sleep(PAUSE)
            wk.send(cmd="gil")
            res[wk.peer]["max_gap_ms"] = 1e3 * wk.expect("gil")["max_gap_s"]
    for wk in workers:
        wk.close()
    train_flops, infer_flops = flops(w)
    for r in res.values():
        # The median over the timed epochs during which the machine was quiet; over all of
        # them (and flagged) when fewer than two were.
        quiet = [t for t, f in zip(r["epochs"][1:], r["foreign"][1:]) if f <= QUIET]
        r["quiet_epochs"] = len(quiet)
        r["timed_epochs"] = len(r["epochs"]) - 1
        timed = quiet if len(quiet) >= 2 else r["epochs"][1:]
        r["train_sps"] = n_train / statistics.median(timed)
        r["first_epoch_s"] = r["epochs"][0]
        quiet = [t for t, f in zip(r["predict"], r["predict_foreign"]) if f <= QUIET]
        r["quiet_predicts"] = len(quiet)
        r["infer_sps"] = n_test / statistics.median(quiet if len(quiet) >= 2 else r["predict"])
        r["train_gflops"] = r["train_sps"] * train_flops / 1e9
        r["infer_gflops"] = r["infer_sps"] * infer_flops / 1e9
    return {"epochs": epochs, "n_train": n_train, "n_test": n_test, "peers": res}


# --------------------------------------------------------------------------- report

ROWS = (  # key, label, format, how the ratio column compares
    ("train_sps", "train samples/s ↑", "{:,.0f}", "ratio"),
    ("train_peak", "train % of matmul peak ↑", "{:.3g}%", "ratio"),
    ("infer_sps", "inference samples/s ↑", "{:,.0f}", "ratio"),
    ("peak_rss_mb", "peak RSS MB ↓", "{:,.0f}", "ratio"),
    ("first_epoch_s", "first epoch s (JIT incl.) ↓", "{:.2f}", "ratio"),
    ("accuracy", "test accuracy % (mean over seeds; ratio: points)", "{:.2f}", "points"),
    ("max_gap_ms", "max 10 ms tick gap ms ↓", "{:.0f}", "ratio"),
)


def table(results, peak, peers) -> tuple[str, list[str]]:
    labels = {}
    for wres in results.values():
        for p, r in wres["peers"].items():
            labels.setdefault(p, r["label"])
    cols = [p for p in ORDER if p in peers and p in labels]
    others = [p for p in cols if p != "visualnet"]
    head = ["workload", "measure"] + [labels[p] for p in cols] + \
        [f"VN / {labels[p].split(' (')[0] if p == 'torch' else 'Keras'}" for p in others if "visualnet" in cols]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for wkey, wres in results.items():
        for key, label, fmt, kind in ROWS:
            vals = {}
            for p in cols:
                r = wres["peers"].get(p)
                if r is None:
                    continue
                if key == "train_peak":
                    v = 100 * r["train_gflops"] / peak
                elif key == "accuracy":
                    v = 100 * r["accuracy"]
                else:
                    v = r.get(key)
                if v is not None:
                    vals[p] = v
            if not vals:
                continue
            def cell(p):
                if p not in vals:
                    return "–"
                text = fmt.format(vals[p])
                r = wres["peers"][p]
                if (key == "train_sps" and r["quiet_epochs"] < 2) or (key == "infer_sps" and r["quiet_predicts"] < 2):
                    text += " (busy)"
                return text

            row = [wkey, label] + [cell(p) for p in cols]
            if "visualnet" in cols:
                for p in others:
                    if "visualnet" in vals and p in vals:
                        if kind == "points":
                            row.append(f"{vals['visualnet'] - vals[p]:+.2f}")
                        else:
                            row.append(f"{vals['visualnet'] / vals[p]:.2f}x")
                    else:
                        row.append("–")
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines), cols


def targets(results, peak) -> list[tuple[str, str, bool]]:
    """(target, measured, met) for each target of issue 3 that this run measured."""
    out = []

    def get(w, p, key):
        r = results.get(w, {}).get("peers", {}).get(p)
        return None if r is None else r.get(key)

    def ratio(w, key, p):
        a, b = get(w, "visualnet", key), get(w, p, key)
        return None if a is None or b is None else a / b

    def check(name, value, ok, fmt="{:.2f}x"):
        if value is not None:
            out.append((name, fmt.format(value), ok(value)))

    check("W1 training >= 1.2x PyTorch", ratio("W1", "train_sps", "torch"), lambda v: v >= 1.2)
    g = get("W1", "visualnet", "train_gflops")
    check("W1 training >= 65% of the matmul peak", None if g is None else 100 * g / peak, lambda v: v >= 65,
          "{:.1f}%")
    check("W1 inference >= 1.0x PyTorch", ratio("W1", "infer_sps", "torch"), lambda v: v >= 1.0)
    for w in ("W2/32", "W2/128", "W4"):
        check(f"{w} training >= 1.0x PyTorch", ratio(w, "train_sps", "torch"), lambda v: v >= 1.0)
        check(f"{w} inference >= 1.5x PyTorch", ratio(w, "infer_sps", "torch"), lambda v: v >= 1.5)
    check("W3 training >= 5x PyTorch", ratio("W3", "train_sps", "torch"), lambda v: v >= 5)
    check("W3 training >= 15x Keras", ratio("W3", "train_sps", "keras"), lambda v: v >= 15)
    for w in ("W2/32", "W2/128"):
        check(f"{w} peak RSS <= 0.7x PyTorch", ratio(w, "peak_rss_mb", "torch"), lambda v: v <= 0.7)
        check(f"{w} longest 10 ms tick gap < 50 ms", get(w, "visualnet", "max_gap_ms"), lambda v: v < 50,
              "{:.0f} ms")
    for w in results:
        for p in ("torch", "keras"):
            a, b = get(w, "visualnet", "accuracy"), get(w, p, "accuracy")
            if a is not None and b is not None:
                check(f"{w} accuracy within 1 point of {'PyTorch' if p == 'torch' else 'Keras'}",
                      100 * (a - b), lambda v: abs(v) <= 1.0, "{:+.2f} points")
    return out


# --------------------------------------------------------------------------- main

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("-w", "--workloads", default=",".join(WORKLOADS),
                    help=f"comma-separated subset of {', '.join(WORKLOADS)} (default: all)")
    ap.add_argument("-p", "--peers", default=",".join(ORDER), help="comma-separated subset of " + ", ".join(ORDER))
    ap.add_argument("--epochs", type=int, default=0, help="epochs per workload, the first being the warm-up "
                                                          "(default: each workload's own)")
    ap.add_argument("--quick", action="store_true", help="half the epochs, a quarter of the training samples")
    ap.add_argument("--train-samples", type=int, default=0, help="use only the first N training samples")
    ap.add_argument("--predict-reps", type=int, default=7)
    ap.add_argument("--keras-backend", default="auto", choices=("auto", "tensorflow", "torch"),
                    help="Keras's backend (auto: TensorFlow when installed, else torch)")
    ap.add_argument("--no-gil", dest="gil", action="store_false", help="skip the 10 ms tick measurement")
    ap.add_argument("--openblas-coretype", default="env", choices=("env", "native"),
                    help="env: keep the environment's OPENBLAS_CORETYPE (default); native: remove it from the "
                         "workers' environment so that OpenBLAS picks its kernels for this CPU itself")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--markdown", default=str(DEFAULT_MD), help=f"where to write the table (default {DEFAULT_MD})")
    ap.add_argument("--log", default=None, help="workers' stderr goes here (default: a temporary file)")
    args = ap.parse_args(argv)
    wkeys = [k.strip() for k in args.workloads.split(",") if k.strip()]
    peers = [p.strip() for p in args.peers.split(",") if p.strip()]
    bad = [k for k in wkeys if k not in WORKLOADS] + [p for p in peers if p not in ORDER]
    if bad:
        ap.error(f"unknown workload(s)/peer(s): {bad}")
    if args.quick and not args.train_samples:
        args.train_samples = 2000

    def say(msg):
        print(msg, flush=True)

    import importlib.util

    backend = keras_backend_env(args.keras_backend)
    keras_note = None
    if "keras" in peers:
        if backend == "tensorflow" and not importlib.util.find_spec("tensorflow"):
            ap.error("--keras-backend tensorflow, but TensorFlow is not installed")
        if backend == "torch":
            keras_note = ("Keras runs on its torch backend (--keras-backend torch)." if args.keras_backend == "torch"
                          else "TensorFlow is not installed: Keras runs on its torch backend "
                               "(`pip install tensorflow-cpu` for Keras on TensorFlow).")
            say("NOTE: " + keras_note)
    for p, mod in (("torch", "torch"), ("keras", "keras")):
        if p in peers and not importlib.util.find_spec(mod):
            say(f"NOTE: {mod} is not installed; the {p} peer is skipped.")
            peers.remove(p)

    forced_core = os.environ.get("OPENBLAS_CORETYPE")

    def env_for(p):
        env = quiet_env(os.environ)
        if args.openblas_coretype == "native":
            env.pop("OPENBLAS_CORETYPE", None)
        if p == "keras":
            env["KERAS_BACKEND"] = backend
        return env

    say(f"load average before: {os.getloadavg()[0]:.2f} (1 min)")
    meter = CpuMeter()
    rates = machine_peak(env_for("visualnet"))
    torch_peak = sgemm_peak(env_for("torch"), "torch") if "torch" in peers else None
    say("float32 matmul peak (best of 512^3-2048^3): "
        + ", ".join(f"{lib} {r:.0f}" for lib, r in rates.items())
        + (f", torch.mm {torch_peak:.0f}" if torch_peak else "") + " GFLOP/s")
    results, foreign = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        log_path = Path(args.log or Path(tmp) / "workers.log")
        paths = prepare([WORKLOADS[k].data for k in wkeys], Path(tmp))
        with open(log_path, "w") as log:
            for wkey in wkeys:
                w = WORKLOADS[wkey]
                say(f"{wkey}: {w.title}")
                wm = CpuMeter()
                try:
                    results[wkey] = run_workload(wkey, peers, paths[w.data], args, env_for, log, say)
                except RuntimeError as exc:
                    log.flush()
                    say(f"  FAILED: {exc}\n" + log_path.read_text()[-3000:])
                    continue
                foreign[wkey] = wm.foreign_share()
                rates = machine_peak(env_for("visualnet"), rates)  # between workloads too: keep the best
                if foreign[wkey] > 0.1:
                    say(f"  WARNING: other processes used {100 * foreign[wkey]:.0f}% of the CPUs meanwhile")
    rates = machine_peak(env_for("visualnet"), rates)
    peak = max(rates.values()) or float("nan")
    share = meter.foreign_share()
    text, cols = table(results, peak, peers)
    checks = targets(results, peak)
    versions = {}
    for wres in results.values():
        for p, r in wres["peers"].items():
            versions.setdefault(r["label"], r["version"])
    header = [
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}; "
        f"Python {platform.python_version()}, NumPy {np.__version__}",
        f"float32 matmul peak (the best of 512^3, 1024^3 and 2048^3 products before, between and after the "
        f"workloads, in the VisualNet workers' environment): {peak:.0f} GFLOP/s; NumPy's BLAS "
        f"{rates['numpy']:.0f}, VisualNet's kernels.gemm on {os.cpu_count()} threads "
        + (f"{rates['visualnet']:.0f}" if rates["visualnet"] else "n/a (no AVX-512)")
        + (f", PyTorch's torch.mm {torch_peak:.0f}" if torch_peak else ""),
        "FLOPs counted: the matrix products a framework must do per sample, forward 2*MACs, weight gradient "
        "2*MACs, input gradient 2*MACs except for the first layer (no peer computes it); convolutions as direct "
        "products, whatever algorithm runs",
        ("OpenBLAS kernels: " + (f"the environment's OPENBLAS_CORETYPE={forced_core}" if forced_core and
                                 args.openblas_coretype == "env" else "OpenBLAS's own choice for this CPU")),
        "Peers: " + "; ".join(f"{k}: {v}" for k, v in versions.items()),
        f"Training (inference) speed: the median over the timed epochs (the predictions of the test set) during "
        f"which other processes used at most {100 * QUIET:.0f}% of the machine (\"(busy)\": fewer than two such, "
        "median of all)",
        "Epochs (first = warm-up, rest timed; median): " + ", ".join(
            f"{k} {v['epochs']} x {v['n_train']}" for k, v in results.items()),
        "Test accuracy: the mean over models trained from several seeds (one seed moves W4 by +-1.5 points), "
        "± its standard error, and per seed: " + "; ".join(
            f"{k} " + ", ".join(f"{v['peers'][p]['label']} {_mean_se(v['peers'][p]['accuracy_each'])} ("
                                + "/".join(f"{100 * a:.1f}" for a in v['peers'][p]['accuracy_each']) + ")"
                                for p in v["peers"] if v["peers"][p].get("accuracy_each"))
            for k, v in results.items() if any(r.get("accuracy_each") for r in v["peers"].values())),
        f"CPU used by other processes during the run: {100 * share:.0f}% of the machine"
        + (" (per workload: " + ", ".join(f"{k} {100 * v:.0f}%" for k, v in foreign.items()) + ")"
           if foreign else ""),
    ]
    if keras_note:
        header.append(keras_note)
    target_lines = ["| target | measured | met |", "|---|---|---|"] + [
        f"| {name} | {value} | {'yes' if ok else '**no**'} |" for name, value, ok in checks]
    command = "python -m benchmarks.run " + " ".join(argv if argv is not None else sys.argv[1:])
    md = "\n".join([f"Command: `{command.strip()}`", ""] + [f"- {h}" for h in header] + ["", text, "",
                   "Targets (issue 3):", "", *target_lines, ""])
    say("")
    say(md)
    path = Path(args.markdown)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if KEPT_SECTION in old:  # hand-written figures, not produced by this run: kept
        md += "\n" + old[old.index(KEPT_SECTION):]
    path.write_text(md)
    say(f"(written to {args.markdown})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
