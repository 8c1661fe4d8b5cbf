"""Atomic writes: all or nothing, nothing left behind, permissions as a plain write gives."""

from __future__ import annotations

import os
import stat

import pytest

from autograd.atomic import write_atomically


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_file_gets_the_permissions_open_would_give(tmp_path):
    umask = os.umask(0o022)
    try:
        write_atomically(tmp_path / "new.json", b"{}")
        (tmp_path / "plain.json").write_bytes(b"{}")
    finally:
        os.umask(umask)
    assert mode_of(tmp_path / "new.json") == mode_of(tmp_path / "plain.json") == 0o644


def test_a_replaced_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "model.json"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new" and mode_of(target) == 0o640


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing_behind(tmp_path, monkeypatch):
    target = tmp_path / "model.json"
    target.write_bytes(b"old")

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OSError, match="disk full"):
        write_atomically(target, b"new")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]
