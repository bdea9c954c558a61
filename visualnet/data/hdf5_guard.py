"""HDF5 files read only what they hold.

HDF5 can store a dataset's bytes in another file (external storage), map it onto other
files (virtual datasets) and link to objects in other files (external and user-defined
links); the library follows all of these silently on read. A crafted project, Keras file
or data file could so read `/etc/passwd` or a private key as weights, and the next save
would copy it into the user's own file. `open_hdf5` refuses every such file before any
data is read, walking each object once (soft links stay inside the file: their targets
are checked where they live).

It also walks the file's global heaps (where variable-length strings live) as HDF5 would:
a heap whose object headers were zeroed makes HDF5 loop forever on the first string read.
"""

from __future__ import annotations

import mmap

import h5py
from h5py import h5d, h5l

MAX_OBJECTS = 200_000                  # links walked before a file is refused as unreasonably large
MAX_HEAP_BYTES = 65 << 20              # one global heap collection
MAX_HEAP_OBJECTS = 1_000_000           # heap objects walked in one file
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


class UnsafeHDF5Error(ValueError):
    """An HDF5 file that would be unsafe to read (refused before anything is read)."""


class ExternalDataError(UnsafeHDF5Error):
    """An HDF5 file refers to data outside itself."""


class DamagedHeapError(UnsafeHDF5Error):
    """An HDF5 file's text storage is damaged in a way that would hang HDF5."""


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
    """`h5py.File(source, 'r')` after `check_contained` and `check_global_heaps`; closed again if the check fails.
    A file h5py cannot open or walk (not HDF5, truncated, a damaged structure) raises
    OSError for the caller to word."""
    f = h5py.File(source, "r")
    try:
        check_contained(f)
        check_global_heaps(f)
    except UnsafeHDF5Error:
        f.close()
        raise
    except (OSError, RuntimeError, KeyError, ValueError, TypeError, UnicodeError) as exc:
        f.close()
        raise OSError(f"its structure is damaged ({type(exc).__name__}: {exc})") from None
    except BaseException:
        f.close()
        raise
    return f


def _align8(n: int) -> int:
    return (n + 7) & ~7


def _file_image(f: "h5py.File"):
    """The bytes of the open file: a read-only memory map of it on disk, or its image."""
    if f.driver in ("sec2", "stdio"):
        with open(f.filename, "rb") as fh:
            if fh.seek(0, 2) == 0:
                return b""
            return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    return f.id.get_file_image()


def _length_size(image) -> int:
    """'Size of lengths' from the superblock (at 0, 512, 1024, ...), 8 when not found."""
    at = 0
    while at + 16 <= len(image):
        if image[at:at + 8] == _HDF5_SIGNATURE:
            size = image[at + 14] if image[at + 8] in (0, 1) else image[at + 10]
            return size if size in (2, 4, 8) else 8
        at = 512 if at == 0 else at * 2
    return 8


def check_global_heaps(f: "h5py.File") -> None:
    """Walk every global heap collection of `f` as HDF5 will, before any variable-length
    string is read: a collection whose object headers were zeroed makes HDF5 loop forever
    (an object of size 0 never advances), so it is refused here."""
    image = _file_image(f)
    try:
        n = len(image)
        lsize = _length_size(image)
        header = _align8(8 + lsize)
        walked = 0
        at = image.find(b"GCOL")
        while at >= 0:
            if at + header <= n and image[at + 4] == 1 and image[at + 5:at + 8] == b"\0\0\0":
                size = int.from_bytes(image[at + 8:at + 8 + lsize], "little")
                if size > MAX_HEAP_BYTES:
                    raise DamagedHeapError(f"the file's text storage (global heap at byte {at:,}) claims {size:,} "
                                           f"bytes; at most {MAX_HEAP_BYTES:,} are accepted.")
                if size < header or at + size > n:
                    raise DamagedHeapError(f"the file's text storage (global heap at byte {at:,}) is damaged: it "
                                           f"claims {size:,} bytes.")
                p, end = at + header, at + size
                while p + header <= end:
                    walked += 1
                    if walked > MAX_HEAP_OBJECTS:
                        raise DamagedHeapError(f"the file's text storage holds more than {MAX_HEAP_OBJECTS:,} "
                                               "objects; VisualNet does not read it.")
                    index = int.from_bytes(image[p:p + 2], "little")
                    length = int.from_bytes(image[p + 8:p + 8 + lsize], "little")
                    need = length if index == 0 else header + _align8(length)
                    if need <= 0 or p + need > end:
                        raise DamagedHeapError(f"the file's text storage (global heap at byte {at:,}) is damaged "
                                               f"at byte {p:,}; reading it could hang, so the file is refused.")
                    p += need
            at = image.find(b"GCOL", at + 4)
    finally:
        if isinstance(image, mmap.mmap):
            image.close()
