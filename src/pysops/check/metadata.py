"""Turn a raw ``sops`` mapping (from any store) into :class:`SopsMetadata`.

The raw mapping is what a store parser produced; ``locate`` maps a path inside
it (e.g. ``("age", 0, "recipient")``) to a position in the file.  The checks
made here follow what Go sops refuses when it loads metadata, so a file Go
sops could not open is reported instead of skipped.
"""

from __future__ import annotations

import re
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
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)
_ENC_VALUE = re.compile(
    r"^ENC\[AES256_GCM,data:[A-Za-z0-9+/=]*,iv:[A-Za-z0-9+/=]+,"
    r"tag:[A-Za-z0-9+/=]+,type:str\]$"
)


def parse_rfc3339(value: object) -> datetime | None:
    """The timestamp in ``value``, or None when it is not RFC 3339."""
    if not isinstance(value, str) or not _RFC3339.match(value):
        return None
    text = value.upper().replace("Z", "+00:00")
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
    """Build the metadata record, listing every problem found on the way."""
    meta = SopsMetadata(store=store, position=where)
    if not isinstance(raw, dict):
        meta.problems.append(
            MetadataProblem("the sops metadata is not a mapping", where)
        )
        return meta

    _read_keys(raw, meta, locate)
    _read_scalars(raw, meta, locate)
    return meta


def _read_keys(raw: dict[str, Any], meta: SopsMetadata, locate: Locator) -> None:
    # Go sops uses the flat lists when any is non-empty, key_groups otherwise.
    flat = [k for k in KEY_LISTS if isinstance(raw.get(k), list) and raw[k]]
    if flat:
        groups: list[tuple[tuple[Any, ...], dict[str, Any]]] = [((), raw)]
    else:
        key_groups = raw.get("key_groups")
        groups = []
        if isinstance(key_groups, list):
            groups = [
                (("key_groups", i), g)
                for i, g in enumerate(key_groups)
                if isinstance(g, dict)
            ]
    for index, (prefix, group) in enumerate(groups):
        for kind in KEY_LISTS:
            entries = group.get(kind)
            if not isinstance(entries, list):
                continue
            for n, entry in enumerate(entries):
                _read_entry(meta, kind, index, (*prefix, kind, n), entry, locate)
    if not meta.keys:
        meta.problems.append(
            MetadataProblem("the sops metadata lists no master keys", meta.position)
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
        meta.problems.append(
            MetadataProblem(f"a {kind} entry is not a mapping", locate(path))
        )
        return
    field_name = _IDENTITY_FIELD[kind]
    position = locate((*path, field_name))
    anchor = anchor_of(kind, entry)
    created = entry.get("created_at")
    created_text = None if created is None else str(created)
    meta.keys.append(
        MasterKeyEntry(
            kind, anchor, group, position, created_text, bool(entry.get("enc"))
        )
    )
    if not entry.get(field_name):
        meta.problems.append(
            MetadataProblem(f"a {kind} entry has no {field_name}", position)
        )
    if kind in _NEEDS_CREATED_AT and parse_rfc3339(created_text) is None:
        meta.problems.append(
            MetadataProblem(
                f"{kind} key {anchor}: created_at is missing or not an RFC 3339 time",
                locate((*path, "created_at")),
            )
        )
    if not entry.get("enc"):
        meta.problems.append(
            MetadataProblem(
                f"{kind} key {anchor} has no wrapped data key (enc)",
                position,
                strict_only=True,
            )
        )


def _read_scalars(raw: dict[str, Any], meta: SopsMetadata, locate: Locator) -> None:
    meta.lastmodified = (
        None if raw.get("lastmodified") is None else str(raw["lastmodified"])
    )
    meta.lastmodified_position = locate(("lastmodified",))
    if parse_rfc3339(meta.lastmodified) is None:
        meta.problems.append(
            MetadataProblem(
                "lastmodified is missing or not an RFC 3339 time",
                meta.lastmodified_position,
            )
        )

    mac = raw.get("mac")
    meta.mac = None if mac is None else str(mac)
    meta.mac_position = locate(("mac",))
    if not meta.mac:
        meta.problems.append(
            MetadataProblem(
                "the MAC is missing: Go sops refuses to decrypt", meta.mac_position
            )
        )
    elif not _ENC_VALUE.match(meta.mac):
        meta.problems.append(
            MetadataProblem(
                "the MAC is not an ENC[AES256_GCM,...] value", meta.mac_position, True
            )
        )

    selectors = [name for name in SELECTORS if raw.get(name)]
    if len(selectors) > 1:
        meta.problems.append(
            MetadataProblem(
                "more than one of " + ", ".join(selectors) + " is set",
                locate((selectors[1],)),
            )
        )

    only = raw.get("mac_only_encrypted")
    meta.mac_only_encrypted = only is True or str(only).lower() == "true"
    meta.mac_only_encrypted_position = locate(("mac_only_encrypted",))

    threshold = raw.get("shamir_threshold")
    if threshold is not None:
        try:
            meta.shamir_threshold = int(threshold)
        except (TypeError, ValueError):
            meta.problems.append(
                MetadataProblem(
                    "shamir_threshold is not a number", locate(("shamir_threshold",))
                )
            )
    version = raw.get("version")
    meta.version = None if version is None else str(version)
    if not meta.version:
        meta.problems.append(
            MetadataProblem("the sops version is missing", meta.position, True)
        )
