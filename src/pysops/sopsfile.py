"""Whole-file operations: encrypt a plaintext document, open an encrypted one."""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from .cipher import CipherError, ValueCipher
from .datakey import (
    DEFAULT_DECRYPTION_ORDER,
    LOCAL,
    KeyAccess,
    new_data_key,
    recover_data_key,
    wrap_data_key,
)
from .document import decrypt_branches, encrypt_branches
from .errors import AlreadyEncrypted, MacMismatch, MetadataError, SopsError
from .exitcodes import ERROR_ENCRYPTING_MAC, MAC_MISMATCH
from .keys import KeyGroup
from .metadata import FORMAT_VERSION, Metadata, parse_metadata
from .rules import EncryptionRules
from .stores.interface import Store
from .tree import Branch
from .values import format_rfc3339, parse_rfc3339

log = logging.getLogger(__name__)


@dataclass
class SopsFile:
    """An opened SOPS document: its branches and metadata, plus the data key.

    After :func:`open_encrypted` the branches hold plaintext values; the
    cipher remembers their IVs so :func:`seal` re-encrypts unchanged values to
    the same text.
    """

    branches: list[Branch]
    metadata: Metadata
    data_key: bytes
    cipher: ValueCipher = field(repr=False)


def _mac_aad(last_modified: str) -> str:
    """The MAC's associated data: ``lastmodified`` as Go re-formats it."""
    try:
        return format_rfc3339(parse_rfc3339(last_modified))
    except ValueError:
        raise MetadataError(
            f"lastmodified {last_modified!r} is not an RFC 3339 time"
        ) from None


def _now() -> str:
    return format_rfc3339(_dt.datetime.now(_dt.timezone.utc).replace(microsecond=0))


def seal(doc: SopsFile, *, now: str | None = None) -> list[Branch]:
    """Encrypt ``doc``'s branches in place and refresh ``lastmodified`` and the MAC."""
    meta = doc.metadata
    mac = encrypt_branches(
        doc.branches, doc.cipher, meta.rules, meta.mac_only_encrypted
    )
    meta.last_modified = now or _now()
    try:
        meta.mac = doc.cipher.encrypt(mac, _mac_aad(meta.last_modified))
    except (CipherError, TypeError) as err:
        raise SopsError(
            f"could not encrypt the MAC: {err}", exit_code=ERROR_ENCRYPTING_MAC
        ) from None
    return doc.branches


def new_document(
    branches: list[Branch],
    key_groups: Sequence[KeyGroup],
    *,
    shamir_threshold: int = 0,
    rules: EncryptionRules | None = None,
    mac_only_encrypted: bool = False,
    services: Sequence[KeyAccess] = LOCAL,
) -> SopsFile:
    """Prepare plaintext branches for a first encryption with a fresh data key.

    Raises AlreadyEncrypted when a branch has a top-level ``sops`` key.
    """
    for branch in branches:
        if any(k == "sops" for k in branch.keys()):
            raise AlreadyEncrypted(
                "the file is already encrypted (it has a top-level sops key)"
            )
    groups = [list(g) for g in key_groups]
    metadata = Metadata(
        key_groups=groups,
        shamir_threshold=shamir_threshold if len(groups) > 1 else 0,
        rules=(rules or EncryptionRules()).with_default(),
        mac_only_encrypted=mac_only_encrypted,
        version=FORMAT_VERSION,
    )
    data_key = new_data_key()
    wrap_data_key(data_key, groups, metadata.effective_threshold(), services)
    return SopsFile(branches, metadata, data_key, ValueCipher(data_key))


def load(data: bytes, store: Store) -> tuple[list[Branch], Metadata]:
    """Parse an encrypted file without decrypting anything."""
    branches, raw = store.load_encrypted(data)
    return branches, parse_metadata(raw)


def open_encrypted(
    branches: list[Branch],
    metadata: Metadata,
    *,
    ignore_mac: bool = False,
    decryption_order: Sequence[str] = DEFAULT_DECRYPTION_ORDER,
    data_key: bytes | None = None,
    services: Sequence[KeyAccess] = LOCAL,
) -> SopsFile:
    """Recover the data key, decrypt the branches in place, verify the MAC.

    Raises DataKeyUnavailable (no key worked), TreeCryptError (a value fails
    authentication) or MacMismatch.
    """
    if data_key is None:
        data_key = recover_data_key(
            metadata.key_groups,
            metadata.effective_threshold(),
            decryption_order,
            services,
        )
    cipher = ValueCipher(data_key)
    computed = decrypt_branches(
        branches, cipher, metadata.rules, metadata.mac_only_encrypted
    )
    if not ignore_mac:
        try:
            stored = cipher.decrypt(metadata.mac, _mac_aad(metadata.last_modified))
        except CipherError:
            raise MacMismatch(
                "cannot decrypt the MAC: the file or its lastmodified time was changed",
                exit_code=MAC_MISMATCH,
            ) from None
        if stored != computed:
            raise MacMismatch(
                "MAC mismatch: the file's values were changed outside sops"
                if stored
                else "the file has no MAC",
                hint="if you trust the file's content, decrypt it with --ignore-mac",
            )
    return SopsFile(branches, metadata, data_key, cipher)
