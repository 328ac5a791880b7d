"""The editing library: rotate, re-key, key group diffs and ciphertext reuse, without the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import AgeKey, make_age_key

from pysops import editing, sopsfile
from pysops.errors import AlreadyEncrypted, SopsError
from pysops.keys import key_class
from pysops.tree import Branch


def age(key: AgeKey):  # type: ignore[no-untyped-def]
    return key_class("age").from_string(key.recipient)


@pytest.fixture
def doc(age_key: AgeKey, monkeypatch: pytest.MonkeyPatch) -> sopsfile.SopsFile:
    from pysops.keys.age import clear_identity_cache

    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(age_key.path))
    clear_identity_cache()
    branches = [Branch([("a", "x"), ("b", 1), ("c", [True, "y"])])]
    opened = sopsfile.new_document(branches, [[age(age_key)]])
    sopsfile.seal(opened)
    return opened


def reopen(doc: sopsfile.SopsFile) -> sopsfile.SopsFile:
    import copy

    return sopsfile.open_encrypted(copy.deepcopy(doc.branches), doc.metadata)


def test_diff_key_groups(tmp_path: Path) -> None:
    k1, k2, k3 = (age(make_age_key(tmp_path, f"{i}.txt")) for i in range(3))
    diffs = editing.diff_key_groups([[k1, k2]], [[age_like(k2), k3], [k1]])
    assert [(len(d.kept), len(d.added), len(d.removed)) for d in diffs] == [
        (1, 1, 1),
        (0, 1, 0),
    ]
    assert diffs[0].removed[0].identifier == k1.identifier and all(
        d.changes for d in diffs
    )


def age_like(key):  # type: ignore[no-untyped-def]
    return key_class("age").from_string(key.identifier)


def test_reencrypt_reusing_keeps_unchanged_ciphertext(doc: sopsfile.SopsFile) -> None:
    old_values = list(doc.branches[0])
    opened = reopen(doc)
    new = Branch([("a", "x"), ("b", 2), ("c", [True, "y"])])
    again = editing.reencrypt_reusing(opened, [new])
    sopsfile.seal(again)
    assert again.branches[0][0] == old_values[0]
    assert again.branches[0][2] == old_values[2]
    assert again.branches[0][1] != old_values[1]
    assert reopen(again).branches[0][1] == ("b", 2)


def test_reserved_key_is_refused(doc: sopsfile.SopsFile) -> None:
    with pytest.raises(AlreadyEncrypted):
        editing.replace_branches(reopen(doc), [Branch([("sops", 1)])])


def test_rotate_changes_data_key_and_keys(
    doc: sopsfile.SopsFile,
    tmp_path: Path,
    age_key: AgeKey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = make_age_key(tmp_path, "other.txt")
    opened = reopen(doc)
    old_key = opened.data_key
    editing.rotate(opened, add=[age(other)], remove=[age(age_key)])
    sopsfile.seal(opened)
    assert opened.data_key != old_key
    assert [k.identifier for k in opened.metadata.master_keys()] == [other.recipient]
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(other.path))
    from pysops.keys.age import clear_identity_cache

    clear_identity_cache()
    assert reopen(opened).branches[0][0] == ("a", "x")


def test_update_keys_and_groups_keep_values(
    doc: sopsfile.SopsFile, tmp_path: Path
) -> None:
    others = [age(make_age_key(tmp_path, f"g{i}.txt")) for i in range(2)]
    before = list(doc.branches[0])
    mac = doc.metadata.mac
    opened = reopen(doc)
    encrypted = sopsfile.SopsFile(
        list(doc.branches), doc.metadata, opened.data_key, opened.cipher
    )
    editing.add_group(encrypted, [others[0]])
    assert encrypted.metadata.shamir_threshold == 2
    editing.add_group(encrypted, [others[1]], threshold=2)
    assert len(encrypted.metadata.key_groups) == 3 and encrypted.branches[0] == before
    assert encrypted.metadata.mac == mac
    with pytest.raises(SopsError, match="threshold"):
        editing.delete_group(encrypted, 0, threshold=3)
    editing.delete_group(encrypted, 2)
    assert len(encrypted.metadata.key_groups) == 2
    with pytest.raises(SopsError, match="no key group"):
        editing.delete_group(encrypted, 5)


def test_example_content_per_store() -> None:
    from pysops.stores import get_store

    for name in ("yaml", "json", "dotenv", "ini", "binary"):
        store = get_store(name)
        text = store.emit_plain(editing.example_branches(name))
        assert editing.WELCOME.encode() in text
        store.load_plain(text)


def test_refresh_version() -> None:
    doc = sopsfile.SopsFile([], sopsfile.Metadata(version="3.7.3"), b"k" * 32, None)  # type: ignore[arg-type]
    editing.refresh_version(doc)
    assert doc.metadata.version == "3.11.0"
    doc.metadata.version = "3.12.1"
    editing.refresh_version(doc)
    assert doc.metadata.version == "3.12.1"
