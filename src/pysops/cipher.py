"""AES-256-GCM encryption of single values into ``ENC[AES256_GCM,...]`` strings.

This is the only module that builds a cipher for values.  Failures of
authentication raise one fixed error that does not say which check failed.
"""

from __future__ import annotations

import os
import re
import sys
from binascii import Error as _B64Error
from binascii import a2b_base64, b2a_base64
from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .values import from_text, type_and_text

IV_SIZE = 32
TAG_SIZE = 16
DATA_KEY_SIZE = 32

# The same pattern Go sops applies: anchored at the start only.
_ENC_RE = re.compile(r"ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]", re.S)
_STRICT_ENC_RE = re.compile(
    r"ENC\[AES256_GCM,data:([^,]+),iv:([^,]+),tag:([^,]+),type:([^,\]]+)\]\Z"
)
# What binascii's strict mode (Python 3.11+) accepts, for Python 3.10.
_STRICT_B64_RE = re.compile(r"[A-Za-z0-9+/]*={0,2}\Z")


class CipherError(Exception):
    """A value could not be decrypted (bad format, wrong key or tampered)."""


def is_encrypted_value(text: str) -> bool:
    return text.startswith("ENC[AES256_GCM,")


def _b64(raw: bytes) -> str:
    return b2a_base64(raw, newline=False).decode("ascii")


def _unb64(text: str) -> bytes:
    if len(text) % 4:
        raise CipherError("invalid base64 in encrypted value")
    try:
        if sys.version_info >= (3, 11):
            return a2b_base64(text, strict_mode=True)
        if not _STRICT_B64_RE.match(text):
            raise _B64Error("not strict base64")
        return a2b_base64(text)
    except (_B64Error, ValueError):
        raise CipherError("invalid base64 in encrypted value") from None


class ValueCipher:
    """Encrypts and decrypts values of one file with its data key.

    It remembers the IV of every value it decrypted, keyed by (path, value),
    and reuses it when the same value is encrypted again at the same path:
    unchanged values then keep their exact ciphertext, so an edit shows as a
    small diff.  ``random`` is injectable for reproducible tests.
    """

    def __init__(
        self, data_key: bytes, random: Callable[[int], bytes] = os.urandom
    ) -> None:
        if len(data_key) != DATA_KEY_SIZE:
            raise ValueError("the data key must be 32 bytes long")
        self._aead = AESGCM(data_key)
        self._random = random
        self._stash: dict[tuple[str, str, bytes], bytes] = {}

    def encrypt(self, value: Any, aad: str) -> str:
        """Encrypt a scalar or comment; the empty string stays empty."""
        type_tag, plaintext = type_and_text(value)
        if not plaintext and type_tag in ("str", "comment"):
            return ""
        iv = self._stash.get((aad, type_tag, plaintext)) or self._random(IV_SIZE)
        sealed = self._aead.encrypt(
            iv, plaintext, aad.encode("utf-8", "surrogateescape")
        )
        return (
            f"ENC[AES256_GCM,data:{_b64(sealed[:-TAG_SIZE])},iv:{_b64(iv)},"
            f"tag:{_b64(sealed[-TAG_SIZE:])},type:{type_tag}]"
        )

    def decrypt(self, text: str, aad: str) -> Any:
        """Decrypt an ``ENC[...]`` string back to its typed value.

        Raises CipherError when the text is not an encrypted value, fails
        authentication, or holds a plaintext that does not parse as its type.
        """
        if text == "":
            return ""
        data_text, iv_text, tag_text, type_tag = _fields(text)
        iv = _unb64(iv_text)
        if not iv:
            raise CipherError("encrypted value has an empty IV")
        try:
            plaintext = self._aead.decrypt(
                iv,
                _unb64(data_text) + _unb64(tag_text),
                aad.encode("utf-8", "surrogateescape"),
            )
        except InvalidTag:
            raise CipherError("authentication failed") from None
        if type_tag == "str":
            value: Any = plaintext.decode("utf-8", "surrogateescape")
        else:
            try:
                value = from_text(type_tag, plaintext)
            except (ValueError, UnicodeDecodeError) as err:
                raise CipherError(
                    f"cannot read decrypted value of type {type_tag}: {err}"
                ) from None
        self._stash[(aad, type_tag, plaintext)] = iv
        return value


def _fields(text: str) -> tuple[str, str, str, str]:
    """The data, iv, tag and type texts of an encrypted value.

    The strict pattern (no commas inside a field, bracket last) gives the same
    groups as Go's pattern for every text it matches, and matches faster.
    """
    match = _STRICT_ENC_RE.match(text) or _ENC_RE.match(text)
    if match is None:
        raise CipherError("value is not in the sops encrypted format")
    data, iv, tag, type_tag = match.groups()
    return data, iv, tag, type_tag
