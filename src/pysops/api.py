"""The Python API: decrypt and encrypt files without shelling out.

Everything here behaves as the command line does (same formats, same keys,
same ``.sops.yaml`` rules and environment variables) and raises
:class:`pysops.errors.SopsError` subclasses, whose ``exit_code`` is the one
the command line would use.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import sopsfile
from .datakey import DEFAULT_DECRYPTION_ORDER
from .stores import get_store, resolve_store_name
from .tree import to_plain

PathLike = str | os.PathLike[str]


def decrypt_data(
    data: bytes,
    format: str,
    *,
    ignore_mac: bool = False,
    decryption_order: Sequence[str] = DEFAULT_DECRYPTION_ORDER,
) -> bytes:
    """Decrypt the bytes of an encrypted file; the plaintext in the same format."""
    store = get_store(format)
    branches, metadata = sopsfile.load(data, store)
    doc = sopsfile.open_encrypted(
        branches, metadata, ignore_mac=ignore_mac, decryption_order=decryption_order
    )
    return store.emit_plain(doc.branches)


def decrypt_file(
    path: PathLike, *, format: str | None = None, ignore_mac: bool = False
) -> bytes:
    """Decrypt a file; ``format`` defaults to the one its extension names."""
    name = os.fspath(path)
    return decrypt_data(
        Path(name).read_bytes(), resolve_store_name(format, name), ignore_mac=ignore_mac
    )


def load_file(
    path: PathLike, *, format: str | None = None, ignore_mac: bool = False
) -> Any:
    """Decrypt a file into Python data: dicts, lists and scalars, comments dropped.

    A multi-document YAML file gives a list with one item per document.
    """
    name = os.fspath(path)
    store = get_store(resolve_store_name(format, name))
    branches, metadata = sopsfile.load(Path(name).read_bytes(), store)
    doc = sopsfile.open_encrypted(branches, metadata, ignore_mac=ignore_mac)
    plain = [to_plain(branch) for branch in doc.branches]
    return plain[0] if len(plain) == 1 else plain


def encrypt_data(
    data: bytes, format: str, *, age: Sequence[str] = (), filename: str | None = None
) -> bytes:
    """Encrypt plaintext bytes for age recipients, or by the ``.sops.yaml`` rule.

    Without recipients the creation rule matching ``filename`` (looked up from
    the current directory, as the command line does) gives keys and rules.
    """
    from .cli.flags import Parsed
    from .cli.keysel import load_config_for, make_key, recipe_for

    store = get_store(format)
    branches = store.load_plain(data)
    if age:
        groups = [[make_key("age", recipient) for recipient in age]]
        doc = sopsfile.new_document(branches, groups)
    else:
        args = Parsed()
        recipe = recipe_for(args, filename or f"file.{format}", load_config_for(args))
        doc = sopsfile.new_document(
            branches,
            recipe.key_groups,
            shamir_threshold=recipe.shamir_threshold,
            rules=recipe.rules,
            mac_only_encrypted=recipe.mac_only_encrypted,
        )
    sopsfile.seal(doc)
    return store.emit_encrypted(doc.branches, doc.metadata.to_branch())


def encrypt_file(
    path: PathLike, *, age: Sequence[str] = (), format: str | None = None
) -> bytes:
    """Encrypt a plaintext file and return the encrypted bytes (the file is not changed)."""
    name = os.fspath(path)
    return encrypt_data(
        Path(name).read_bytes(),
        resolve_store_name(format, name),
        age=age,
        filename=name,
    )
