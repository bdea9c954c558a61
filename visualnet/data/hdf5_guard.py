"""HDF5 files read only what they hold.

HDF5 can store a dataset's bytes in another file (external storage), map it onto other
files (virtual datasets) and link to objects in other files (external and user-defined
links); the library follows all of these silently on read. A crafted project, Keras file
or data file could so read `/etc/passwd` or a private key as weights, and the next save
would copy it into the user's own file. `open_hdf5` refuses every such file before any
data is read, walking each object once (soft links stay inside the file: their targets
are checked where they live).
"""

from __future__ import annotations

import h5py
from h5py import h5d, h5l

MAX_OBJECTS = 200_000        # links walked before a file is refused as unreasonably large


class ExternalDataError(ValueError):
    """An HDF5 file refers to data outside itself (refused before anything is read)."""


def check_contained(f: "h5py.File") -> None:
    """Raise ExternalDataError if any dataset or link in `f` reaches outside the file."""
    seen: set[int] = set()
    stack: list = [f]
    walked = 0
    while stack:
        group = stack.pop()
        base = group.name.rstrip("/")
        for raw in group.id.__iter__():
            walked += 1
            if walked > MAX_OBJECTS:
                raise ExternalDataError(f"the file holds more than {MAX_OBJECTS:,} objects; VisualNet does not "
                                        "read files this large in structure.")
            name = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            path = f"{base}/{name}"
            kind = group.id.links.get_info(raw).type
            if kind == h5l.TYPE_SOFT:
                continue
            if kind == h5l.TYPE_EXTERNAL:
                link = group.get(raw, getlink=True)
                raise ExternalDataError(f"'{path}' is a link to '{link.path}' in another file ('{link.filename}'); "
                                        "VisualNet does not follow links out of a file.")
            if kind != h5l.TYPE_HARD:
                raise ExternalDataError(f"'{path}' is a user-defined link (type {kind}); VisualNet does not "
                                        "follow links it cannot check.")
            obj = group[raw]
            key = hash(obj.id)
            if key in seen:
                continue
            seen.add(key)
            if isinstance(obj, h5py.Group):
                stack.append(obj)
            elif isinstance(obj, h5py.Dataset):
                _check_dataset(obj, path)


def _check_dataset(ds: "h5py.Dataset", path: str) -> None:
    plist = ds.id.get_create_plist()
    if plist.get_layout() == h5d.VIRTUAL:
        raise ExternalDataError(f"'{path}' is a virtual dataset (its data are mapped from other files); "
                                "VisualNet does not read virtual datasets.")
    if plist.get_external_count() > 0:
        target = plist.get_external(0)[0]
        target = target.decode("utf-8", "replace") if isinstance(target, bytes) else str(target)
        raise ExternalDataError(f"'{path}' keeps its data in an external file ('{target}'); VisualNet reads "
                                "only data stored inside the file.")


def open_hdf5(source) -> "h5py.File":
    """`h5py.File(source, 'r')` after `check_contained`; closed again if the check fails.
    A file h5py cannot open or walk (not HDF5, truncated, a damaged structure) raises
    OSError for the caller to word."""
    f = h5py.File(source, "r")
    try:
        check_contained(f)
    except ExternalDataError:
        f.close()
        raise
    except (OSError, RuntimeError, KeyError, ValueError, TypeError, UnicodeError) as exc:
        f.close()
        raise OSError(f"its structure is damaged ({type(exc).__name__}: {exc})") from None
    except BaseException:
        f.close()
        raise
    return f
