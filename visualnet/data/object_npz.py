"""`.npz` files whose object arrays hold lists of integers (Keras's imdb.npz and reuters.npz),
read without unpickling.

NumPy stores an object array as a pickle: `ndarray.__reduce__` gives
`_reconstruct(ndarray, (0,), b'b')` and a state `(1, shape, dtype('O8'), is_fortran, items)`.
`read_npz` interprets that stream with a tiny stack machine that knows only the opcodes such
a stream uses (protocols 2 to 5: ints, strings, bytes, None, booleans, tuples, lists, the
memo, and GLOBAL/STACK_GLOBAL, REDUCE and BUILD for the three callables above, plus
`_codecs.encode(text, "latin1")`, protocol 2's spelling of bytes). The callables are
recognised by name and never looked up or called (their effect is computed here); any other opcode, global,
item type or shape is refused with `FormatError` naming the file, the array and the opcode.
So a hostile file can at worst be refused, never run code (`np.load(allow_pickle=True)` would
run whatever the pickle names). Numeric arrays are read by NumPy with `allow_pickle=False`.
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import numpy as np

from .errors import FormatError
from .memory import check_fits

_RECONSTRUCT = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct")}
_NDARRAY = ("numpy", "ndarray")
_DTYPE = ("numpy", "dtype")
_ENCODE = ("_codecs", "encode")
_MARK = object()


class _Global:
    """A global the stream names (recognised, never resolved)."""

    def __init__(self, module: str, name: str):
        self.key = (module, name)


class _ArrayStub:
    """`_reconstruct(ndarray, ...)`'s result before BUILD gives it shape and items."""

    array = None


class _DtypeStub:
    def __init__(self, code: str):
        self.code = code


class _Refused(Exception):
    pass


def _reduce(func, args):
    if not isinstance(func, _Global):
        raise _Refused("REDUCE of something other than a global")
    if func.key in _RECONSTRUCT:
        if not (isinstance(args, tuple) and args and isinstance(args[0], _Global) and args[0].key == _NDARRAY):
            raise _Refused("_reconstruct of something other than numpy.ndarray")
        return _ArrayStub()
    if func.key == _ENCODE:          # how protocol 2 writes bytes from Python 3: computed here, not called
        if not (isinstance(args, tuple) and len(args) == 2 and isinstance(args[0], str) and args[1] == "latin1"):
            raise _Refused(f"_codecs.encode{args!r}")
        return args[0].encode("latin-1")
    if func.key == _DTYPE:
        if not (isinstance(args, tuple) and args and args[0] in ("O8", "O4", "O")):
            raise _Refused(f"numpy.dtype{args!r}: only the object dtype is read here")
        return _DtypeStub(args[0])
    raise _Refused(f"global {'.'.join(func.key)}")


def _build(obj, state):
    if isinstance(obj, _DtypeStub):
        return obj                   # the dtype's byte order and flags: nothing to keep for 'O'
    if not isinstance(obj, _ArrayStub) or obj.array is not None:
        raise _Refused("BUILD of something other than a new array")
    if not (isinstance(state, tuple) and len(state) == 5 and isinstance(state[2], _DtypeStub)):
        raise _Refused("an array state other than (version, shape, object dtype, fortran, items)")
    _, shape, _, fortran, items = state
    if not (isinstance(shape, tuple) and all(isinstance(d, int) and d >= 0 for d in shape)):
        raise _Refused(f"array shape {shape!r}")
    if not isinstance(items, list) or len(items) != int(np.prod(shape, dtype=np.int64)):
        raise _Refused("array items that are not a list of the shape's size")
    for item in items:
        if not (isinstance(item, list) and all(type(v) is int for v in item)) and type(item) is not int:
            raise _Refused("an item that is neither an integer nor a list of integers")
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    obj.array = out.reshape(shape, order="F" if fortran else "C")
    return obj


def _unpickle(data: bytes):
    """The object array the pickle `data` describes (see the module docstring)."""
    stack: list = []
    memo: dict = {}
    pos, n = 0, len(data)

    def take(k: int) -> bytes:
        nonlocal pos
        if pos + k > n:
            raise _Refused("the stream ends early")
        out = data[pos:pos + k]
        pos += k
        return out

    def pop_mark() -> list:
        for i in range(len(stack) - 1, -1, -1):
            if stack[i] is _MARK:
                items = stack[i + 1:]
                del stack[i:]
                return items
        raise _Refused("no MARK on the stack")

    def text(raw: bytes, codec: str) -> str:
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            raise _Refused("a string that cannot be decoded") from None

    while True:
        op = take(1)
        if op == b"\x80":                                   # PROTO
            take(1)
        elif op == b"\x95":                                 # FRAME
            take(8)
        elif op == b".":                                    # STOP
            if len(stack) != 1 or not isinstance(stack[0], _ArrayStub) or stack[0].array is None:
                raise _Refused("the stream's result is not an object array")
            return stack[0].array
        elif op == b"(":                                    # MARK
            stack.append(_MARK)
        elif op == b"c":                                    # GLOBAL
            module = text(data[pos:data.index(b"\n", pos)], "ascii")
            pos += len(module) + 1
            name = text(data[pos:data.index(b"\n", pos)], "ascii")
            pos += len(name) + 1
            stack.append(_Global(module, name))
        elif op == b"\x93":                                 # STACK_GLOBAL
            name, module = stack.pop(), stack.pop()
            if not (isinstance(module, str) and isinstance(name, str)):
                raise _Refused("STACK_GLOBAL without two strings")
            stack.append(_Global(module, name))
        elif op == b"K":                                    # BININT1
            stack.append(take(1)[0])
        elif op == b"M":                                    # BININT2
            stack.append(struct.unpack("<H", take(2))[0])
        elif op == b"J":                                    # BININT
            stack.append(struct.unpack("<i", take(4))[0])
        elif op == b"\x8a":                                 # LONG1
            size = take(1)[0]
            if size > 8:
                raise _Refused(f"an integer of {size} bytes")
            stack.append(int.from_bytes(take(size), "little", signed=True))
        elif op == b"\x8c":                                 # SHORT_BINUNICODE
            stack.append(text(take(take(1)[0]), "utf-8"))
        elif op == b"X":                                    # BINUNICODE
            stack.append(text(take(struct.unpack("<I", take(4))[0]), "utf-8"))
        elif op == b"U":                                    # SHORT_BINSTRING (protocol 2)
            stack.append(text(take(take(1)[0]), "latin-1"))
        elif op == b"T":                                    # BINSTRING (protocol 2)
            stack.append(text(take(struct.unpack("<I", take(4))[0]), "latin-1"))
        elif op == b"C":                                    # SHORT_BINBYTES
            stack.append(take(take(1)[0]))
        elif op == b"B":                                    # BINBYTES
            stack.append(take(struct.unpack("<I", take(4))[0]))
        elif op == b"N":
            stack.append(None)
        elif op == b"\x88":
            stack.append(True)
        elif op == b"\x89":
            stack.append(False)
        elif op == b")":                                    # EMPTY_TUPLE
            stack.append(())
        elif op in (b"\x85", b"\x86", b"\x87"):             # TUPLE1, TUPLE2, TUPLE3
            k = {b"\x85": 1, b"\x86": 2, b"\x87": 3}[op]
            if len(stack) < k or any(v is _MARK for v in stack[-k:]):
                raise _Refused("a tuple of missing items")
            items = tuple(stack[-k:])
            del stack[-k:]
            stack.append(items)
        elif op == b"t":                                    # TUPLE
            stack.append(tuple(pop_mark()))
        elif op == b"]":                                    # EMPTY_LIST
            stack.append([])
        elif op == b"l":                                    # LIST
            stack.append(pop_mark())
        elif op == b"a":                                    # APPEND
            value = stack.pop()
            if not isinstance(stack[-1], list):
                raise _Refused("APPEND to something other than a list")
            stack[-1].append(value)
        elif op == b"e":                                    # APPENDS
            items = pop_mark()
            if not stack or not isinstance(stack[-1], list):
                raise _Refused("APPENDS to something other than a list")
            stack[-1].extend(items)
        elif op == b"R":                                    # REDUCE
            args, func = stack.pop(), stack.pop()
            stack.append(_reduce(func, args))
        elif op == b"b":                                    # BUILD
            state = stack.pop()
            stack[-1] = _build(stack[-1], state)
        elif op == b"q":                                    # BINPUT
            memo[take(1)[0]] = stack[-1]
        elif op == b"r":                                    # LONG_BINPUT
            memo[struct.unpack("<I", take(4))[0]] = stack[-1]
        elif op == b"\x94":                                 # MEMOIZE
            memo[len(memo)] = stack[-1]
        elif op in (b"h", b"j"):                            # BINGET, LONG_BINGET
            key = take(1)[0] if op == b"h" else struct.unpack("<I", take(4))[0]
            if key not in memo:
                raise _Refused(f"memo entry {key} read before it is written")
            stack.append(memo[key])
        else:
            raise _Refused(f"pickle opcode {op!r} at byte {pos - 1}")


def read_npy_bytes(raw: bytes, *, file=None, name: str = "the array") -> np.ndarray:
    """One `.npy` stream: numeric arrays through NumPy (allow_pickle=False), object arrays of
    integers or integer lists through the reader above."""
    f = io.BytesIO(raw)
    try:
        version = np.lib.format.read_magic(f)
        header = (np.lib.format.read_array_header_1_0 if version[0] == 1 else np.lib.format.read_array_header_2_0)
        shape, fortran, dtype = header(f)
    except ValueError as e:
        raise FormatError(f"{name} is not a .npy array: {e}", file=file) from None
    if dtype != np.dtype(object):
        f.seek(0)
        try:
            return np.lib.format.read_array(f, allow_pickle=False)
        except ValueError as e:
            raise FormatError(f"cannot read {name}: {e}", file=file) from None
    try:
        out = _unpickle(raw[f.tell():])
    except (_Refused, IndexError, ValueError, struct.error) as e:
        why = str(e) if isinstance(e, _Refused) else "the stream is damaged"
        raise FormatError(f"{name} is an object array this reader refuses ({why}); VisualNet reads only NumPy "
                          "object arrays of integer lists (as Keras's imdb.npz and reuters.npz hold) and never "
                          "unpickles anything else", file=file) from None
    if out.shape != tuple(shape):
        raise FormatError(f"{name}: the header says shape {tuple(shape)} but the data hold {out.shape}", file=file)
    return out


def read_npz(path) -> dict[str, np.ndarray]:
    """{name: array} of every array in an `.npz` file, object arrays included (see above)."""
    path = Path(path)
    if not zipfile.is_zipfile(path):
        raise FormatError("not an .npz file (not a zip archive)", file=path)
    out = {}
    with zipfile.ZipFile(path) as zf:
        infos = [i for i in zf.infolist() if i.filename.endswith(".npy")]
        # an int in a Python list takes up to 36 bytes where the pickle spends 2 to 5
        check_fits(12 * sum(i.file_size for i in infos), "the arrays of the .npz file", file=path)
        for info in infos:
            name = info.filename[:-4]
            try:
                raw = zf.read(info)
            except (zipfile.BadZipFile, OSError, EOFError) as e:
                raise FormatError(f"array {name!r} cannot be read from the archive: {e}", file=path) from None
            out[name] = read_npy_bytes(raw, file=path, name=f"array {name!r}")
    return out
