"""Issue 5, kind 2: integers of any width keep every digit; Go still decrypts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _fidelity import go_decrypt, pysops_decrypt, pysops_encrypt
from conftest import AgeKey

from pysops.stores.json import JsonStore
from pysops.stores.yaml import YamlStore
from pysops.values import from_text, mac_bytes, type_and_text

WIDTHS = [
    0, 7, -7,
    2**31 - 1, -(2**31), 2**53 + 1, -(2**53) - 1,
    2**63 - 1, -(2**63),              # int64 edges
    2**63, -(2**63) - 1,              # just outside int64
    2**64 - 1, 2**64,                 # uint64 edge and beyond
    123456789012345678901234567890, -123456789012345678901234567890,
    10**60 + 1,
]  # fmt: skip


@pytest.mark.parametrize("number", WIDTHS)
def test_value_encoding_round_trips(number: int) -> None:
    kind, text = type_and_text(number)
    back = from_text(kind, text)
    assert back == number and type(back) is int
    # the MAC holds what Go reads: int64 as is, wider ones as Go's float64 text
    if -(2**63) <= number < 2**63:
        assert kind == "int" and mac_bytes(number) == str(number).encode()
    else:
        assert kind == "float" and text == f"{number}.0".encode()


@pytest.mark.parametrize("number", WIDTHS)
def test_yaml_and_json_stores_keep_every_digit(number: int) -> None:
    yaml_doc = YamlStore().load_plain(f"k: {number}\nl:\n    - {number}\n".encode())[0]
    assert yaml_doc.get("k") == number and yaml_doc.get("l") == [number]
    assert (
        YamlStore().emit_plain([yaml_doc])
        == f"k: {number}\nl:\n    - {number}\n".encode()
    )
    json_doc = JsonStore().load_plain(f'{{"k": {number}, "l": [{number}]}}'.encode())[0]
    assert json_doc.get("k") == number and json_doc.get("l") == [number]


def _yaml_file() -> bytes:
    lines = []
    for i, n in enumerate(WIDTHS):
        lines += [f"e{i}: {n}", f"c{i}_unencrypted: {n}"]
    lines.append("items:\n" + "".join(f"    - {n}\n" for n in WIDTHS).rstrip("\n"))
    lines.append(
        "clear_unencrypted:\n" + "".join(f"    - {n}\n" for n in WIDTHS).rstrip("\n")
    )
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.gosops
def test_yaml_file_keeps_digits_and_go_verifies_it(
    tmp_path: Path, age_key: AgeKey, go_sops: Path
) -> None:
    data = _yaml_file()
    encrypted = pysops_encrypt(tmp_path, age_key, "i.yaml", data)
    assert pysops_decrypt(age_key, encrypted) == data
    # Go reads the wide integers as float64 and verifies the MAC.
    theirs = YamlStore().load_plain(go_decrypt(go_sops, age_key, encrypted))[0]
    assert theirs.get("e7") == 2**63 - 1 and theirs.get("c8_unencrypted") == -(2**63)
    assert theirs.get("c11_unencrypted") == float(2**64 - 1)
    assert theirs.get("clear_unencrypted")[9] == float(2**63)


@pytest.mark.gosops
def test_json_file_keeps_digits_and_go_verifies_it(
    tmp_path: Path, age_key: AgeKey, go_sops: Path
) -> None:
    tree = {f"e{i}": n for i, n in enumerate(WIDTHS)}
    tree.update({f"c{i}_unencrypted": n for i, n in enumerate(WIDTHS)})
    tree["items"] = WIDTHS
    tree["clear_unencrypted"] = WIDTHS
    data = json.dumps(tree).encode()
    encrypted = pysops_encrypt(tmp_path, age_key, "i.json", data)
    assert json.loads(pysops_decrypt(age_key, encrypted)) == tree
    theirs = json.loads(go_decrypt(go_sops, age_key, encrypted))
    # Go 3.11 reads every JSON number as a float64, encrypted or not.
    assert float(theirs["e7"]) == float(2**63 - 1)
    assert float(theirs["c11_unencrypted"]) == float(2**64 - 1)
    assert theirs["e3"] == 2**31 - 1
