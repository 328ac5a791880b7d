"""Issue 5, kind 4: INI values keep every character; only whole lines are comments."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest
from _fidelity import go_decrypt, pysops_decrypt, pysops_encrypt
from conftest import AgeKey

from pysops.stores.ini import IniStore
from pysops.tree import Branch

# value -> whether configparser (interpolation=None) reads pysops' plaintext
# back as the same string (not when INI quoting is needed to keep it at all)
VALUES = {
    "left#right": True, "a;b": True, "x # y ; z": True, "#start": True,
    ";start": True, "a=b:c": True, "back`tick": True, "ends\\": False,
    " lead": False, "trail ": False, '"quoted"': False, "'single'": False,
    "`ticked`": False, '"""x': False, 'in"side': True, "": True,
}  # fmt: skip


def _tree() -> list[Branch]:
    items = Branch((f"k{i}", value) for i, value in enumerate(VALUES))
    return [Branch([("DEFAULT", Branch()), ("s", items)])]


def _values(branch: Branch) -> list[str]:
    return [v for k, v in branch.get("s") if isinstance(k, str)]


def test_comment_characters_stay_in_values() -> None:
    data = b"; a comment\n[s]\n# another\npassword = left#right\nfilter = a;b\n"
    branch = IniStore().load_plain(data)[0]
    assert _values(branch) == ["left#right", "a;b"]


def test_plaintext_reads_back_unchanged_and_configparser_agrees() -> None:
    out = IniStore().emit_plain(_tree())
    assert _values(IniStore().load_plain(out)[0]) == list(VALUES)
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(out.decode())
    for i, (value, readable) in enumerate(VALUES.items()):
        assert (parser["s"][f"k{i}"] == value) is readable, value
    assert b"k0  = left#right\n" in out


def test_multiline_values_round_trip() -> None:
    tree = [Branch([("DEFAULT", Branch()), ("s", Branch([("m", "one\ntwo # x")]))])]
    out = IniStore().emit_plain(tree)
    assert IniStore().load_plain(out)[0].get("s").get("m") == "one\ntwo # x"


@pytest.mark.gosops
def test_encrypted_file_is_go_safe_and_decrypt_is_exact(
    tmp_path: Path, age_key: AgeKey, go_sops: Path
) -> None:
    plain = IniStore().emit_plain(_tree())
    for flags in [(), ("--unencrypted-regex", ".")]:
        encrypted = pysops_encrypt(tmp_path, age_key, "c.ini", plain, *flags)
        assert pysops_decrypt(age_key, encrypted) == plain
        # Go reads the values in clear (quoted where needed) as they are and
        # verifies the MAC; its output quotes '#' and ';' with backticks (and
        # writes some values, such as '"quoted"', so that they do not read back).
        theirs = go_decrypt(go_sops, age_key, encrypted)
        assert b"k0  = `left#right`\n" in theirs and b"k1  = `a;b`\n" in theirs
    assert b"`left#right`" in encrypted.read_bytes()
