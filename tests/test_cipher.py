"""The value cipher: format, AAD binding, IV reuse, and fixed failures."""

from __future__ import annotations

import hashlib

import pytest

from pysops.cipher import CipherError, ValueCipher, is_encrypted_value
from pysops.document import decrypt_branches, encrypt_branches
from pysops.rules import EncryptionRules
from pysops.tree import Branch, Comment

KEY = bytes(range(32))


def fixed_random(n: int) -> bytes:
    return b"\x01" * n


def test_known_answer() -> None:
    cipher = ValueCipher(KEY, random=fixed_random)
    text = cipher.encrypt("hello", "a:")
    assert text.startswith("ENC[AES256_GCM,data:")
    assert text.endswith(",type:str]")
    assert "iv:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=" in text
    assert ValueCipher(KEY).decrypt(text, "a:") == "hello"


def test_aad_binds_value_to_path() -> None:
    text = ValueCipher(KEY).encrypt("hello", "a:")
    with pytest.raises(CipherError):
        ValueCipher(KEY).decrypt(text, "b:")


def test_wrong_key_fails_with_one_fixed_error() -> None:
    text = ValueCipher(KEY).encrypt(42, "n:")
    with pytest.raises(CipherError, match="authentication failed"):
        ValueCipher(bytes(32)).decrypt(text, "n:")


def test_empty_string_is_not_encrypted() -> None:
    assert ValueCipher(KEY).encrypt("", "a:") == ""
    assert ValueCipher(KEY).decrypt("", "a:") == ""


def test_decrypted_values_keep_their_ciphertext_when_encrypted_again() -> None:
    first = ValueCipher(KEY).encrypt("same", "k:")
    cipher = ValueCipher(KEY)
    assert cipher.decrypt(first, "k:") == "same"
    assert cipher.encrypt("same", "k:") == first
    assert cipher.encrypt("other", "k:") != first


@pytest.mark.parametrize(
    "bad",
    [
        "ENC[AES256_GCM,data:!!,iv:AA==,tag:AA==,type:str]",
        "hello",
        "ENC[AES256_GCM,data:]",
    ],
)
def test_malformed_values(bad: str) -> None:
    with pytest.raises(CipherError):
        ValueCipher(KEY).decrypt(bad, "a:")
    assert not is_encrypted_value("plain")


def test_mac_is_sha512_of_values_in_order() -> None:
    tree = Branch(
        [
            (Comment(" top"), None),
            ("name", "alice"),
            ("age", 30),
            ("pi", 3.14),
            ("ok", True),
            ("list", ["a", 2]),
            ("nested", Branch([("secret_unencrypted", "plain")])),
        ]
    )
    mac = encrypt_branches([tree], ValueCipher(KEY), EncryptionRules())
    assert mac == hashlib.sha512(b"alice303.14Truea2plain").hexdigest().upper()
    assert tree[5][1][0].startswith("ENC[")
    assert tree[6][1][0][1] == "plain"
    assert decrypt_branches([tree], ValueCipher(KEY), EncryptionRules()) == mac
    assert tree[0][0] == Comment(" top")


def test_mac_only_encrypted_differs_and_skips_clear_values() -> None:
    def build() -> Branch:
        return Branch([("a", "x"), ("b_unencrypted", "y")])

    full = encrypt_branches([build()], ValueCipher(KEY), EncryptionRules())
    only = encrypt_branches(
        [build()], ValueCipher(KEY), EncryptionRules(), mac_only_encrypted=True
    )
    expected = (
        hashlib.sha512(hashlib.sha256(b"sops").digest() + b"x").hexdigest().upper()
    )
    assert only == expected != full
