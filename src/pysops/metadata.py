"""The ``sops`` metadata block: key groups, MAC, rules and version."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import MetadataError
from .keys import KEY_TYPES, KeyGroup, key_from_metadata
from .rules import EncryptionRules
from .tree import Branch, from_plain
from .values import parse_rfc3339

#: the version pysops writes: the Go sops release whose layout it reproduces
FORMAT_VERSION = "3.11.0"

# Where each key type's list goes, in the order Go sops 3.11 writes it: at
# the top of the block for a single key group, and inside each group of
# ``key_groups`` otherwise.  ``hckms`` came with 3.12 and sits beside its
# cloud siblings.
_TOP_LEVEL_KEY_ORDER = ("kms", "gcp_kms", "azure_kv", "hckms", "hc_vault", "age")
_GROUP_KEY_ORDER = ("pgp", "kms", "gcp_kms", "azure_kv", "hckms", "hc_vault", "age")
# In key groups Go always writes these two lists, even when empty.
_GROUP_ALWAYS = ("hc_vault", "age")


@dataclass
class Metadata:
    """Everything under the ``sops`` key, in memory."""

    key_groups: list[KeyGroup] = field(default_factory=list)
    shamir_threshold: int = 0
    last_modified: str = ""
    mac: str = ""
    rules: EncryptionRules = field(default_factory=EncryptionRules)
    mac_only_encrypted: bool = False
    version: str = FORMAT_VERSION

    def master_keys(self) -> list[Any]:
        return [key for group in self.key_groups for key in group]

    def effective_threshold(self) -> int:
        """How many key groups must be decrypted to recover the data key."""
        if len(self.key_groups) <= 1:
            return 1
        return self.shamir_threshold or len(self.key_groups)

    def to_branch(self) -> Branch:
        """The block as written in a file (Go sops 3.11 field order)."""
        out = Branch()
        if self.shamir_threshold:
            out.append(("shamir_threshold", self.shamir_threshold))
        if len(self.key_groups) > 1:
            out.append(
                (
                    "key_groups",
                    [_group_branch(g, _GROUP_KEY_ORDER, True) for g in self.key_groups],
                )
            )
        elif self.key_groups:
            single = _group_branch(self.key_groups[0], _TOP_LEVEL_KEY_ORDER, False)
            out.extend(item for item in single if item[0] != "pgp")
        out.append(("lastmodified", self.last_modified))
        out.append(("mac", self.mac))
        if len(self.key_groups) == 1:
            pgp = [k for k in self.key_groups[0] if k.type_id == "pgp"]
            if pgp:
                out.append(("pgp", [from_plain(k.to_metadata()) for k in pgp]))
        out.extend(self.rules.items())
        if self.mac_only_encrypted:
            out.append(("mac_only_encrypted", True))
        out.append(("version", self.version))
        return out


def _group_branch(group: KeyGroup, order: tuple[str, ...], always: bool) -> Branch:
    out = Branch()
    for type_id in order:
        entries = [from_plain(k.to_metadata()) for k in group if k.type_id == type_id]
        if entries or (always and type_id in _GROUP_ALWAYS):
            out.append((type_id, entries))
    return out


def _keys_of(holder: dict[str, Any]) -> KeyGroup:
    group: KeyGroup = []
    for type_id in KEY_TYPES:
        entries = holder.get(type_id) or []
        if not isinstance(entries, list):
            raise MetadataError(f"malformed {type_id} list in the sops metadata")
        group.extend(key_from_metadata(type_id, entry) for entry in entries)
    return group


def parse_metadata(raw: Any) -> Metadata:
    """Read the metadata block as stored (plain dicts and lists).

    Raises MetadataError for a block that is not a mapping, has no keys, or
    sets more than one encryption rule.
    """
    if not isinstance(raw, dict):
        raise MetadataError("the sops metadata is not a mapping")

    # 1. Key groups: top-level lists win over key_groups, as in Go sops.
    top = _keys_of(raw)
    if top:
        groups = [top]
    else:
        raw_groups = raw.get("key_groups") or []
        if not isinstance(raw_groups, list):
            raise MetadataError("malformed key_groups in the sops metadata")
        groups = [_keys_of(g if isinstance(g, dict) else {}) for g in raw_groups]
    if not groups or not any(groups):
        raise MetadataError("no keys found in the sops metadata")

    # 2. Scalars.
    try:
        threshold = int(raw.get("shamir_threshold") or 0)
    except (TypeError, ValueError):
        raise MetadataError(
            "shamir_threshold in the sops metadata is not a number"
        ) from None
    try:
        rules = EncryptionRules.from_mapping(raw).with_default()
    except Exception as err:
        raise MetadataError(f"invalid sops metadata: {err}") from None
    mac_only = raw.get("mac_only_encrypted") in (True, "true", "True")
    last_modified = str(raw.get("lastmodified") or "")
    try:
        parse_rfc3339(last_modified)
    except ValueError:
        raise MetadataError(
            f"lastmodified {last_modified!r} in the sops metadata is not an RFC 3339 time"
        ) from None
    return Metadata(
        key_groups=groups,
        shamir_threshold=threshold,
        last_modified=last_modified,
        mac=str(raw.get("mac") or ""),
        rules=rules,
        mac_only_encrypted=mac_only,
        version=str(raw.get("version") or ""),
    )
