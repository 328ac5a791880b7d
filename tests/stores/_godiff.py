"""Differential helpers for the store tests: let Go sops read and write a file.

Go encrypts a plaintext file with an age recipient and decrypts it again; its
output is what Go's store makes of the input (parse, then emit).  The
encrypted file shows the structure and the ``type:`` of every value Go saw.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from conftest import AgeKey, run_go

from pysops.tree import Branch, Comment

ENC = re.compile(r"^ENC\[AES256_GCM,data:.*,iv:.+,tag:.+,type:(.+)\]$")


def go_encrypt(go: Path, key: AgeKey, name: str, data: bytes) -> bytes:
    """Go's encrypted file for ``data`` stored under the file name ``name``."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / name
        path.write_bytes(data)
        done = run_go(go, "encrypt", "--age", key.recipient, str(path))
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def go_decrypt(go: Path, key: AgeKey, name: str, data: bytes, *flags: str) -> bytes:
    """Go's plaintext output for the encrypted file ``data`` named ``name``."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / name
        path.write_bytes(data)
        done = run_go(
            go, "decrypt", *flags, str(path), env={"SOPS_AGE_KEY_FILE": str(key.path)}
        )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def go_roundtrip(go: Path, key: AgeKey, name: str, data: bytes) -> tuple[bytes, bytes]:
    """``(encrypted, decrypted)`` as produced by Go for the plaintext ``data``."""
    encrypted = go_encrypt(go, key, name, data)
    return encrypted, go_decrypt(go, key, name, encrypted)


def expected_types(value: Any) -> set[str]:
    """The ``type:`` tags Go may write for a value pysops loaded."""
    if isinstance(value, bool):
        return {"bool"}
    if isinstance(value, int):
        return {"int", "float"}  # Go 3.11 reads every JSON number as a float
    if isinstance(value, float):
        return {"float"}
    return {"str"}


def assert_same_shape(plain: Any, encrypted: Any, path: str = "") -> None:
    """``encrypted`` (Go's tree, values as ``ENC[...]``) has the shape of ``plain``.

    Keys, order, list lengths and comment positions must match, and each
    encrypted value must carry the type of the plaintext value.
    """
    if isinstance(plain, Branch):
        assert isinstance(encrypted, Branch), path
        assert len(plain) == len(encrypted), path
        for (pk, pv), (ek, ev) in zip(plain, encrypted, strict=True):
            if isinstance(pk, Comment):
                assert isinstance(ek, Comment), path
                continue
            assert pk == ek, path
            assert_same_shape(pv, ev, f"{path}/{pk}")
    elif isinstance(plain, list):
        assert isinstance(encrypted, list) and len(plain) == len(encrypted), path
        for i, (pv, ev) in enumerate(zip(plain, encrypted, strict=True)):
            assert_same_shape(pv, ev, f"{path}[{i}]")
    elif plain is None or plain == "":
        assert encrypted == plain, path
    else:
        match = ENC.match(encrypted) if isinstance(encrypted, str) else None
        if match is None:  # left in clear text (e.g. an _unencrypted key)
            assert encrypted == plain, path
        else:
            assert match.group(1) in expected_types(plain), path
