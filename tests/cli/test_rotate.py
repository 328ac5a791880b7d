"""``pysops rotate`` and ``-r``: new data key, --add-age/--rm-age, readable by Go sops (issue 4)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _kit import PLAIN_YAML, go, go_encrypt, key_env, py
from conftest import AgeKey, run_go, run_pysops

pytestmark = pytest.mark.gosops


def values(text: bytes) -> list[str]:
    return re.findall(r"ENC\[AES256_GCM,data:[^,]*", text.decode())


def test_rotate_adds_and_removes_recipients(
    tmp_path: Path, age_key: AgeKey, age_key2: AgeKey
) -> None:
    secret = go_encrypt(tmp_path / "secret.yaml", PLAIN_YAML, age_key)
    before = secret.read_bytes()
    done = py(
        "rotate",
        "-i",
        "--add-age",
        age_key2.recipient,
        str(secret),
        env=key_env(age_key),
    )
    assert done.returncode == 0, done.stderr
    after = secret.read_bytes()
    assert not set(values(before)) & set(values(after))
    assert go("decrypt", str(secret), env=key_env(age_key2)).stdout == PLAIN_YAML

    done = py(
        "-r", "-i", "--rm-age", age_key.recipient, str(secret), env=key_env(age_key2)
    )
    assert done.returncode == 0, done.stderr
    assert age_key.recipient.encode() not in secret.read_bytes()
    assert go("decrypt", str(secret), env=key_env(age_key)).returncode == 128
    assert go("decrypt", str(secret), env=key_env(age_key2)).stdout == PLAIN_YAML


def test_go_rotates_a_pysops_file(
    tmp_path: Path, age_key: AgeKey, age_key2: AgeKey
) -> None:
    plain = tmp_path / "plain.yaml"
    plain.write_bytes(PLAIN_YAML)
    made = py("encrypt", "--age", age_key.recipient, str(plain), env=key_env(age_key))
    secret = tmp_path / "secret.yaml"
    secret.write_bytes(made.stdout)
    done = go(
        "rotate",
        "-i",
        "--add-age",
        age_key2.recipient,
        str(secret),
        env=key_env(age_key),
    )
    assert done.returncode == 0, done.stderr
    assert py("decrypt", str(secret), env=key_env(age_key2)).stdout == PLAIN_YAML


def test_rotate_to_stdout_leaves_file(tmp_path: Path, age_key: AgeKey) -> None:
    secret = go_encrypt(tmp_path / "secret.yaml", PLAIN_YAML, age_key)
    before = secret.read_bytes()
    done = py("rotate", str(secret), env=key_env(age_key))
    assert done.returncode == 0 and done.stdout.startswith(b"#ENC[AES256_GCM")
    assert secret.read_bytes() == before


def test_rotate_several_files_in_one_run(
    tmp_path: Path, go_sops: Path, age_key: AgeKey
) -> None:
    """One process for many files (beyond Go sops, which takes one file)."""
    env = {"SOPS_AGE_KEY_FILE": str(age_key.path)}
    files = []
    for i in range(3):
        plain = tmp_path / f"f{i}.yaml"
        plain.write_text(f"secret: value{i}\n")
        enc = run_go(
            go_sops, "encrypt", "--age", age_key.recipient, str(plain), env=env
        )
        plain.write_bytes(enc.stdout)
        files.append(plain)
    before = [f.read_bytes() for f in files]
    result = run_pysops("rotate", "-i", *map(str, files), env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    for i, (f, old) in enumerate(zip(files, before, strict=True)):
        assert f.read_bytes() != old
        assert (
            run_go(go_sops, "decrypt", str(f), env=env).stdout
            == f"secret: value{i}\n".encode()
        )
    refused = run_pysops("rotate", *map(str, files), env=env)
    assert refused.returncode == 8
