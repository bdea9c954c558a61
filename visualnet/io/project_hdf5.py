"""The HDF5 building blocks of the `.vnet` project file (see project.py for the layout):
its limits, texts as fixed-length strings, the per-dataset SHA-256 checksums and their
verifier, checked readers of texts, JSON, groups and arrays, and the parts a newer version
wrote that this one keeps and writes back."""

from __future__ import annotations

import contextvars
import hashlib
import json

import h5py
import numpy as np

from .errors import ProjectFileError

FORMAT = "visualnet-project"
FORMAT_VERSION = 1
EXTENSION = ".vnet"
MAX_TEXT = 64 << 20          # bytes of one JSON text
MAX_WEIGHTS = 1 << 28        # float32 values in all weights together (about 1 GB)
MAX_CURVE = 10_000_000       # points in one curve
MAX_RUNS = 100_000
MAX_NODES = 2_000            # layers (and wires, per layer) in one model
MAX_INFO_ATTR = 8 << 10      # bytes of one root attribute `read_project_info` returns
MAX_KEPT = 64 << 20          # bytes of the parts this version does not know, kept to be written back
KNOWN_PARTS = ("graph", "data_recipe", "training", "weights", "optimizer", "runs")
KEPT = "kept_parts"          # metadata key: {path: value (array or bytes), or None for an empty group}
CHECKSUMS = "checksums"      # root attribute: "sha256 <root attributes digest> <parts digest>"
DIGEST = "sha256"            # attribute of every dataset: the hex SHA-256 of _digest()


def _dumps(value, what: str) -> str:
    try:
        return json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"The {what} cannot be stored as JSON: {exc}") from None


def _fixed(text: str) -> np.bytes_:
    """Text as a fixed-length string: its size is known before reading and no shared heap is
    involved (a damaged variable-length string can stall the HDF5 library for seconds)."""
    return np.bytes_(text.encode("utf-8") or b" ")


def _text(group, name: str, text: str) -> None:
    _dataset(group, name, _fixed(text))


# ====================================================================== checksums
# A SHA-256 attribute per dataset rather than HDF5's Fletcher-32 filter: Fletcher-32 needs
# chunked storage, which scalar datasets (every text, the optimizer's iteration count) cannot
# have; it covers only the raw bytes, not the header that says how to read them (a flipped
# byte-order, size or shape bit changes the values it passes); and it is not keyed to the
# dataset's name. The digest is of the values as read, so whatever changes them is found.
def _digest(path: str, value) -> str:
    h = hashlib.sha256()
    h.update(path.encode("utf-8", "surrogatepass") + b"\0")
    if isinstance(value, bytes):
        h.update(b"bytes\0" + bytes(value))
    elif isinstance(value, str):
        h.update(b"str\0" + value.encode("utf-8", "surrogatepass"))
    else:
        a = np.asarray(value)
        if a.dtype.kind not in "biufc":
            raise ProjectFileError(f"'{path}' holds {a.dtype}, not numbers or text.")
        a = np.ascontiguousarray(a.astype(a.dtype.newbyteorder("<"), copy=False))
        h.update(f"{a.dtype.str}{a.shape}\0".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _dataset(group, name: str, value) -> None:
    ds = group.create_dataset(name, data=value)
    ds.attrs[DIGEST] = np.bytes_(_digest(ds.name, value).encode())


def _attr_canon(key: str, value) -> bytes:
    if isinstance(value, bytes):
        body = b"b" + bytes(value)
    elif isinstance(value, (np.ndarray, np.generic)):
        a = np.asarray(value)
        body = f"a{a.dtype.str}{a.shape}".encode() + (a.tobytes() if a.dtype.kind != "O" else repr(a).encode())
    else:
        body = repr(value).encode("utf-8", "surrogatepass")
    return hashlib.sha256(key.encode("utf-8", "surrogatepass") + b"\0" + body).digest()


def _attrs_digest(f) -> str:
    return hashlib.sha256(b"".join(sorted(_attr_canon(k, f.attrs[k]) for k in f.attrs if k != CHECKSUMS))).hexdigest()


def _parts_digest(parts) -> str:
    return hashlib.sha256("\n".join(sorted(f"{p}\0{d}" for p, d in parts)).encode("utf-8", "surrogatepass")).hexdigest()


def _seal(f) -> None:
    """The root attribute that marks a checksummed file: root attributes and list of parts."""
    parts = []
    f.visititems(lambda name, obj: parts.append((obj.name, obj.attrs[DIGEST].decode()))
                 if isinstance(obj, h5py.Dataset) else None)
    f.attrs[CHECKSUMS] = np.bytes_(f"sha256 {_attrs_digest(f)} {_parts_digest(parts)}".encode())


class _Verifier:
    """Checks each dataset the reader uses against its digest, then the root attributes and
    that the datasets read are exactly those written."""

    def __init__(self, f):
        words = _attr_value(f.attrs[CHECKSUMS])
        words = words.split() if isinstance(words, str) else []
        if len(words) != 3 or words[0] != "sha256":
            raise ProjectFileError("the project's checksums are damaged (its 'checksums' attribute is unreadable).")
        self.attrs, self.parts = words[1], words[2]
        self.seen: dict[str, str] = {}
        if _attrs_digest(f) != self.attrs:
            raise ProjectFileError("the project's header attributes are damaged (checksum mismatch).")

    def check(self, ds, value, damaged: str, part: str | None = None) -> None:
        where = f" in '{part}'" if part else ""
        stored = ds.attrs.get(DIGEST)
        if not isinstance(stored, bytes):
            raise ProjectFileError(f"{damaged} (no checksum{where}).")
        digest = _digest(ds.name, value)
        if bytes(stored) != digest.encode():
            raise ProjectFileError(f"{damaged} (checksum mismatch{where}).")
        self.seen[ds.name] = digest

    def finish(self) -> None:
        if _parts_digest(self.seen.items()) != self.parts:
            raise ProjectFileError("the project's list of parts is damaged (checksum mismatch): a part is missing "
                                   "or was renamed.")


_VERIFIER: contextvars.ContextVar[_Verifier | None] = contextvars.ContextVar("visualnet_project_verifier",
                                                                               default=None)


def _verify(ds, value, damaged: str, part: str | None = None) -> None:
    verifier = _VERIFIER.get()
    if verifier is not None:
        verifier.check(ds, value, damaged, part)


def _attr_value(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.generic):
        return v.item()
    return v


def _read_text(group, name: str, what: str, required: bool = True) -> str | None:
    if name not in group:
        if required:
            raise ProjectFileError(f"the {what} is missing (no '{name}' in {group.name}).")
        return None
    ds = group[name]
    if not isinstance(ds, h5py.Dataset) or ds.shape != () or ds.dtype.kind not in "OS":
        raise ProjectFileError(f"the {what} ('{ds.name}') is not a text value.")
    if ds.dtype.kind == "S" and ds.dtype.itemsize > MAX_TEXT:
        raise ProjectFileError(f"the {what} is larger than {MAX_TEXT} bytes.")
    value = ds[()]
    _verify(ds, value, f"the {what} is damaged")
    if isinstance(value, bytes):
        if len(value) > MAX_TEXT:
            raise ProjectFileError(f"the {what} is larger than {MAX_TEXT} bytes.")
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise ProjectFileError(f"the {what} is not UTF-8 text.") from None
    if not isinstance(value, str):
        raise ProjectFileError(f"the {what} is not text.")
    return value


def _read_json(group, name: str, what: str, required: bool = True):
    text = _read_text(group, name, what, required)
    if text is None:
        return None
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ProjectFileError(f"the {what} is not valid JSON: {exc}") from None


def _group(f, name: str, what: str, required: bool = True):
    if name not in f:
        if required:
            raise ProjectFileError(f"the {what} group '{name}' is missing.")
        return None
    g = f[name]
    if not isinstance(g, h5py.Group):
        raise ProjectFileError(f"'{name}' should be a group holding the {what}.")
    return g


def _array(group, name: str, shape: tuple, what: str, dtype, damaged: tuple | None = None) -> np.ndarray:
    ds = group.get(name)
    if not isinstance(ds, h5py.Dataset):
        raise ProjectFileError(f"the {what} is missing or not an array.")
    if tuple(ds.shape) != tuple(shape):
        raise ProjectFileError(f"the {what} has shape {tuple(ds.shape)}; expected {tuple(shape)}.")
    if ds.dtype.kind not in "fiu":
        raise ProjectFileError(f"the {what} holds {ds.dtype}, not numbers.")
    raw = ds[()]
    _verify(ds, raw, *(damaged or (f"the {what} is damaged",)))
    value = np.asarray(raw, dtype=dtype)
    if dtype is not np.int64 and value.size and not np.all(np.isfinite(value)) and "curve" not in what:
        raise ProjectFileError(f"the {what} holds NaN or infinite values.")
    return value


def _read_kept(f: h5py.File) -> dict:
    """The root parts this version does not know: path -> value (numbers, or a text as
    bytes; None for an empty group), each verified against its checksum."""
    kept: dict = {}
    total = 0

    def keep(obj) -> None:
        nonlocal total
        if isinstance(obj, h5py.Group):
            if len(obj) == 0:
                kept[obj.name] = None
            return
        if not isinstance(obj, h5py.Dataset) or obj.dtype.kind not in "biuf" + ("S" if obj.shape == () else ""):
            if _VERIFIER.get() is None:       # a file without checksums: ignored, as before
                return
            raise ProjectFileError(f"the part '{obj.name}', unknown to this version, holds neither numbers nor a "
                                   "text; it cannot be kept.")
        total += obj.dtype.itemsize * (obj.size or 1)
        if total > MAX_KEPT:
            raise ProjectFileError(f"the parts unknown to this version hold more than {MAX_KEPT} bytes.")
        value = obj[()]
        _verify(obj, value, f"the part '{obj.name}' is damaged")
        kept[obj.name] = value

    for name in f:
        if name in KNOWN_PARTS:
            continue
        obj = f.get(name)
        if obj is None:                       # a dangling link
            continue
        keep(obj)
        if isinstance(obj, h5py.Group):
            obj.visititems(lambda _n, o: keep(o))
    return kept


def _write_kept(f: h5py.File, kept: dict) -> None:
    """Write back the parts `_read_kept` kept (never over a part this version writes)."""
    for path, value in kept.items():
        parent, _, name = str(path).rpartition("/")
        if not name or str(path).strip("/").split("/")[0] in KNOWN_PARTS or str(path) in f:
            continue
        if value is None:
            f.require_group(path)
        else:
            _dataset(f.require_group(parent or "/"), name, value)
