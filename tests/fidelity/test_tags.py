"""Issue 5, kind 3: YAML tags on values, maps and sequences survive a round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
from _fidelity import go_decrypt, pysops_decrypt, pysops_encrypt
from conftest import AgeKey

from pysops.stores.yaml import YamlStore
from pysops.tree import Branch, Tagged

# Written as pysops writes it back (flow collections become block ones).
DOC = b"""\
scalar: !env HOME_DIR
number_like: !sc 3
bool_like: !sc true
verbatim: !<tag:example.com,2000:thing> val
secret_map: !secret
    a: b
    num: 3
a_set: !!set
    p: null
    q: null
an_omap: !!omap
    - k1: 1
    - k2: two
local_seq: !x
    - 1
    - s
empty_map: !e {}
empty_seq: !e []
items:
    - !it
      m: 1
    - !sc item
    - !nested
      - !deep x
"""


def test_tags_are_kept_in_the_tree() -> None:
    doc = YamlStore().load_plain(DOC)[0]
    assert doc.get("scalar") == Tagged("!env", "HOME_DIR")
    assert doc.get("number_like") == Tagged("!sc", "3")
    assert doc.get("verbatim") == Tagged("tag:example.com,2000:thing", "val")
    assert doc.get("secret_map") == Tagged("!secret", Branch([("a", "b"), ("num", 3)]))
    assert doc.get("a_set") == Tagged(
        "tag:yaml.org,2002:set", Branch([("p", None), ("q", None)])
    )
    assert doc.get("local_seq") == Tagged("!x", [1, "s"])
    assert doc.get("items")[2] == Tagged("!nested", [Tagged("!deep", "x")])


def test_plaintext_round_trip_is_exact() -> None:
    store = YamlStore()
    assert store.emit_plain(store.load_plain(DOC)) == DOC


def test_flow_forms_and_shorthands_read_the_same() -> None:
    flow = b"m: !secret {a: b}\ns: !!set {p, q}\no: !!omap [k1: 1]\nv: !<!local> x\n"
    doc = YamlStore().load_plain(flow)[0]
    assert doc.get("m") == Tagged("!secret", Branch([("a", "b")]))
    assert doc.get("s") == Tagged(
        "tag:yaml.org,2002:set", Branch([("p", None), ("q", None)])
    )
    assert doc.get("o") == Tagged("tag:yaml.org,2002:omap", [Branch([("k1", 1)])])
    assert doc.get("v") == Tagged("!local", "x")


@pytest.mark.gosops
@pytest.mark.parametrize("flags", [(), ("--unencrypted-regex", ".")])
def test_tags_survive_encryption_and_go_decrypts(
    tmp_path: Path, age_key: AgeKey, go_sops: Path, flags: tuple[str, ...]
) -> None:
    encrypted = pysops_encrypt(tmp_path, age_key, "t.yaml", DOC, *flags)
    assert b"secret_map: !secret\n" in encrypted.read_bytes()
    assert pysops_decrypt(age_key, encrypted) == DOC
    # Go ignores the tags, decrypts every value and verifies the MAC.
    theirs = YamlStore().load_plain(go_decrypt(go_sops, age_key, encrypted))[0]
    assert theirs.get("scalar") == "HOME_DIR"
    assert theirs.get("secret_map") == Branch([("a", "b"), ("num", 3)])
    assert theirs.get("an_omap") == [Branch([("k1", 1)]), Branch([("k2", "two")])]
    assert theirs.get("items")[0] == Branch([("m", 1)])
