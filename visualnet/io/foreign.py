"""Keras and ONNX files from elsewhere are read in a child process, bounded in time and memory.

A file someone sent can be built to make a reader hang inside HDF5 or allocate far more
than the machine has; both happen in compiled code, holding the GIL, where no thread of
the window's process can stop them. So an import runs `python -m visualnet --import-child
SRC OUT` (the bundled executable itself when frozen): the child limits its own address
space (POSIX), reads SRC with the same bounded readers the library uses, and writes the
result as a project to OUT, which the parent then opens as any project (checked, with its
checksums). The parent stops the child at `time_limit(SRC)`. The child's answer is a JSON
file beside OUT (a windowed executable has no stdout): {"ok": true, "notes": [...]} or
{"ok": false, "error": class name, "message": ..., "unsupported": [...]}.

`import_in_child` is the blocking form (library and tests); the window starts the same
command with QProcess and reads the answer with `read_answer`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .errors import KerasFileError, UnsupportedLayersError

TIME_BASE = 15.0             # seconds any import may take
TIME_PER_BYTE = 1 / 50e6     # and more for a large file (50 MB/s)
MEMORY_BASE = 2 << 30        # bytes of address space the child may use
MEMORY_PER_BYTE = 4          # and more for a large file
FLAG = "--import-child"


class ImportStopped(KerasFileError):
    """The child was stopped at the time limit, or ended without an answer."""


@dataclass
class ForeignImport:
    """What an import gives the window: the project and notes on harmless differences."""

    project: object
    notes: list[str] = field(default_factory=list)


def time_limit(path) -> float:
    return TIME_BASE + _size(path) * TIME_PER_BYTE


def memory_limit(path) -> int:
    return MEMORY_BASE + _size(path) * MEMORY_PER_BYTE


def _size(path) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def child_command(src, out) -> tuple[list[str], dict]:
    """argv and environment of the child that converts `src` to the project `out`."""
    prefix = [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "visualnet"]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", NUMBA_NUM_THREADS="1",
               QT_QPA_PLATFORM="offscreen")
    root = str(Path(__file__).resolve().parents[2])
    if not getattr(sys, "frozen", False):
        env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "") if env.get("PYTHONPATH") else root
    return [*prefix, FLAG, str(src), str(out)], env


def scratch_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="visualnet-import-"))


def answer_path(out) -> Path:
    return Path(out).with_suffix(".answer.json")


def read_answer(src, out, returncode: int | None, stderr: str) -> ForeignImport:
    """The child's result: the project it wrote, or the error it reported as the exception
    the library would have raised (KerasFileError, UnsupportedLayersError, FileNotFoundError)."""
    from .project import open_project

    name = Path(src).name
    if returncode is None:
        raise ImportStopped(f"'{name}' was not imported: reading it took longer than {time_limit(src):.0f} s, "
                             "so it was stopped (a damaged or hostile file can make a reader loop).")
    try:
        answer = json.loads(answer_path(out).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        answer = None
    if not isinstance(answer, dict):
        limit = memory_limit(src) / 2 ** 30
        tail = (stderr or "").strip().splitlines()[-1:] or [f"exit status {returncode}"]
        raise ImportStopped(f"'{name}' was not imported: reading it stopped unexpectedly ({tail[0][:300]}). "
                             f"It may need more than the {limit:.1f} GiB of memory an import may use.")
    if answer.get("ok"):
        return ForeignImport(open_project(out), [str(n) for n in answer.get("notes", [])])
    error, message = answer.get("error"), str(answer.get("message", ""))
    if error == "UnsupportedLayersError":
        raise UnsupportedLayersError([str(u) for u in answer.get("unsupported", [])])
    if error == "FileNotFoundError":
        raise FileNotFoundError(message)
    raise KerasFileError(message)


def import_in_child(src) -> ForeignImport:
    """Import the Keras file `src` in a child process (see the module docstring)."""
    folder = scratch_dir()
    try:
        out = folder / "imported.vnet"
        argv, env = child_command(src, out)
        try:
            run = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True, errors="replace", timeout=time_limit(src))
            code, stderr = run.returncode, run.stderr
        except subprocess.TimeoutExpired:
            code, stderr = None, ""
        return read_answer(src, out, code, stderr)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# ---------------------------------------------------------------------- the child
def _limit_memory(src) -> None:
    try:
        import resource
    except ImportError:        # Windows: no per-process limit without a job object
        return
    limit = memory_limit(src)
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def child_main(src: str, out: str) -> int:
    """Convert `src` to the project `out` and write the answer. Exit status 0 whenever it answers."""
    _limit_memory(src)
    try:
        from .keras_files import import_keras_model
        from .project import Project, save_project

        if Path(src).suffix.lower() == ".onnx":
            from .onnx_import import import_onnx_model as import_keras_model   # the same answer, from ONNX
        imported = import_keras_model(src)
        save_project(Project.from_model(imported.model, graph=imported.graph), out, keep_backup=False)
        answer = {"ok": True, "notes": imported.notes}
    except UnsupportedLayersError as exc:
        answer = {"ok": False, "error": "UnsupportedLayersError", "message": str(exc), "unsupported": exc.unsupported}
    except FileNotFoundError as exc:
        answer = {"ok": False, "error": "FileNotFoundError", "message": str(exc)}
    except MemoryError:
        answer = {"ok": False, "error": "KerasFileError", "message": f"'{Path(src).name}' needs more memory than "
                  f"the {memory_limit(src) / 2 ** 30:.1f} GiB an import may use."}
    except (KerasFileError, OSError, ValueError, KeyError, TypeError) as exc:
        answer = {"ok": False, "error": "KerasFileError", "message": str(exc)}
    answer_path(out).write_text(json.dumps(answer), encoding="utf-8")
    return 0
