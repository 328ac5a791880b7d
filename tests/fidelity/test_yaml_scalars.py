"""Issue 5, kind 1: YAML 1.1 spellings read otherwise by YAML 1.2 keep the 1.2 value."""

from __future__ import annotations

from pathlib import Path

import pytest
from _fidelity import go_decrypt, pysops_decrypt, pysops_encrypt
from conftest import AgeKey

from pysops.stores.yaml import YamlStore

# (written, value pysops reads (the YAML 1.2 core value), how decrypt writes it)
SPELLINGS = [
    ("12345_54321", "12345_54321", '"12345_54321"'),
    ("1_000", "1_000", '"1_000"'),
    ("0o17", 15, "15"),
    ("017", 17, "17"),
    ("-017", -17, "-17"),
    ("08", 8, "8"),
    ("0x1F", 31, "31"),
    ("0X1F", "0X1F", '"0X1F"'),
    ("+0x1F", "+0x1F", '"+0x1F"'),
    ("-0o17", "-0o17", '"-0o17"'),
    ("0b101", "0b101", '"0b101"'),
    ("yes", "yes", '"yes"'),
    ("no", "no", '"no"'),
    ("on", "on", '"on"'),
    ("off", "off", '"off"'),
    ("y", "y", '"y"'),
    ("1:30", "1:30", '"1:30"'),
    ("+12", 12, "12"),
    (".5", 0.5, "0.5"),
    ("1e3", 1000.0, "1000.0"),
    ("1.0", 1.0, "1.0"),
    ("-0", 0, "0"),
    ("42", 42, "42"),
]


def load(text: str) -> object:
    return YamlStore().load_plain(f"k: {text}\n".encode())[0].get("k")


@pytest.mark.parametrize(("text", "value", "_"), SPELLINGS)
def test_plain_scalar_gets_its_yaml_1_2_value(text: str, value: object, _: str) -> None:
    got = load(text)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize(("text", "value", "written"), SPELLINGS)
def test_output_reads_back_to_the_same_value(
    text: str, value: object, written: str
) -> None:
    store = YamlStore()
    out = store.emit_plain(store.load_plain(f"k: {text}\n".encode()))
    assert out == f"k: {written}\n".encode()
    again = load(written)
    assert again == value and type(again) is type(value)


@pytest.mark.gosops
def test_every_spelling_through_encrypt_and_decrypt(
    tmp_path: Path, age_key: AgeKey, go_sops: Path
) -> None:
    enc_lines = [f"e{i}: {text}" for i, (text, _, _) in enumerate(SPELLINGS)]
    clear_lines = [
        f"c{i}_unencrypted: {text}" for i, (text, _, _) in enumerate(SPELLINGS)
    ]
    data = ("\n".join(enc_lines + clear_lines) + "\n").encode()
    encrypted = pysops_encrypt(tmp_path, age_key, "s.yaml", data)

    ours = pysops_decrypt(age_key, encrypted).decode().splitlines()
    expected = [f"e{i}: {w}" for i, (_, _, w) in enumerate(SPELLINGS)]
    expected += [f"c{i}_unencrypted: {w}" for i, (_, _, w) in enumerate(SPELLINGS)]
    assert ours == expected

    # Go decrypts the file and verifies its MAC; it prints the same values
    # (floats that happen to be whole in Go's shortest form, without ".0").
    theirs = go_decrypt(go_sops, age_key, encrypted).decode().splitlines()
    assert [line.replace(".0", "") for line in theirs] == [
        line.replace(".0", "") for line in expected
    ]
