"""Issue 5, kind 5: a dotenv value quoted across lines comes back byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _fidelity import go_decrypt, pysops_decrypt, pysops_encrypt
from conftest import AgeKey

from pysops.stores.dotenv import DotenvStore
from pysops.tree import DOTENV_LINES_TAG, Branch, Tagged

FILE = (
    b'GREETING="first line\nsecond line"\n'
    b"SINGLE='a\n\nb, not a key\\n'\n"
    b'ESCAPED="one\\ntwo"\n'
    b"#comment\n"
    b'OTHER="plain"\n'
    b'LAST_unencrypted="x\ny"\n'
)


def test_multiline_value_is_read_as_written() -> None:
    branch = DotenvStore().load_plain(FILE)[0]
    assert branch.get("GREETING") == Tagged(
        DOTENV_LINES_TAG, '"first line\nsecond line"'
    )
    assert branch.get("SINGLE") == Tagged(DOTENV_LINES_TAG, "'a\n\nb, not a key\\n'")
    assert branch.get("ESCAPED") == '"one\ntwo"'


def test_plaintext_round_trip_is_exact() -> None:
    store = DotenvStore()
    assert store.emit_plain(store.load_plain(FILE)) == FILE


def test_lines_marker_is_an_empty_line_in_encrypted_files() -> None:
    store = DotenvStore()
    branch = Branch([("A", Tagged(DOTENV_LINES_TAG, '"x\ny"')), ("B", "1")])
    out = store.emit_encrypted([branch], Branch([("version", "3.11.0")]))
    assert out == b'A="x\\ny"\n\nB=1\nsops_version=3.11.0\n'
    loaded, _ = store.load_encrypted(out)
    assert loaded[0] == branch
    assert store.emit_plain(loaded) == b'A="x\ny"\nB=1\n'


def test_marker_on_a_value_that_cannot_be_written_across_lines_is_ignored() -> None:
    # A hand-made empty line after a value without quotes changes nothing.
    loaded, _ = DotenvStore().load_encrypted(b"A=x\\ny\n\nsops_version=3.11.0\n")
    assert DotenvStore().emit_plain(loaded) == b"A=x\\ny\n"


@pytest.mark.gosops
def test_go_decrypts_and_pysops_gives_back_the_file(
    tmp_path: Path, age_key: AgeKey, go_sops: Path
) -> None:
    encrypted = pysops_encrypt(tmp_path, age_key, "app.env", FILE)
    assert pysops_decrypt(age_key, encrypted) == FILE
    as_json = json.loads(pysops_decrypt(age_key, encrypted, "--output-type", "json"))
    assert as_json["GREETING"] == '"first line\nsecond line"'
    # Go skips the marker lines, decrypts and verifies the MAC; it writes
    # every newline as \n on one line.
    theirs = go_decrypt(go_sops, age_key, encrypted)
    assert theirs.startswith(b'GREETING="first line\\nsecond line"\nSINGLE=')
    assert b'LAST_unencrypted="x\\ny"\n' in theirs
