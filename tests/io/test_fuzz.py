"""Fuzzing: mutated and truncated project, .h5 and .keras files. Each must either open or
fail with ProjectFileError / KerasFileError, quickly; never another exception, never a hang.

A short run by default; the long one: `VISUALNET_FUZZ_CASES=10000 pytest tests/io/test_fuzz.py -s`
(no time budget; it prints its figures: cases, opened, refused, slowest case, peak memory)."""

import copy
import io
import json
import os
import random
import resource
import time
import warnings
import zipfile

import h5py
import numpy as np
import pytest

from visualnet import VisualNetWarning

from visualnet import models as vm
from visualnet.io import KerasFileError, ProjectFileError
from visualnet.io.project import Project, Run, open_project, save_project

from .helpers import cnn, data, mlp

LONG = int(os.environ.get("VISUALNET_FUZZ_CASES", "0"))
BUDGET = float("inf") if LONG else 18.0      # seconds for the whole fuzz run
MAX_CASES = LONG or 600
CASE_LIMIT = 15.0 if LONG else 5.0           # seconds for one case
MEMORY_LIMIT_MB = 2048


def _rss_mb() -> float:
    """This process's resident memory now (its lifetime peak would count earlier tests)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20
    except OSError:                  # no /proc: the peak, an over-estimate
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------- mutations
def mutate_json(value, rng: random.Random):
    """One structural change somewhere in a JSON value."""
    value = copy.deepcopy(value)
    spots = []

    def walk(obj):
        if isinstance(obj, dict):
            for k in list(obj):
                spots.append((obj, k))
                walk(obj[k])
        elif isinstance(obj, list):
            for i in range(len(obj)):
                spots.append((obj, i))
                walk(obj[i])
    walk(value)
    if not spots:
        return rng.choice([None, [], {}, 7, "x"])
    parent, key = rng.choice(spots)
    action = rng.randrange(4)
    if action == 0:
        del parent[key]
    elif action == 1 and isinstance(parent, list):
        parent.insert(key, copy.deepcopy(parent[key]))
    else:
        parent[key] = rng.choice([None, True, -1, 0, 10 ** 12, 2.5e300, "", "glorot_uniform", "Lambda", [],
                                  {}, [None, 3], {"class_name": "Lambda", "config": {}}, [[["x", 0, 0, {}]]],
                                  "relu", 3, [1, 2, 3], -7.5])
    return value


def mutate_bytes(raw: bytes, rng: random.Random) -> bytes:
    if rng.random() < 0.4:
        return raw[: rng.randrange(len(raw))]
    buf = bytearray(raw)
    for _ in range(rng.randint(1, 20)):
        i = rng.randrange(len(buf))
        buf[i] = rng.randrange(256)
    return bytes(buf)


def text_items(f):
    """(object, kind, key) of every JSON text in an HDF5 file: attributes and string datasets."""
    out = []

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and obj.dtype.kind in "OS" and obj.shape == ():
            out.append((name, "dataset", None))
    f.visititems(visit)
    for key in f.attrs:
        if key in ("model_config", "training_config"):
            out.append(("/", "attr", key))
    return out


def mutate_h5(path, rng: random.Random) -> None:
    """A JSON, an array, a name list or the structure of an HDF5 file, changed in place."""
    with h5py.File(path, "a") as f:
        texts = text_items(f)
        arrays, groups = [], []
        f.visititems(lambda n, o: (arrays if isinstance(o, h5py.Dataset) else groups).append(n))
        action = rng.randrange(5)
        if action <= 1 and texts:
            name, kind, key = rng.choice(texts)
            raw = f.attrs[key] if kind == "attr" else f[name][()]
            raw = raw.decode() if isinstance(raw, bytes) else raw
            try:
                new = json.dumps(mutate_json(json.loads(raw), rng))
            except ValueError:
                new = raw[: len(raw) // 2]
            if rng.random() < 0.15:
                new = new[: rng.randrange(len(new) + 1)]
            if kind == "attr":
                f.attrs[key] = new
            else:
                del f[name]
                f.create_dataset(name, data=new, dtype=h5py.string_dtype("utf-8"))
        elif action == 2 and arrays:
            name = rng.choice(arrays)
            del f[name]
            shape = rng.choice([(), (3,), (2, 2), (1, 1, 1, 1), (0,)])
            dtype = rng.choice([np.float32, np.int8, "S3"])
            f.create_dataset(name, data=np.zeros(shape).astype(dtype))
        elif action == 3 and groups + arrays:
            del f[rng.choice(groups + arrays)]
        else:
            objs = [f] + [f[g] for g in groups]
            obj = rng.choice(objs)
            if obj.attrs:
                key = rng.choice(list(obj.attrs))
                obj.attrs[key] = rng.choice([np.array([b"zz", b"dense"]), "text", 5, np.array([], np.float64),
                                             b"\xff\xfe", 10 ** 6])


def mutate_keras_zip(raw: bytes, rng: random.Random, tmp) -> bytes:
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        members = {n: z.read(n) for n in z.namelist()}
    action = rng.randrange(4)
    if action <= 1:
        config = json.loads(members["config.json"])
        members["config.json"] = json.dumps(mutate_json(config, rng)).encode()
    elif action == 2:
        tmp.write_bytes(members["model.weights.h5"])
        mutate_h5(tmp, rng)
        members["model.weights.h5"] = tmp.read_bytes()
    else:
        del members[rng.choice(list(members))]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, d in members.items():
            z.writestr(n, d)
    return buf.getvalue()


# ---------------------------------------------------------------- the run
@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seeds")
    model = mlp()
    x, y = data()
    history = model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    from visualnet.data import Recipe

    save_project(Project.from_model(model, recipe=Recipe.builtin("iris"), training={"epochs": 2},
                                    runs=[Run.from_history(history)]), folder / "p.vnet")
    cnn().save(folder / "c.h5")
    cnn().save(folder / "c.keras")
    model.save(folder / "m.keras")
    names = ["p.vnet", "c.h5", "c.keras", "m.keras"]
    try:  # files written by real Keras too, when the oracle is installed
        import keras

        from .keras_cases import cnn_block

        inp = keras.Input((8, 8, 3))
        km = keras.Model(inp, cnn_block(keras.layers, inp))
        km.compile(optimizer="adam", loss="mse")
        km.save(folder / "k.h5")
        km.save(folder / "k.keras")
        names += ["k.h5", "k.keras"]
    except ImportError:
        pass
    return {name: (folder / name).read_bytes() for name in names}


def mutated(seeds: dict, n: int, rng: random.Random, folder):
    """Case `n`: (seed name, path of a mutated copy of it, kind of mutation 0-2)."""
    name = list(seeds)[n % len(seeds)]
    raw = seeds[name]
    path = folder / f"case{n}{name[name.index('.'):]}"
    how = rng.randrange(3)
    if how == 0:
        path.write_bytes(mutate_bytes(raw, rng))
    elif name.endswith(".keras"):
        path.write_bytes(mutate_keras_zip(raw, rng, folder / "w.h5"))
    else:
        path.write_bytes(raw)
        mutate_h5(path, rng)
    return name, path, how


def load(path):
    if path.suffix == ".vnet":
        open_project(path).build_model()
    else:
        vm.load_model(path)


def test_fuzzed_files_give_clean_errors(tmp_path, seeds):
    rng = random.Random(1234)
    start = time.monotonic()
    rss_before, grew = _rss_mb(), 0.0
    counts = {"opened": 0, "refused": 0}
    n, slowest = 0, 0.0
    while n < MAX_CASES and time.monotonic() - start < BUDGET:
        name, path, how = mutated(seeds, n, rng, tmp_path)
        t0 = time.monotonic()
        try:
            with warnings.catch_warnings():
                # A file that opens but whose compile settings are damaged loads uncompiled,
                # with a VisualNetWarning saying so: a clean outcome.
                warnings.simplefilter("ignore", VisualNetWarning)
                load(path)
            counts["opened"] += 1
        except (ProjectFileError, KerasFileError) as exc:
            assert str(exc), f"case {n} ({name}): empty message"
            counts["refused"] += 1
        except Exception as exc:  # noqa: BLE001 - the point of the test
            pytest.fail(f"case {n} ({name}, mutation {how}): {type(exc).__name__}: {exc}")
        took = time.monotonic() - t0
        assert took < CASE_LIMIT, f"case {n} ({name}) took too long"
        slowest = max(slowest, took)
        grew = max(grew, _rss_mb() - rss_before)
        path.unlink()
        n += 1
    print(f"\nfuzz: {n} cases, {counts['opened']} opened, {counts['refused']} refused, slowest {slowest:.2f} s, "
          f"memory grew by at most {grew:.0f} MB")
    assert grew < MEMORY_LIMIT_MB       # what the cases took, not the peak of the tests run before them
    assert n >= (MAX_CASES if LONG else 150), f"only {n} cases ran in {BUDGET} s"
    assert counts["refused"] > n // 3
