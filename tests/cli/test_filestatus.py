"""``pysops filestatus`` prints exactly what Go sops prints (issue 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _kit import PLAIN_YAML, go, go_encrypt, py
from conftest import AgeKey

pytestmark = pytest.mark.gosops


def test_output_matches_go_byte_for_byte(tmp_path: Path, age_key: AgeKey) -> None:
    encrypted = go_encrypt(tmp_path / "enc.yaml", PLAIN_YAML, age_key)
    plain = tmp_path / "plain.yaml"
    plain.write_bytes(PLAIN_YAML)
    for path, expected in (
        (encrypted, b'{"encrypted":true}\n'),
        (plain, b'{"encrypted":false}\n'),
    ):
        ours, theirs = py("filestatus", str(path)), go("filestatus", str(path))
        assert ours.stdout == theirs.stdout == expected


@pytest.mark.parametrize("content", [b"a: [\n", None])
def test_errors_exit_1_like_go(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "f.yaml"
    if content is not None:
        path.write_bytes(content)
    ours, theirs = py("filestatus", str(path)), go("filestatus", str(path))
    assert ours.returncode == theirs.returncode == 1
    assert ours.stdout == b"" and b"Traceback" not in ours.stderr
