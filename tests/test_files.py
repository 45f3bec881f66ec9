"""Saving: atomic, and otherwise what an ordinary write makes (issue 14)."""
from __future__ import annotations

import os
import stat

import pytest

from gradsim.experiment import Experiment
from gradsim.files import write_atomically


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_file_gets_the_mode_the_umask_gives(tmp_path):
    old = os.umask(0o022)
    try:
        write_atomically(str(tmp_path / "a.json"), "{}")
    finally:
        os.umask(old)
    assert mode(tmp_path / "a.json") == 0o644


def test_an_existing_file_keeps_its_mode(tmp_path):
    path = tmp_path / "a.json"
    path.write_text("old")
    os.chmod(path, 0o640)
    write_atomically(str(path), "new")
    assert path.read_text() == "new" and mode(path) == 0o640


def test_a_symbolic_link_is_written_through_not_replaced(tmp_path):
    target, link = tmp_path / "real.json", tmp_path / "link.json"
    target.write_text("old")
    link.symlink_to(target)
    write_atomically(str(link), "new")
    assert link.is_symlink() and target.read_text() == "new"


def test_a_read_only_file_is_refused_and_kept(tmp_path):
    path = tmp_path / "a.json"
    path.write_text("old")
    os.chmod(path, 0o444)
    with pytest.raises(PermissionError, match="read-only"):
        write_atomically(str(path), "new")
    assert path.read_text() == "old"


def test_a_failed_save_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "e.json"
    Experiment.default().save(str(path))
    before = path.read_text()

    def full_disk(*args):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError, match="No space left"):
        Experiment(surface="saddle", runs=Experiment.default().runs).save(str(path))
    assert path.read_text() == before and sorted(os.listdir(tmp_path)) == ["e.json"]
