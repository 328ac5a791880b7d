"""Helpers for the editing and key management CLI tests: keys, files, both tools."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from conftest import AgeKey, go_sops_path, make_age_key, run_go, run_pysops

PLAIN_YAML = b"""\
# settings
db:
    user: admin
    password: s3cret
    port: 5432
hosts:
    - a.example
    - b.example
token: abc
"""


def key_env(*keys: AgeKey, directory: Path | None = None) -> dict[str, str]:
    """SOPS_AGE_KEY_FILE pointing at a file holding all these identities."""
    if len(keys) == 1:
        return {"SOPS_AGE_KEY_FILE": str(keys[0].path)}
    assert directory is not None
    combined = directory / ("keys-" + "-".join(k.path.stem for k in keys) + ".txt")
    combined.write_text("".join(f"{k.identity}\n" for k in keys))
    return {"SOPS_AGE_KEY_FILE": str(combined)}


def go_encrypt(
    path: Path, plain: bytes, *recipients: AgeKey, cwd: Path | None = None
) -> Path:
    """Encrypt ``plain`` into ``path`` with Go sops."""
    go = go_sops_path()
    assert go is not None
    source = path.with_name("plain-" + path.name)
    source.write_bytes(plain)
    args = ["encrypt"]
    if recipients:
        args += ["--age", ",".join(k.recipient for k in recipients)]
    done = run_go(
        go, *args, "--filename-override", str(path), str(source), cwd=cwd or path.parent
    )
    assert done.returncode == 0, done.stderr.decode()
    path.write_bytes(done.stdout)
    source.unlink()
    return path


def go(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    input: bytes | None = None,
) -> subprocess.CompletedProcess[bytes]:
    path = go_sops_path()
    assert path is not None
    return run_go(path, *args, cwd=cwd, env=env, input=input)


def py(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    input: bytes | None = None,
) -> subprocess.CompletedProcess[bytes]:
    return run_pysops(*args, cwd=cwd, env=env, input=input)


def script(directory: Path, name: str, body: str) -> Path:
    """An executable shell script (used as $EDITOR or as a command)."""
    path = directory / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def changed_lines(before: bytes, after: bytes) -> list[str]:
    """The first words of lines that differ (same line count expected).

    ``lastmodified`` is left out: within the same second it does not change.
    """
    old, new = before.decode().splitlines(), after.decode().splitlines()
    assert len(old) == len(new)
    words = [
        n.split(":")[0].strip().strip('"')
        for o, n in zip(old, new, strict=False)
        if o != n
    ]
    return [w for w in words if w != "lastmodified"]


def private_tmp(directory: Path) -> dict[str, str]:
    """A TMPDIR of its own, so a test can check nothing is left in it."""
    tmp = directory / "tmp"
    tmp.mkdir(exist_ok=True)
    return {"TMPDIR": str(tmp)}


__all__ = ["AgeKey", "make_age_key", "os"]
