"""Property tests: any tree survives encryption, and any tampering is caught."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pysops import sopsfile
from pysops.document import TreeCryptError
from pysops.errors import MacMismatch
from pysops.keys.age import AgeKey
from pysops.stores import get_store
from pysops.tree import Branch

RECIPIENT = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

keys = st.text(
    string.ascii_letters + string.digits + "_-", min_size=1, max_size=12
).filter(lambda k: k != "sops" and not k.startswith("sops_"))
texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)
scalars = st.one_of(
    texts,
    st.integers(-(2**70), 2**70),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
)


def branches_of(values: st.SearchStrategy[object]) -> st.SearchStrategy[Branch]:
    return st.dictionaries(keys, values, max_size=6).map(lambda d: Branch(d.items()))


nested = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), branches_of(inner)),
    max_leaves=25,
)
TREES = {
    "yaml": branches_of(nested),
    "json": branches_of(nested),
    "dotenv": branches_of(
        st.text(
            st.characters(
                blacklist_categories=("Cs", "Cc"), blacklist_characters="\n\r"
            ),
            max_size=20,
        )
    ),
    "ini": st.dictionaries(
        keys,
        branches_of(
            st.text(
                st.characters(
                    blacklist_categories=("Cs", "Cc", "Zs"),
                    blacklist_characters="\n\r#;\"'`\\",
                ),
                max_size=20,
            )
        ),
        max_size=3,
    ).map(lambda d: Branch([("DEFAULT", Branch())] + list(d.items()))),
}


def roundtrip(store_name: str, tree: Branch) -> tuple[bytes, bytes]:
    store = get_store(store_name)
    plain = store.emit_plain([tree])
    # The plaintext as the store reads it back (e.g. YAML reads "-0" as 0).
    canonical = store.emit_plain(store.load_plain(plain))
    doc = sopsfile.new_document(store.load_plain(plain), [[_key()]])
    sopsfile.seal(doc)
    encrypted = store.emit_encrypted(doc.branches, doc.metadata.to_branch())
    branches, metadata = sopsfile.load(encrypted, store)
    opened = sopsfile.open_encrypted(branches, metadata, data_key=doc.data_key)
    return canonical, store.emit_plain(opened.branches)


def _key() -> AgeKey:
    return AgeKey(RECIPIENT)


@pytest.mark.parametrize("store_name", sorted(TREES))
def test_encrypt_then_decrypt_gives_the_input_back(store_name: str) -> None:
    @SETTINGS
    @given(TREES[store_name])
    def check(tree: Branch) -> None:
        plain, again = roundtrip(store_name, tree)
        assert again == plain

    check()


def _encrypted_json(tree: Branch) -> tuple[bytes, bytes]:
    store = get_store("json")
    doc = sopsfile.new_document([tree], [[_key()]])
    sopsfile.seal(doc)
    return store.emit_encrypted(doc.branches, doc.metadata.to_branch()), doc.data_key


def _open(data: bytes, data_key: bytes) -> None:
    branches, metadata = sopsfile.load(data, get_store("json"))
    sopsfile.open_encrypted(branches, metadata, data_key=data_key)


flat = branches_of(st.text(min_size=1, max_size=10)).filter(lambda b: len(b) > 0)


@SETTINGS
@given(flat, st.data())
def test_tampering_with_any_value_is_detected(
    tree: Branch, data: st.DataObject
) -> None:
    encrypted, data_key = _encrypted_json(tree)
    text = encrypted.decode()
    starts = [i for i in range(len(text)) if text.startswith("data:", i)]
    start = data.draw(st.sampled_from(starts)) + 5
    end = text.index(",", start)
    if end - start < 4:
        return
    pos = data.draw(st.integers(start, end - 4))
    # Flip one base64 character of a ciphertext (the MAC's too).
    replacement = "A" if text[pos] != "A" else "B"
    tampered = (text[:pos] + replacement + text[pos + 1 :]).encode()
    with pytest.raises((TreeCryptError, MacMismatch)) as info:
        _open(tampered, data_key)
    assert info.value.exit_code in (25, 51)


@SETTINGS
@given(flat)
def test_values_left_in_clear_are_covered_by_the_mac(tree: Branch) -> None:
    tree.append(("note_unencrypted", "visible"))
    encrypted, data_key = _encrypted_json(tree)
    tampered = encrypted.replace(b'"visible"', b'"changed"')
    with pytest.raises(MacMismatch) as info:
        _open(tampered, data_key)
    assert info.value.exit_code == 51


@SETTINGS
@given(flat)
def test_reordered_values_break_the_mac(tree: Branch) -> None:
    if len(tree) < 2 or tree[0][1] == tree[1][1]:
        return
    store = get_store("json")
    doc = sopsfile.new_document([tree], [[_key()]])
    sopsfile.seal(doc)
    doc.branches[0][0], doc.branches[0][1] = doc.branches[0][1], doc.branches[0][0]
    encrypted = store.emit_encrypted(doc.branches, doc.metadata.to_branch())
    with pytest.raises(MacMismatch):
        _open(encrypted, doc.data_key)


def test_changed_lastmodified_breaks_the_mac() -> None:
    encrypted, data_key = _encrypted_json(Branch([("a", "b")]))
    text = encrypted.decode()
    start = text.index('"lastmodified": "') + len('"lastmodified": "')
    tampered = text[:start] + "2000-01-01T00:00:00Z" + text[start + 20 :]
    with pytest.raises(MacMismatch):
        _open(tampered.encode(), data_key)
