"""The binary store: raw bytes in, one ``data`` item, a JSON envelope when encrypted."""

from __future__ import annotations

from pathlib import Path

import pytest
from _godiff import ENC, go_encrypt
from conftest import AgeKey, run_go

from pysops.errors import EmitError
from pysops.stores.binary import BinaryStore
from pysops.stores.json import parse_object
from pysops.tree import Branch

BLOB = b"hello\x00binary\n\xff\xfe\xc3(\xe2\x82 end"


def test_whole_file_is_one_bytes_item() -> None:
    assert BinaryStore().load_plain(BLOB) == [Branch([("data", BLOB)])]


def test_emit_plain_returns_the_exact_bytes() -> None:
    store = BinaryStore()
    assert store.emit_plain(store.load_plain(BLOB)) == BLOB


def test_decrypted_text_with_surrogateescape_gives_the_bytes_back() -> None:
    # The cipher hands decrypted values back as str decoded with surrogateescape.
    text = BLOB.decode("utf-8", "surrogateescape")
    assert BinaryStore().emit_plain([Branch([("data", text)])]) == BLOB


@pytest.mark.parametrize(
    "branches",
    [
        [Branch([("other", "x")])],
        [Branch([("data", 3)])],
        [Branch([("data", "a")]), Branch([("data", "b")])],
    ],
)
def test_trees_that_are_not_binary(branches: list[Branch]) -> None:
    with pytest.raises(EmitError) as caught:
        BinaryStore().emit_plain(branches)
    assert caught.value.exit_code == 4


def test_emit_value_is_refused() -> None:
    with pytest.raises(EmitError):
        BinaryStore().emit_value("x")


def test_encrypted_envelope_is_json_with_indent() -> None:
    metadata = Branch([("version", "3.11.0")])
    out = BinaryStore(2).emit_encrypted([Branch([("data", "ENC[x]")])], metadata)
    assert (
        out == b'{\n  "data": "ENC[x]",\n  "sops": {\n    "version": "3.11.0"\n  }\n}\n'
    )
    assert BinaryStore().load_encrypted(out) == (
        [Branch([("data", "ENC[x]")])],
        {"version": "3.11.0"},
    )


@pytest.mark.gosops
def test_go_envelope_layout(go_sops: Path, age_key: AgeKey) -> None:
    encrypted = go_encrypt(go_sops, age_key, "blob.bin", BLOB)
    store = BinaryStore()
    branches, metadata = store.load_encrypted(encrypted)
    assert [key for key, _ in branches[0]] == ["data"]
    match = ENC.match(branches[0][0][1])
    assert match is not None and match.group(1) == "str"
    assert "unencrypted_suffix" not in metadata
    assert (
        store.emit_encrypted(branches, parse_object(encrypted).get("sops")) == encrypted
    )

    path = age_key.path.parent / "blob.bin"
    path.write_bytes(encrypted)
    done = run_go(
        go_sops, "decrypt", str(path), env={"SOPS_AGE_KEY_FILE": str(age_key.path)}
    )
    assert done.returncode == 0 and done.stdout == BLOB
