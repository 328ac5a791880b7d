"""``!!binary`` values: bytes that are not UTF-8 survive as go-yaml writes them."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from conftest import AgeKey, run_go, run_pysops

pytestmark = pytest.mark.gosops

CASES = {
    "short": b"a: !!binary /w==\nb: !!binary aGVsbG8=\n",
    "long": (
        "c: !!binary " + base64.b64encode(bytes(range(128, 250))).decode() + "\n"
    ).encode(),
    "exactly-70": (
        "d: !!binary " + base64.b64encode(b"\xff" * 52 + b"ab").decode() + "\n"
    ).encode(),
    "listed": b"l:\n  - !!binary //79\n  - plain\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_binary_values_decrypt_as_go_prints_them(
    tmp_path: Path, go_sops: Path, age_key: AgeKey, name: str
) -> None:
    plain = tmp_path / "b.yaml"
    plain.write_bytes(CASES[name])
    env = {"SOPS_AGE_KEY_FILE": str(age_key.path)}
    for maker in ("go", "pysops"):
        enc = (
            run_go(go_sops, "encrypt", "--age", age_key.recipient, str(plain), env=env)
            if maker == "go"
            else run_pysops("encrypt", "--age", age_key.recipient, str(plain), env=env)
        )
        assert enc.returncode == 0, enc.stderr
        target = tmp_path / f"{maker}.enc.yaml"
        target.write_bytes(enc.stdout)
        go = run_go(go_sops, "decrypt", str(target), env=env)
        py = run_pysops("decrypt", str(target), env=env)
        assert go.returncode == py.returncode == 0, (go.stderr, py.stderr)
        assert py.stdout == go.stdout, maker


def test_invalid_base64_is_refused_as_go_refuses_it(
    tmp_path: Path, go_sops: Path, age_key: AgeKey
) -> None:
    plain = tmp_path / "b.yaml"
    plain.write_bytes(b"a: !!binary SUPERSECRET123\n")
    go = run_go(go_sops, "encrypt", "--age", age_key.recipient, str(plain))
    py = run_pysops("encrypt", "--age", age_key.recipient, str(plain))
    assert py.returncode == go.returncode == 2
    assert b"SUPERSECRET" not in py.stderr
