"""``pysops exec-env`` and ``exec-file``: secrets reach the child, exit codes pass (issue 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _kit import go_encrypt, key_env, private_tmp, py
from conftest import AgeKey, run_go

pytestmark = pytest.mark.gosops

FLAT = b"DB_PASSWORD: s3cret\nPORT: 5432\nDEBUG: true\n"


@pytest.fixture
def flat(tmp_path: Path, age_key: AgeKey) -> Path:
    return go_encrypt(tmp_path / "flat.yaml", FLAT, age_key)


def test_exec_env_passes_secrets_and_exit_code(flat: Path, age_key: AgeKey) -> None:
    done = py(
        "exec-env",
        str(flat),
        'echo "$DB_PASSWORD $PORT $DEBUG $HOME"; exit 7',
        env=key_env(age_key),
    )
    assert done.returncode == 7
    assert done.stdout.decode().startswith("s3cret 5432 true /")


def test_exec_env_pristine(flat: Path, age_key: AgeKey) -> None:
    done = py("exec-env", "--pristine", str(flat), "env", env=key_env(age_key))
    names = sorted(line.split("=")[0] for line in done.stdout.decode().splitlines())
    assert {"DB_PASSWORD", "PORT", "DEBUG"} <= set(names) and "HOME" not in names


def test_exec_env_same_process(flat: Path, age_key: AgeKey) -> None:
    done = py(
        "exec-env",
        "--same-process",
        str(flat),
        'test "$PORT" = 5432 && exit 5',
        env=key_env(age_key),
    )
    assert done.returncode == 5


def test_exec_env_refuses_nested(tmp_path: Path, age_key: AgeKey) -> None:
    nested = go_encrypt(tmp_path / "nested.yaml", b"a:\n    b: 1\n", age_key)
    done = py("exec-env", str(nested), "true", env=key_env(age_key))
    assert done.returncode == 1 and b"nested" in done.stderr


def test_exec_file_fifo_by_default(tmp_path: Path, flat: Path, age_key: AgeKey) -> None:
    env = {**key_env(age_key), **private_tmp(tmp_path)}
    done = py("exec-file", str(flat), "test -p {} && cat {}; exit 3", env=env)
    assert done.returncode == 3
    assert b"DB_PASSWORD: s3cret" in done.stdout
    assert list((tmp_path / "tmp").iterdir()) == []


def test_exec_file_no_fifo_private_and_removed(
    tmp_path: Path, flat: Path, age_key: AgeKey
) -> None:
    env = {**key_env(age_key), **private_tmp(tmp_path)}
    done = py(
        "exec-file",
        "--no-fifo",
        "--filename",
        "app.json",
        "--output-type",
        "json",
        str(flat),
        "stat -c %a {}; basename {}; cat {}",
        env=env,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.decode().splitlines()
    assert (
        lines[:2] == ["600", "app.json"]
        and '"DB_PASSWORD": "s3cret"' in done.stdout.decode()
    )
    assert list((tmp_path / "tmp").iterdir()) == []


def test_exec_file_command_that_never_reads(
    tmp_path: Path, flat: Path, age_key: AgeKey
) -> None:
    env = {**key_env(age_key), **private_tmp(tmp_path)}
    done = py("exec-file", str(flat), "true", env=env)
    assert done.returncode == 0
    assert list((tmp_path / "tmp").iterdir()) == []


def test_exec_file_without_fifo_removes_the_plaintext_when_terminated(
    tmp_path: Path, go_sops: Path, age_key: AgeKey
) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    plain = tmp_path / "s.env"
    plain.write_text("TOKEN=s3cret\n")
    enc = run_go(go_sops, "encrypt", "--age", age_key.recipient, str(plain))
    target = tmp_path / "s.enc.env"
    target.write_bytes(enc.stdout)
    marker = tmp_path / "path.txt"
    env = dict(os.environ, SOPS_AGE_KEY_FILE=str(age_key.path), TMPDIR=str(tmp_path))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pysops",
            "exec-file",
            "--no-fifo",
            str(target),
            f"echo {{}} > {marker}; sleep 30",
        ],
        env=env,
        stderr=subprocess.PIPE,
    )
    for _ in range(200):
        if marker.exists() and marker.read_text().strip():
            break
        time.sleep(0.05)
    plaintext_path = Path(marker.read_text().strip())
    assert plaintext_path.exists()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 128 + signal.SIGTERM
    assert not plaintext_path.exists()
    assert not plaintext_path.parent.exists()
