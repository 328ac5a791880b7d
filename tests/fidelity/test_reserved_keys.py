"""Issue 5, kind 6: every command that writes refuses the reserved top-level key."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from _fidelity import pysops_encrypt
from conftest import AgeKey, run_pysops

PLAIN = {
    "yaml": b"a: 1\n",
    "json": b'{"a": 1}',
    "ini": b"[s]\na = 1\n",
    "env": b"a=1\n",
}
RESERVED_PATH = {
    "yaml": '["sops"]',
    "json": '["sops"]',
    "ini": '["sops"]["k"]',
    "env": '["sops_x"]',
}
WITH_RESERVED = {
    "yaml": b"a: 1\nsops: x\n",
    "json": b'{"a": 1, "sops": {"x": 1}}',
    "ini": b"[s]\na = 1\n[sops]\nk = v\n",
    "env": b"a=1\nsops_mac=x\n",
}


@pytest.mark.parametrize("ext", list(PLAIN))
def test_set_refuses_and_leaves_the_file(
    tmp_path: Path, age_key: AgeKey, ext: str
) -> None:
    encrypted = pysops_encrypt(tmp_path, age_key, f"f.{ext}", PLAIN[ext])
    before = encrypted.read_bytes()
    done = run_pysops("set", str(encrypted), RESERVED_PATH[ext], '"x"',
                      env={"SOPS_AGE_KEY_FILE": str(age_key.path)})  # fmt: skip
    assert done.returncode == 91
    assert b"reserved" in done.stderr and b"Traceback" not in done.stderr
    assert encrypted.read_bytes() == before
    allowed = '["s"]["b"]' if ext == "ini" else '["b"]'
    env = {"SOPS_AGE_KEY_FILE": str(age_key.path)}
    assert run_pysops("set", str(encrypted), allowed, '"x"', env=env).returncode == 0


@pytest.mark.parametrize("ext", list(PLAIN))
def test_encrypt_refuses(tmp_path: Path, age_key: AgeKey, ext: str) -> None:
    path = tmp_path / f"p.{ext}"
    path.write_bytes(WITH_RESERVED[ext])
    done = run_pysops("encrypt", "--age", age_key.recipient, str(path))
    assert done.returncode == 203 and done.stdout == b""


@pytest.mark.parametrize("ext", list(PLAIN))
def test_encrypt_reuse_from_refuses(tmp_path: Path, age_key: AgeKey, ext: str) -> None:
    old = pysops_encrypt(tmp_path, age_key, f"old.{ext}", PLAIN[ext])
    path = tmp_path / f"new.{ext}"
    path.write_bytes(WITH_RESERVED[ext])
    done = run_pysops("encrypt", "--reuse-from", str(old), str(path),
                      env={"SOPS_AGE_KEY_FILE": str(age_key.path)})  # fmt: skip
    assert done.returncode == 203 and done.stdout == b""


@pytest.mark.parametrize("ext", list(PLAIN))
def test_edit_refuses_and_leaves_the_file(
    tmp_path: Path, age_key: AgeKey, ext: str
) -> None:
    encrypted = pysops_encrypt(tmp_path, age_key, f"e.{ext}", PLAIN[ext])
    before = encrypted.read_bytes()
    replacement = tmp_path / f"replacement.{ext}"
    replacement.write_bytes(WITH_RESERVED[ext])
    editor = tmp_path / "editor.sh"
    editor.write_text(f'#!/bin/sh\ncp "{replacement}" "$1"\n')
    editor.chmod(editor.stat().st_mode | stat.S_IXUSR)
    env = {"SOPS_AGE_KEY_FILE": str(age_key.path), "EDITOR": str(editor)}
    env.pop("SOPS_EDITOR", None)
    os.environ.pop("SOPS_EDITOR", None)
    done = run_pysops("edit", str(encrypted), env=env, input=b"")
    assert done.returncode != 0 and b"Traceback" not in done.stderr
    assert encrypted.read_bytes() == before
