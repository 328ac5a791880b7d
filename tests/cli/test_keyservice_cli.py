"""``pysops keyservice`` and ``--keyservice``, against Go sops on a unix socket."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import AgeKey, run_go, run_pysops

pytestmark = pytest.mark.gosops


def _start_service(socket: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pysops",
            "keyservice",
            "--network",
            "unix",
            "--address",
            str(socket),
        ],
        env=dict(os.environ, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    for _ in range(200):
        if socket.exists():
            return proc
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(
        f"key service did not start: {proc.stderr.read() if proc.stderr else ''}"
    )


def test_go_and_pysops_use_a_pysops_key_service(
    tmp_path: Path, go_sops: Path, age_key: AgeKey
) -> None:
    socket = tmp_path / "ks.sock"
    service = _start_service(socket, {"SOPS_AGE_KEY_FILE": str(age_key.path)})
    try:
        plain = tmp_path / "s.yaml"
        plain.write_text("secret: value\n")
        uri = f"unix://{socket}"
        # No key on the client side: only the service holds the identity.
        enc = run_go(
            go_sops,
            "encrypt",
            "--keyservice",
            uri,
            "--enable-local-keyservice=false",
            "--age",
            age_key.recipient,
            str(plain),
        )
        assert enc.returncode == 0, enc.stderr
        target = tmp_path / "s.enc.yaml"
        target.write_bytes(enc.stdout)
        dec = run_pysops(
            "decrypt",
            "--keyservice",
            uri,
            "--enable-local-keyservice=false",
            str(target),
        )
        assert dec.returncode == 0, dec.stderr
        assert dec.stdout == b"secret: value\n"
        assert dec.stderr == b""
        ours = run_pysops(
            "encrypt",
            "--keyservice",
            uri,
            "--enable-local-keyservice=false",
            "--age",
            age_key.recipient,
            str(plain),
        )
        assert ours.returncode == 0, ours.stderr
        target.write_bytes(ours.stdout)
        back = run_go(
            go_sops,
            "decrypt",
            "--keyservice",
            uri,
            "--enable-local-keyservice=false",
            str(target),
        )
        assert back.stdout == b"secret: value\n"
        # Without the service and without a local key, decryption fails as Go's does.
        alone = run_pysops("decrypt", str(target))
        assert alone.returncode == 128
    finally:
        service.terminate()
        service.wait(timeout=10)
    assert not socket.exists()
