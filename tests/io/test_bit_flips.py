"""Issue 27, checksums: a single flipped bit in a saved project either changes nothing that
opening returns or is refused with ProjectFileError naming the damaged part; never silently
changed weights, optimizer state, curves or texts."""

import json
import random
import time

import h5py
import numpy as np
import pytest

from visualnet.data import Recipe
from visualnet.graph import to_dict
from visualnet.io import ProjectFileError
from visualnet.io.project import CHECKSUMS, Project, Run, open_project, save_project

from .helpers import data, mlp

N_FLIPS = 400


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A trained project (weights, Adam state, random generator state, a run's curves, a recipe)."""
    folder = tmp_path_factory.mktemp("flips")
    model = mlp()
    x, y = data()
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    path = folder / "p.vnet"
    save_project(Project.from_model(model, recipe=Recipe.builtin("iris"), training={"epochs": 2},
                                    runs=[Run.from_history(history)]), path)
    return path


def content(project: Project) -> dict:
    """Everything opening returns, comparable exactly (NaN equal to NaN in curves)."""
    def arrays(d):
        return {k: (np.asarray(v).dtype.str, np.asarray(v).shape, np.asarray(v).tobytes()) for k, v in d.items()}

    opt = project.optimizer
    return {
        "graph": json.dumps(to_dict(project.graph), sort_keys=True),
        "recipe": None if project.recipe is None else project.recipe.to_json(),
        "training": json.dumps(project.training, sort_keys=True),
        "weights": {nid: arrays(a) for nid, a in project.weights.items()},
        "optimizer": None if opt is None else (json.dumps(opt.config, sort_keys=True), arrays(opt.arrays),
                                               json.dumps(opt.rng, sort_keys=True)),
        "runs": [(json.dumps(r.info, sort_keys=True), arrays(r.curves)) for r in project.runs],
        "metadata": {k: v for k, v in project.metadata.items() if k != "format_version_read"},
    }


def data_region(path) -> list[int]:
    """The byte offsets of every dataset's stored values (weights, optimizer state, curves, texts)."""
    offsets = []
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                start, size = obj.id.get_offset(), obj.id.get_storage_size()
                if start is not None:
                    offsets.extend(range(start, start + size))
        f.visititems(visit)
    return offsets


def flip_and_open(path, offsets, n, seed, tmp_path) -> dict:
    raw = path.read_bytes()
    expected = content(open_project(path))
    rng = random.Random(seed)
    counts = {"identical": 0, "refused": 0, "silent": 0}
    silent = []
    case = tmp_path / "flipped.vnet"
    for i in range(n):
        offset, bit = rng.choice(offsets), rng.randrange(8)
        buf = bytearray(raw)
        buf[offset] ^= 1 << bit
        case.write_bytes(bytes(buf))
        try:
            got = content(open_project(case))
        except ProjectFileError as exc:
            assert str(exc)
            counts["refused"] += 1
            continue
        if got == expected:
            counts["identical"] += 1
        else:
            counts["silent"] += 1
            silent.append((offset, bit, [k for k in got if got[k] != expected[k]]))
    print(f"\n{n} flips: {counts}")
    assert counts["silent"] == 0, f"silently changed content: {silent[:10]}"
    return counts


def test_the_file_is_checksummed(saved):
    with h5py.File(saved, "r") as f:
        assert f.attrs[CHECKSUMS].startswith(b"sha256 ")
        names = []
        f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
        assert all("sha256" in f[n].attrs for n in names) and len(names) > 10


def test_damage_names_the_part(saved, tmp_path):
    path = tmp_path / "d.vnet"
    path.write_bytes(saved.read_bytes())
    with h5py.File(path, "r") as f:
        node = next(n for n in f["weights"] if "kernel" in f["weights"][n])
        start = f["weights"][node]["kernel"].id.get_offset()
        layer = open_project(saved).graph.nodes[node].name
    buf = bytearray(path.read_bytes())
    buf[start + 5] ^= 0x10
    path.write_bytes(bytes(buf))
    with pytest.raises(ProjectFileError, match=f"the weights of layer '{layer}' are damaged \\(checksum mismatch "
                                               "in 'kernel'\\)"):
        open_project(path)


def test_400_bit_flips_in_the_data_never_pass_silently(saved, tmp_path):
    t0 = time.monotonic()
    counts = flip_and_open(saved, data_region(saved), N_FLIPS, 27, tmp_path)
    assert counts["refused"] >= N_FLIPS * 0.9     # nearly every byte there is a value
    assert time.monotonic() - t0 < 60


def test_400_bit_flips_anywhere_never_pass_silently(saved, tmp_path):
    counts = flip_and_open(saved, range(saved.stat().st_size), N_FLIPS, 2027, tmp_path)
    assert counts["refused"] > 0


@pytest.mark.slow
def test_3000_more_bit_flips_never_pass_silently(saved, tmp_path):
    flip_and_open(saved, range(saved.stat().st_size), 5 * N_FLIPS, 4, tmp_path)
    flip_and_open(saved, data_region(saved), 5 * N_FLIPS // 2, 5, tmp_path)


def test_a_file_without_checksums_still_opens(saved, tmp_path):
    """Files written before checksums (no 'checksums' attribute, no digests) open unverified."""
    path = tmp_path / "old.vnet"
    path.write_bytes(saved.read_bytes())
    with h5py.File(path, "a") as f:
        del f.attrs[CHECKSUMS]
        f.visititems(lambda n, o: o.attrs.__delitem__("sha256") if isinstance(o, h5py.Dataset) else None)
    assert content(open_project(path))["weights"] == content(open_project(saved))["weights"]
    save_project(open_project(path), path)        # saved again: checksummed
    with h5py.File(path, "r") as f:
        assert CHECKSUMS in f.attrs
