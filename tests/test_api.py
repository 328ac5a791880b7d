"""The Python API, against files Go sops wrote and reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import AgeKey, run_go

import pysops
from pysops.errors import MacMismatch, MetadataNotFound

VECTORS = Path(__file__).parent / "data" / "vectors"


@pytest.fixture
def vector_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from pysops.keys import age

    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(VECTORS / "key.txt"))
    age.clear_identity_cache()


def test_decrypt_file_equals_go_output(vector_key: None) -> None:
    assert (
        pysops.decrypt_file(VECTORS / "enc.basic.yaml")
        == (VECTORS / "dec.basic.yaml").read_bytes()
    )
    assert (
        pysops.decrypt_file(VECTORS / "enc.basic.env")
        == (VECTORS / "dec.basic.env").read_bytes()
    )


def test_load_file_gives_python_data(vector_key: None) -> None:
    data = pysops.load_file(VECTORS / "enc.basic.json")
    assert data["a"] == "hello <&>"
    assert data["n"] == 1 and data["b"] is False and data["l"][2] == {"k": "v"}


def test_errors_are_typed(vector_key: None, tmp_path: Path) -> None:
    plain = tmp_path / "p.yaml"
    plain.write_text("a: 1\n")
    with pytest.raises(MetadataNotFound):
        pysops.decrypt_file(plain)
    text = (
        (VECTORS / "enc.basic.yaml")
        .read_text()
        .replace('lastmodified: "20', 'lastmodified: "19', 1)
    )
    broken = tmp_path / "b.yaml"
    broken.write_text(text)
    with pytest.raises(MacMismatch) as info:
        pysops.decrypt_file(broken)
    assert info.value.exit_code == 51


@pytest.mark.gosops
def test_encrypt_file_is_read_by_go(
    tmp_path: Path, go_sops: Path, age_key: AgeKey
) -> None:
    plain = tmp_path / "s.yaml"
    plain.write_text("db:\n  password: hunter2 # the old one\n")
    encrypted = pysops.encrypt_file(plain, age=[age_key.recipient])
    assert b"hunter2" not in encrypted
    target = tmp_path / "s.enc.yaml"
    target.write_bytes(encrypted)
    go = run_go(
        go_sops, "decrypt", str(target), env={"SOPS_AGE_KEY_FILE": str(age_key.path)}
    )
    assert go.returncode == 0, go.stderr
    assert go.stdout == b"db:\n    # the old one\n    password: hunter2\n"


def test_encrypt_data_by_config_rule(
    tmp_path: Path, age_key: AgeKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pysops.keys import age

    (tmp_path / ".sops.yaml").write_text(
        f"creation_rules:\n  - path_regex: \\.json$\n    age: {age_key.recipient}\n"
    )
    monkeypatch.chdir(tmp_path)
    encrypted = pysops.encrypt_data(b'{"token": "t"}', "json", filename="app.json")
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(age_key.path))
    age.clear_identity_cache()
    assert pysops.decrypt_data(encrypted, "json") == b'{\n\t"token": "t"\n}\n'
