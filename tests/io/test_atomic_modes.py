"""Saved files keep the replaced file's permissions, or take the umask's for a new file
(issue 26: every save came out 0600, mkstemp's private mode)."""

from __future__ import annotations

import os
import stat

import pytest

from visualnet.io.atomic import write_atomic

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_file_takes_the_umask_and_a_replaced_file_keeps_its_mode(tmp_path):
    old = os.umask(0o027)
    try:
        target = tmp_path / "model.vnet"
        write_atomic(target, lambda p: p.write_bytes(b"one"))
        assert _mode(target) == 0o640
        os.chmod(target, 0o604)
        write_atomic(target, lambda p: p.write_bytes(b"two"))
        assert _mode(target) == 0o604 and target.read_bytes() == b"two"
    finally:
        os.umask(old)
