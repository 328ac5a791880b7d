"""Fidelity test helpers (issue 5): encrypt with pysops, decrypt with both tools."""

from __future__ import annotations

from pathlib import Path

from conftest import AgeKey, run_go, run_pysops


def pysops_encrypt(tmp: Path, key: AgeKey, name: str, data: bytes, *flags: str) -> Path:
    """Encrypt ``data`` with pysops as the file ``name``; return the encrypted file."""
    plain = tmp / ("plain-" + name)
    plain.write_bytes(data)
    done = run_pysops("encrypt", "--age", key.recipient, *flags, str(plain))
    assert done.returncode == 0, done.stderr.decode()
    encrypted = tmp / name
    encrypted.write_bytes(done.stdout)
    return encrypted


def pysops_decrypt(key: AgeKey, path: Path, *flags: str) -> bytes:
    done = run_pysops(
        "decrypt", *flags, str(path), env={"SOPS_AGE_KEY_FILE": str(key.path)}
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def go_decrypt(go: Path, key: AgeKey, path: Path, *flags: str) -> bytes:
    """Go's plaintext of ``path``; fails the test when Go errors (MAC mismatch too)."""
    done = run_go(
        go, "decrypt", *flags, str(path), env={"SOPS_AGE_KEY_FILE": str(key.path)}
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout
