"""What a window knows about its project file on disk (no Qt here).

`FileStamp` records a file as this window last read or wrote it, so that a save can tell
whether another program (typically a second running VisualNet) wrote it in between.
`ProjectLock` is a small lock file beside a project (`.<name>.vnlock`, holding pid, host
and a per-window token) that tells a second window the project is already open.

When is the hash computed?  A stamp holds size, mtime (ns) and inode, and a SHA-256:

* files up to `FULL_HASH_BYTES` (64 MiB) are hashed whole, and on a check the hash
  decides whenever the size is unchanged, whatever mtime says. mtime is weak evidence both
  ways: file systems with coarse clocks (FAT 2 s, HFS+ 1 s, many network shares, stat
  caches on SMB/NFS) can show two saves a moment apart with the same mtime, and a project
  re-saved after a change of weights has exactly the same size; while copies, sync tools
  and `touch` change mtime without changing a byte (a needless question). Hashing 64 MiB
  from the page cache takes tens of milliseconds, small next to writing the file.
* larger files are not hashed whole (seconds per save for gigabytes of weights). Their
  digest covers the first and the last MiB (the HDF5 superblock, the root attributes with
  `saved_at`, the end of the data); a check says "changed" when size, mtime or inode differ
  (every atomic save makes a new inode), and otherwise compares that sampled digest. A
  false "changed" only asks the user a question; a false "unchanged" would need the same
  size, mtime, inode and first and last MiB.

A file missing on disk now is "not changed" for a save: overwriting it loses nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
import time
from dataclasses import dataclass
from pathlib import Path

FULL_HASH_BYTES = 64 << 20   # files up to this size are hashed whole
SAMPLE_BYTES = 1 << 20       # larger files: this much from the start and from the end
LOCK_SUFFIX = ".vnlock"


def _digest(path: Path, size: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        if size <= FULL_HASH_BYTES:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        else:
            h.update(fh.read(SAMPLE_BYTES))
            fh.seek(max(0, size - SAMPLE_BYTES))
            h.update(fh.read(SAMPLE_BYTES))
            h.update(str(size).encode())
    return h.hexdigest()


@dataclass(frozen=True)
class FileStamp:
    """A file as seen at one moment: `size` is None when it did not exist."""

    size: int | None
    mtime_ns: int = 0
    inode: int = 0
    digest: str = ""

    @classmethod
    def of(cls, path) -> "FileStamp":
        """The stamp of `path` now (raises OSError only for a file that exists but cannot
        be read)."""
        path = Path(path)
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return cls(None)
        if not stat.S_ISREG(st.st_mode):
            return cls(st.st_size, st.st_mtime_ns, st.st_ino, "")
        return cls(st.st_size, st.st_mtime_ns, st.st_ino, _digest(path, st.st_size))

    @property
    def exists(self) -> bool:
        return self.size is not None

    def changed(self, path) -> bool:
        """True when `path` now holds something other than what this stamp saw (see the
        module docstring for the evidence used). A file gone since is not "changed"; an
        unreadable one is (the caller should not assume it knows what is there)."""
        path = Path(path)
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return False
        except OSError:
            return True
        if not self.exists or st.st_size != self.size:
            return True
        if st.st_size > FULL_HASH_BYTES and (st.st_mtime_ns != self.mtime_ns or st.st_ino != self.inode):
            return True
        try:
            return _digest(path, st.st_size) != self.digest
        except OSError:
            return True


# ===================================================================== lock file
def lock_path(path) -> Path:
    """`.<name>.vnlock` beside the project."""
    path = Path(path)
    return path.with_name("." + path.name + LOCK_SUFFIX)


def _pid_running(pid: int) -> bool:
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    if os.name == "nt":
        import ctypes

        kernel = ctypes.windll.kernel32
        handle = kernel.OpenProcess(0x1000, False, pid)   # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.get_last_error() == 5             # access denied: it exists
        try:
            code = ctypes.c_ulong()
            if not kernel.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == 259                        # STILL_ACTIVE
        finally:
            kernel.CloseHandle(handle)
    try:
        os.kill(pid, 0)    # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True        # someone else's process
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class Holder:
    """Who holds a lock file: a process on a host (and which window of it)."""

    pid: int
    host: str
    token: str = ""
    since: float = 0.0

    def alive(self) -> bool:
        """True unless it certainly is gone: a pid no longer running on this host. A lock
        from another host cannot be checked and counts as held."""
        if self.host != socket.gethostname():
            return True
        return _pid_running(self.pid)

    def describe(self) -> str:
        here = self.host == socket.gethostname()
        return f"pid {self.pid}" if here else f"pid {self.pid} on {self.host}"


def read_lock(path) -> Holder | None:
    """The holder recorded in the lock file of project `path`, or None (no lock, or one
    that cannot be read: treated as absent)."""
    try:
        data = json.loads(lock_path(path).read_text(encoding="utf-8"))
        return Holder(int(data["pid"]), str(data["host"]), str(data.get("token", "")),
                      float(data.get("since", 0.0)))
    except (OSError, ValueError, KeyError, TypeError, UnicodeError):
        return None


class ProjectLock:
    """One window's claim on (at most) one project file. `acquire(path)` writes the lock
    unless another live holder has it, and returns that other holder (or None);
    `release()` removes the lock only if it is still this window's."""

    def __init__(self):
        self.token = os.urandom(8).hex()
        self.path: Path | None = None     # the project this window holds (or tried to)

    def _mine(self) -> Holder:
        return Holder(os.getpid(), socket.gethostname(), self.token, time.time())

    def acquire(self, path) -> Holder | None:
        """Claim `path`: the lock file is created exclusively (complete when it appears), so
        of two windows claiming at once exactly one wins and the other is told. A lock of a
        holder that is gone is moved aside and the claim retried."""
        path = Path(path)
        if self.path is not None and self.path != path:
            self.release()
        self.path = path
        me = self._mine()
        text = json.dumps({"app": "VisualNet", "pid": me.pid, "host": me.host, "token": me.token,
                           "since": me.since})
        target = lock_path(path)
        tmp = target.with_name(target.name + "." + self.token)
        try:
            tmp.write_text(text, encoding="utf-8")
        except OSError:               # a read-only folder: no lock, no complaint
            return None
        try:
            for _ in range(3):
                if _create_from(tmp, target):
                    return None
                other = read_lock(path)
                if other is not None and other.token == self.token:
                    return None
                if other is not None and other.alive():
                    return other
                _move_aside(target, other, self.token)   # a dead holder's, or unreadable
            return read_lock(path)
        finally:
            try:
                tmp.unlink()
            except OSError:
                pass

    def holder(self) -> Holder | None:
        """Another live holder of this window's project, if any."""
        if self.path is None:
            return None
        other = read_lock(self.path)
        return other if other is not None and other.token != self.token and other.alive() else None

    def release(self) -> None:
        path, self.path = self.path, None
        if path is None:
            return
        other = read_lock(path)
        if other is not None and other.token == self.token:
            try:
                lock_path(path).unlink()
            except OSError:
                pass


def _create_from(tmp: Path, target: Path) -> bool:
    """Create `target` with `tmp`'s content only if it does not exist (a hard link is
    atomic and complete; where links are not supported, an exclusive create)."""
    try:
        os.link(tmp, target)
        return True
    except FileExistsError:
        return False
    except OSError:
        pass
    try:
        with open(target, "x", encoding="utf-8") as fh:
            fh.write(tmp.read_text(encoding="utf-8"))
        return True
    except FileExistsError:
        return False
    except OSError:
        return True                   # cannot lock here at all: go on unlocked


def _move_aside(target: Path, seen: Holder | None, token: str) -> None:
    """Remove the stale lock `seen` at `target`, but not a live claim made since: it is
    renamed away first (only one window can), and put back if it is not the one seen."""
    aside = target.with_name(target.name + ".stale." + token)
    try:
        os.replace(target, aside)
    except OSError:
        return
    try:
        data = json.loads(aside.read_text(encoding="utf-8"))
        moved = str(data.get("token", ""))
    except (OSError, ValueError, AttributeError, UnicodeError):
        moved = ""
    if moved and (seen is None or moved != seen.token):
        try:
            os.link(aside, target)    # a fresh claim: restore it (unless another took its place)
        except OSError:
            pass
    try:
        aside.unlink()
    except OSError:
        pass
