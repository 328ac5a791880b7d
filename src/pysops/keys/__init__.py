"""Master key types, looked up by their metadata name without importing them all.

Each key source lives in its own module and is imported only when a file or a
command uses it, so that ``pysops decrypt`` of an age file never pays for
boto3 or gRPC.
"""

from __future__ import annotations

import importlib
from typing import Any

from ..errors import MetadataError
from .interface import KeyGroup, MasterKey, MasterKeyFailure

__all__ = [
    "KeyGroup",
    "MasterKey",
    "MasterKeyFailure",
    "KEY_TYPES",
    "key_class",
    "key_from_metadata",
]

#: metadata list name -> module; the order is the order of Go sops' metadata
KEY_TYPES: dict[str, str] = {
    "kms": "pysops.keys.kms",
    "gcp_kms": "pysops.keys.gcpkms",
    "azure_kv": "pysops.keys.azkv",
    "hc_vault": "pysops.keys.hcvault",
    "age": "pysops.keys.age",
    "pgp": "pysops.keys.pgp",
    "hckms": "pysops.keys.hckms",
}

_classes: dict[str, type[MasterKey]] = {}


def key_class(type_id: str) -> type[MasterKey]:
    """The MasterKey subclass for a metadata list name (``age``, ``kms``, ...)."""
    cls = _classes.get(type_id)
    if cls is not None:
        return cls
    module_name = KEY_TYPES.get(type_id)
    if module_name is None:
        raise MetadataError(f"unknown master key type {type_id!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise MetadataError(
            f"master keys of type {type_id} are not available: {err}",
            hint="install pysops with the extra for this key type, e.g. pip install 'pysops[all]'",
        ) from None
    for value in vars(module).values():
        if (
            isinstance(value, type)
            and issubclass(value, MasterKey)
            and getattr(value, "type_id", None) == type_id
        ):
            _classes[type_id] = value
            return value
    raise MetadataError(f"master keys of type {type_id} are not available")


def key_from_metadata(type_id: str, entry: Any) -> MasterKey:
    """Build a master key from one stored metadata entry."""
    if not isinstance(entry, dict):
        raise MetadataError(f"malformed {type_id} entry in the sops metadata")
    return key_class(type_id).from_metadata(entry)
