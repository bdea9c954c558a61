"""HDF5 files that reach outside themselves (external storage, external links, virtual
datasets, soft links to such links) are refused before any data is read, in every reader:
projects, `.keras` weights, legacy `.h5`, `.weights.h5` and HDF5 data files."""

import io
import zipfile

import h5py
import numpy as np
import pytest

from visualnet import models
from visualnet.data import read_hdf5
from visualnet.data.errors import FormatError
from visualnet.data.hdf5_guard import ExternalDataError, open_hdf5
from visualnet.io import KerasFileError, ProjectFileError
from visualnet.io.project import Project, open_project, save_project

from .helpers import mlp

SECRET = b"root:x:0:0:secret-key-material:/root:/bin/bash\n" * 64
VARIANTS = ("external_storage", "external_link", "virtual", "soft_to_external")


def first_dataset(f: h5py.File) -> str:
    found = []
    f.visititems(lambda name, obj: found.append(name) if isinstance(obj, h5py.Dataset) and obj.size else None)
    return found[0]


def plant(f: h5py.File, how: str, secret_path, other_h5) -> str:
    """Replace the file's first non-empty dataset with a hostile one of the same shape;
    the name of the link or dataset an error should point at."""
    name = first_dataset(f)
    shape, dtype = f[name].shape, f[name].dtype
    del f[name]
    if how == "external_storage":
        f.create_dataset(name, shape=shape, dtype=dtype,
                         external=[(str(secret_path), 0, int(np.prod(shape)) * dtype.itemsize)])
    elif how == "external_link":
        f[name] = h5py.ExternalLink(str(other_h5), "/stolen")
    elif how == "virtual":
        layout = h5py.VirtualLayout(shape=shape, dtype=dtype)
        layout[...] = h5py.VirtualSource(str(other_h5), "stolen", shape=shape, dtype=dtype)
        f.create_virtual_dataset(name, layout)
    else:
        f["hidden/elsewhere"] = h5py.ExternalLink(str(other_h5), "/stolen")
        f[name] = h5py.SoftLink(f"{f.name.rstrip('/')}/hidden/elsewhere")
        return "hidden/elsewhere"
    return name


@pytest.fixture
def targets(tmp_path):
    """A secret file and an HDF5 file in another place holding a dataset 'stolen' made of it."""
    secret = tmp_path / "elsewhere" / "id_rsa"
    secret.parent.mkdir()
    secret.write_bytes(SECRET)
    other = secret.parent / "other.h5"
    with h5py.File(other, "w") as f:
        f["stolen"] = np.frombuffer(SECRET[:4096], dtype=np.float32).reshape(-1)
    return secret, other


def test_unguarded_h5py_would_read_the_secret(tmp_path, targets):
    """The threat is real: plain h5py returns the other file's bytes as the dataset."""
    path = tmp_path / "plain.h5"
    with h5py.File(path, "w") as f:
        f["w"] = np.zeros(16, np.float32)
        plant(f, "external_storage", *targets)
    with h5py.File(path, "r") as f:
        assert f["w"][()].tobytes() == SECRET[:64]


@pytest.mark.parametrize("how", VARIANTS)
def test_project_refuses(tmp_path, targets, how):
    model = mlp()
    path = tmp_path / "p.vnet"
    save_project(Project.from_model(model), path)
    with h5py.File(path, "a") as f:
        name = plant(f["weights"], how, *targets)
    with pytest.raises(ProjectFileError, match="outside itself") as info:
        open_project(path)
    assert f"/weights/{name}'" in str(info.value)


@pytest.mark.parametrize("how", VARIANTS)
@pytest.mark.parametrize("suffix", [".h5", ".weights.h5"])
def test_legacy_and_weights_files_refuse(tmp_path, targets, how, suffix):
    model = mlp()
    path = tmp_path / f"m{suffix}"
    (model.save_weights if suffix == ".weights.h5" else model.save)(path)
    with h5py.File(path, "a") as f:
        plant(f, how, *targets)
    with pytest.raises(KerasFileError, match="outside itself"):
        if suffix == ".weights.h5":
            mlp().load_weights(path)
        else:
            models.load_model(path)


@pytest.mark.parametrize("how", VARIANTS)
def test_keras_zip_refuses(tmp_path, targets, how):
    model = mlp()
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    buf = io.BytesIO(members["model.weights.h5"])
    with h5py.File(buf, "a") as f:
        plant(f, how, *targets)
    members["model.weights.h5"] = buf.getvalue()
    with zipfile.ZipFile(path, "w") as z:
        for n, data in members.items():
            z.writestr(n, data)
    with pytest.raises(KerasFileError, match="outside itself"):
        models.load_model(path)
    with pytest.raises(KerasFileError, match="outside itself"):
        mlp().load_weights(path)


@pytest.mark.parametrize("how", VARIANTS)
def test_hdf5_data_import_refuses(tmp_path, targets, how):
    path = tmp_path / "data.h5"
    with h5py.File(path, "w") as f:
        f["x"] = np.ones((16, 4), np.float32)
        f["y"] = np.arange(16) % 2
        plant(f, how, *targets)
    with pytest.raises(FormatError, match="outside itself"):
        read_hdf5(path)


def test_links_inside_the_file_and_hard_link_cycles_are_fine(tmp_path):
    path = tmp_path / "ok.h5"
    with h5py.File(path, "w") as f:
        f["a/b"] = np.arange(3)
        f["a/alias"] = h5py.SoftLink("/a/b")
        f["a/loop"] = f["a"]                 # a hard link back to its own group
    with open_hdf5(path) as f:
        assert list(f["a/alias"][()]) == [0, 1, 2]


def test_the_error_names_the_dataset_and_the_target(tmp_path, targets):
    path = tmp_path / "x.h5"
    with h5py.File(path, "w") as f:
        f["group/kernel"] = np.zeros(16, np.float32)
        plant(f, "external_storage", *targets)
    with pytest.raises(ExternalDataError, match=r"'/group/kernel' keeps its data in an external file .*id_rsa"):
        open_hdf5(path)
