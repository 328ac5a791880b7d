"""File formats: choosing a store by type name or file extension."""

from __future__ import annotations

import importlib

from ..errors import UsageError
from .interface import Store

__all__ = ["Store", "STORE_NAMES", "store_name_for_path", "get_store"]

_MODULES = {
    "yaml": "pysops.stores.yaml",
    "json": "pysops.stores.json",
    "dotenv": "pysops.stores.dotenv",
    "ini": "pysops.stores.ini",
    "binary": "pysops.stores.binary",
}
STORE_NAMES = tuple(_MODULES)

_EXTENSIONS = {
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
    ".env": "dotenv",
    ".ini": "ini",
}


def store_name_for_path(path: str) -> str:
    """The store Go sops picks for a file name: by extension, else binary."""
    lowered = path
    for ext, name in _EXTENSIONS.items():
        if lowered.endswith(ext):
            return name
    return "binary"


def resolve_store_name(explicit: str | None, path: str) -> str:
    """``--input-type``/``--output-type`` if valid, else the extension rule.

    Go sops silently ignores an unknown type name; so do we.
    """
    if explicit and explicit in _MODULES:
        return explicit
    return store_name_for_path(path)


def get_store(name: str, indent: int | None = None) -> Store:
    """An instance of the store called ``name``."""
    module_name = _MODULES.get(name)
    if module_name is None:
        raise UsageError(
            f"unknown file type {name!r}; use one of {', '.join(STORE_NAMES)}"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise UsageError(f"the {name} store is not available: {err}") from None
    for value in vars(module).values():
        if (
            isinstance(value, type)
            and issubclass(value, Store)
            and value is not Store
            and getattr(value, "name", None) == name
        ):
            return value(indent=indent)
    raise UsageError(f"the {name} store is not available")
