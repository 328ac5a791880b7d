"""Turn a raw ``sops`` mapping (from any store) into :class:`SopsMetadata`.

The raw mapping is what a store parser produced; ``locate`` maps a path inside
it (e.g. ``("age", 0, "recipient")``) to a position in the file.  The checks
made here follow what Go sops refuses when it loads metadata, so a file Go
sops could not open is reported instead of skipped.
"""

from __future__ import annotations

import binascii
import re
from base64 import b64decode
from collections.abc import Callable
from datetime import datetime
from typing import Any

from .model import MasterKeyEntry, MetadataProblem, Position, SopsMetadata

Locator = Callable[[tuple[Any, ...]], Position]

KEY_LISTS = ("kms", "gcp_kms", "azure_kv", "hc_vault", "age", "pgp", "hckms")
_NEEDS_CREATED_AT = frozenset(
    {"kms", "gcp_kms", "azure_kv", "hc_vault", "pgp", "hckms"}
)
_IDENTITY_FIELD = {
    "kms": "arn",
    "gcp_kms": "resource_id",
    "azure_kv": "vault_url",
    "hc_vault": "vault_address",
    "age": "recipient",
    "pgp": "fp",
    "hckms": "key_id",
}
SELECTORS = (
    "unencrypted_suffix",
    "encrypted_suffix",
    "unencrypted_regex",
    "encrypted_regex",
    "unencrypted_comment_regex",
    "encrypted_comment_regex",
)
# Go parses with time.RFC3339: upper-case T and Z only, fraction allowed.
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
)
_MAC_VALUE = re.compile(
    r"^ENC\[AES256_GCM,data:([A-Za-z0-9+/=]+),iv:([A-Za-z0-9+/=]+),"
    r"tag:([A-Za-z0-9+/=]+),type:str\]$"
)
DEFAULT_SELECTOR = ("unencrypted_suffix", "_unencrypted")
# Go needs these to find the key service; age and PGP decrypt without them.
_IDENTITY_OPTIONAL = frozenset({"age", "pgp"})
_RESTORE = "restore the file from version control, or re-encrypt it with sops"
_ROTATE = (
    "have someone who can decrypt run `sops rotate -i` on the file: it wraps a "
    "new data key for every master key"
)


def parse_rfc3339(value: object) -> datetime | None:
    """The timestamp in ``value``, or None when it is not RFC 3339."""
    if not isinstance(value, str) or not _RFC3339.match(value):
        return None
    text = value.replace("Z", "+00:00")
    if "." in text:
        head, _, rest = text.partition(".")
        digits = re.match(r"\d+", rest)
        frac = digits.group(0) if digits else ""
        text = head + "." + (frac + "000000")[:6] + rest[len(frac) :]
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def anchor_of(kind: str, entry: dict[str, Any]) -> str:
    """The trust-anchor string of one master-key entry, as sops prints it."""

    def text(name: str) -> str:
        value = entry.get(name)
        return "" if value is None else str(value)

    if kind == "kms":
        anchor = text("arn")
        if text("role"):
            anchor += "+" + text("role")
        context = entry.get("context")
        ctx = ""
        if isinstance(context, dict) and context:
            ctx = ",".join(f"{k}:{context[k]}" for k in sorted(context))
        if text("aws_profile"):
            return f"{anchor}|{ctx}|{text('aws_profile')}"
        return f"{anchor}|{ctx}" if ctx else anchor
    if kind == "azure_kv":
        return f"{text('vault_url')}/keys/{text('name')}/{text('version')}"
    if kind == "hc_vault":
        return (
            f"{text('vault_address')}/v1/{text('engine_path')}/keys/{text('key_name')}"
        )
    return text(_IDENTITY_FIELD[kind])


def interpret(
    raw: object, store: str, where: Position, locate: Locator
) -> SopsMetadata:
    """Build the metadata record, listing every problem found on the way.

    Each check mirrors a refusal of Go sops 3.11 when it loads a file or
    unwraps its data key (verified with the binary); problems Go lets pass
    are marked not fatal.
    """
    meta = SopsMetadata(store=store, position=where)
    if not isinstance(raw, dict):
        meta.problems.append(
            MetadataProblem("the sops metadata is not a mapping", where, fix=_RESTORE)
        )
        return meta

    _read_scalars(raw, meta, locate)
    _read_keys(raw, meta, locate)
    return meta


def _problem(
    meta: SopsMetadata,
    message: str,
    position: Position,
    fatal: bool = True,
    fix: str = _RESTORE,
) -> None:
    meta.problems.append(MetadataProblem(message, position, fatal, fix=fix))


def _read_keys(raw: dict[str, Any], meta: SopsMetadata, locate: Locator) -> None:
    _check_lists(raw, (), meta, locate)
    # Go sops uses the flat lists when any is non-empty, key_groups otherwise.
    flat = [k for k in KEY_LISTS if isinstance(raw.get(k), list) and raw[k]]
    groups: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    if flat:
        groups = [((), raw)]
    elif raw.get("key_groups") is not None:
        key_groups = raw["key_groups"]
        if not isinstance(key_groups, list):
            _problem(meta, "key_groups is not a list", locate(("key_groups",)))
            key_groups = []
        for i, group in enumerate(key_groups):
            if isinstance(group, dict):
                _check_lists(group, ("key_groups", i), meta, locate)
                groups.append((("key_groups", i), group))
            else:
                _problem(
                    meta,
                    f"key group {i} is not a mapping",
                    locate(("key_groups", i)),
                )

    for index, (prefix, group) in enumerate(groups):
        for kind in KEY_LISTS:
            entries = group.get(kind)
            if not isinstance(entries, list):
                continue
            for n, entry in enumerate(entries):
                _read_entry(meta, kind, index, (*prefix, kind, n), entry, locate)
    if not meta.keys:
        _problem(meta, "the sops metadata lists no master keys", meta.position)
        return
    _check_threshold(meta, len(groups), locate)


def _check_lists(
    group: dict[str, Any], prefix: tuple[Any, ...], meta: SopsMetadata, locate: Locator
) -> None:
    for kind in KEY_LISTS:
        value = group.get(kind)
        if value is not None and not isinstance(value, list):
            _problem(
                meta,
                f"{kind} is not a list of master keys",
                locate((*prefix, kind)),
            )


def _check_threshold(meta: SopsMetadata, groups: int, locate: Locator) -> None:
    threshold = meta.shamir_threshold
    if not threshold or threshold <= max(groups, 1):
        return
    position = locate(("shamir_threshold",))
    if groups > 1:
        _problem(
            meta,
            f"shamir_threshold {threshold} is larger than the number of key "
            f"groups ({groups}): the data key cannot be recovered",
            position,
        )
    else:
        _problem(
            meta,
            f"shamir_threshold {threshold} is set, but the file has one key group "
            "(sops ignores it)",
            position,
            fatal=False,
            fix="remove shamir_threshold from the creation rule and re-encrypt",
        )


def _read_entry(
    meta: SopsMetadata,
    kind: str,
    group: int,
    path: tuple[Any, ...],
    entry: object,
    locate: Locator,
) -> None:
    if not isinstance(entry, dict):
        _problem(meta, f"a {kind} entry is not a mapping", locate(path))
        return
    field_name = _IDENTITY_FIELD[kind]
    position = locate((*path, field_name))
    if position == meta.position:
        position = locate(path)
    anchor = anchor_of(kind, entry)
    created = entry.get("created_at")
    created_text = None if created is None else str(created)
    enc = entry.get("enc")
    has_enc = isinstance(enc, str) and bool(enc)
    meta.keys.append(
        MasterKeyEntry(kind, anchor, group, position, created_text, has_enc)
    )

    if not entry.get(field_name):
        _problem(
            meta,
            f"a {kind} entry has no {field_name}",
            position,
            fatal=kind not in _IDENTITY_OPTIONAL,
        )
    if kind in _NEEDS_CREATED_AT and parse_rfc3339(created_text) is None:
        at = locate((*path, "created_at"))
        _problem(
            meta,
            f"{kind} key {anchor}: created_at is missing or not an RFC 3339 time",
            position if at == meta.position else at,
        )
    name = anchor or f"entry {path[-1]}"
    if not has_enc:
        _problem(
            meta,
            f"{kind} key {name} has no wrapped data key (enc): its holder cannot "
            "decrypt the file",
            position,
            fix=_ROTATE,
        )


def _read_scalars(raw: dict[str, Any], meta: SopsMetadata, locate: Locator) -> None:
    for name in ("lastmodified", "mac", "version", *SELECTORS):
        if isinstance(raw.get(name), (dict, list)):
            _problem(meta, f"{name} is not a string", locate((name,)))

    meta.lastmodified = (
        None if raw.get("lastmodified") is None else str(raw["lastmodified"])
    )
    meta.lastmodified_position = locate(("lastmodified",))
    if parse_rfc3339(meta.lastmodified) is None:
        _problem(
            meta,
            "lastmodified is missing or not an RFC 3339 time",
            meta.lastmodified_position,
        )

    mac = raw.get("mac")
    meta.mac = None if mac is None else str(mac)
    meta.mac_position = locate(("mac",))
    if isinstance(mac, (dict, list)):
        pass
    elif not meta.mac:
        _problem(
            meta, "the MAC is missing: Go sops refuses to decrypt", meta.mac_position
        )
    elif not _is_mac(meta.mac):
        _problem(
            meta,
            "the MAC is not an ENC[AES256_GCM,...,type:str] value",
            meta.mac_position,
        )

    selectors = [name for name in SELECTORS if raw.get(name)]
    if len(selectors) > 1:
        _problem(
            meta,
            "more than one of " + ", ".join(selectors) + " is set",
            locate((selectors[1],)),
        )
    elif selectors:
        meta.selector = (selectors[0], str(raw[selectors[0]]))
    else:
        meta.selector = DEFAULT_SELECTOR

    only = raw.get("mac_only_encrypted")
    meta.mac_only_encrypted = only is True or str(only).lower() == "true"
    meta.mac_only_encrypted_position = locate(("mac_only_encrypted",))

    threshold = raw.get("shamir_threshold")
    if threshold is not None:
        try:
            meta.shamir_threshold = int(threshold)
        except (TypeError, ValueError):
            _problem(
                meta, "shamir_threshold is not a number", locate(("shamir_threshold",))
            )
    version = raw.get("version")
    meta.version = None if version is None else str(version)
    if not meta.version:
        _problem(meta, "the sops version is missing", meta.position)


def _is_mac(value: str) -> bool:
    match = _MAC_VALUE.match(value)
    if match is None:
        return False
    try:
        for part in match.groups():
            b64decode(part, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True
