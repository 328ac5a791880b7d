"""In-place writes: atomic, through symlinks, keeping hard links, mode and owner."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from conftest import AgeKey, run_pysops

from pysops.cli.common import write_atomic
from pysops.errors import SopsError


def test_symlink_stays_a_link_and_its_target_is_encrypted(
    tmp_path: Path, age_key: AgeKey
) -> None:
    real = tmp_path / "real.yaml"
    real.write_text("pw: secret\n")
    link = tmp_path / "link.yaml"
    link.symlink_to("real.yaml")
    result = run_pysops("encrypt", "-i", "--age", age_key.recipient, str(link))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink()
    assert b"secret" not in real.read_bytes()
    assert b"ENC[AES256_GCM" in real.read_bytes()


def test_hard_links_all_see_the_new_content(tmp_path: Path, age_key: AgeKey) -> None:
    real = tmp_path / "real.yaml"
    real.write_text("pw: secret\n")
    other = tmp_path / "hard.yaml"
    os.link(real, other)
    result = run_pysops("encrypt", "-i", "--age", age_key.recipient, str(real))
    assert result.returncode == 0, result.stderr
    assert b"secret" not in other.read_bytes()
    assert os.stat(real).st_ino == os.stat(other).st_ino


def test_mode_and_owner_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "f"
    target.write_bytes(b"old")
    target.chmod(0o640)
    if os.geteuid() == 0:
        os.chown(target, 65534, 65534)
    write_atomic(str(target), b"new")
    info = target.stat()
    assert target.read_bytes() == b"new"
    assert info.st_mode & 0o777 == 0o640
    if os.geteuid() == 0:
        assert (info.st_uid, info.st_gid) == (65534, 65534)


def test_failed_write_leaves_the_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "f"
    target.write_bytes(b"old")

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(SopsError) as info:
        write_atomic(str(target), b"new")
    assert info.value.exit_code == 3
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "home") == ["f"]


def test_a_mount_point_is_rewritten_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "f"
    target.write_bytes(b"old content")
    inode = target.stat().st_ino

    def busy(src: str, dst: object) -> None:
        raise OSError(errno.EBUSY, "Device or resource busy")

    monkeypatch.setattr(os, "replace", busy)
    write_atomic(str(target), b"new")
    assert target.read_bytes() == b"new"
    assert target.stat().st_ino == inode
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "home") == ["f"]


def test_in_place_failure_puts_the_old_bytes_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pysops.cli import common

    target = tmp_path / "f"
    target.write_bytes(b"old")
    os.link(target, tmp_path / "g")
    real = common._overwrite
    calls = []

    def flaky(path: Path, data: bytes) -> None:
        calls.append(data)
        if len(calls) == 1:
            with open(path, "r+b") as handle:
                handle.write(data[:1])
                handle.truncate()
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, data)

    monkeypatch.setattr(common, "_overwrite", flaky)
    with pytest.raises(SopsError, match="left unchanged"):
        write_atomic(str(target), b"new")
    assert target.read_bytes() == b"old"
