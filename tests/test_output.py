"""Atomic writes."""

from __future__ import annotations


def test_outputs_follow_the_umask(tmp_path):
    import os

    from composer.output import write_atomic

    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "a.txt", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o644
    (tmp_path / "a.txt").chmod(0o600)
    write_atomic(tmp_path / "a.txt", "y")  # a replaced file keeps its mode
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o600
