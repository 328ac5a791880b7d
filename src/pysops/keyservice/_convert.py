"""Translation between master keys and the key service's ``Key`` message.

Both directions go through the metadata entry of a key (``to_metadata`` and
``from_metadata``), the one description every key backend already agrees on,
so this module needs no knowledge of the backends' attributes.
"""

from __future__ import annotations

from typing import Any

from ..keys.interface import MasterKey, now_rfc3339
from . import _messages

#: type_id -> (oneof field of Key, [(metadata field, proto field)])
_KINDS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "age": ("age_key", [("recipient", "recipient")]),
    "pgp": ("pgp_key", [("fp", "fingerprint")]),
    "kms": (
        "kms_key",
        [
            ("arn", "arn"),
            ("role", "role"),
            ("context", "context"),
            ("aws_profile", "aws_profile"),
        ],
    ),
    "gcp_kms": ("gcp_kms_key", [("resource_id", "resource_id")]),
    "azure_kv": (
        "azure_keyvault_key",
        [("vault_url", "vault_url"), ("name", "name"), ("version", "version")],
    ),
    "hc_vault": (
        "vault_key",
        [
            ("vault_address", "vault_address"),
            ("engine_path", "engine_path"),
            ("key_name", "key_name"),
        ],
    ),
    "hckms": ("hckms_key", [("key_id", "key_id")]),
}

_TYPE_OF_ONEOF = {oneof: type_id for type_id, (oneof, _) in _KINDS.items()}


class UnsupportedKey(Exception):
    """The message names a key type this process cannot handle."""


def key_message(key: MasterKey) -> Any:
    """The ``Key`` message describing ``key`` (without its wrapped data key)."""
    if key.type_id not in _KINDS:
        raise UnsupportedKey(f"key type {key.type_id!r} has no key service message")
    oneof, fields = _KINDS[key.type_id]
    entry = key.to_metadata()
    message = _messages.Key()
    part = getattr(message, oneof)
    for meta_name, proto_name in fields:
        value = entry.get(meta_name)
        if proto_name == "context":
            part.context.update({str(k): str(v) for k, v in (value or {}).items()})
        elif value:
            setattr(part, proto_name, str(value))
    part.SetInParent()
    return message


def describe(message: Any) -> str:
    """A one-line description of a ``Key`` message for prompts and logs."""
    oneof = message.WhichOneof("key_type")
    if oneof is None:
        return "no key"
    part = getattr(message, oneof)
    values = [
        str(getattr(part, name))
        for _, name in _KINDS[_TYPE_OF_ONEOF[oneof]][1]
        if name != "context" and getattr(part, name)
    ]
    return f"{_TYPE_OF_ONEOF[oneof]} key {' '.join(values)}".strip()


def master_key(message: Any, enc: str = "") -> MasterKey:
    """Build the local master key that a ``Key`` message describes.

    Raises :class:`UnsupportedKey` when the message has no key or the key
    type's backend is not available in this installation.
    """
    oneof = message.WhichOneof("key_type")
    if oneof is None:
        raise UnsupportedKey("Must provide a key")
    type_id = _TYPE_OF_ONEOF[oneof]
    fields = _KINDS[type_id][1]
    part = getattr(message, oneof)

    entry: dict[str, Any] = {}
    for meta_name, proto_name in fields:
        value = getattr(part, proto_name)
        entry[meta_name] = dict(value) if proto_name == "context" else value
    if type_id != "age":
        entry["created_at"] = now_rfc3339()
    entry["enc"] = enc
    return _backend_class(type_id).from_metadata(entry)


def _backend_class(type_id: str) -> type[MasterKey]:
    from ..errors import MetadataError
    from ..keys import key_class

    try:
        return key_class(type_id)
    except MetadataError as err:
        raise UnsupportedKey(str(err)) from err
