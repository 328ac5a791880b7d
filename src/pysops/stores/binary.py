"""The binary store: any file as one opaque item ``data``, kept in a JSON envelope.

Representation of the bytes: :meth:`BinaryStore.load_plain` puts the file
into the tree as a ``bytes`` object, which the cipher encrypts as is (type
``str``, as Go sops).  After decryption the value comes back as ``str``;
to keep bytes that are not UTF-8 exact, the cipher decodes plaintexts with
``surrogateescape`` and :meth:`BinaryStore.emit_plain` encodes with it again.
"""

from __future__ import annotations

from typing import Any

from ..errors import EmitError
from ..tree import Branch, Comment
from .json import JsonStore

#: the only item of a binary tree
DATA_KEY = "data"

_NOT_BINARY_HINT = (
    "the tree has no top-level string 'data'; to decrypt a structured file, "
    "choose its format with --output-type"
)


class BinaryStore(JsonStore):
    """Opaque files; see :class:`~pysops.stores.interface.Store`.

    Encrypted files are JSON (``indent`` as for :class:`JsonStore`).
    """

    name = "binary"

    def load_plain(self, data: bytes) -> list[Branch]:
        return [Branch([(DATA_KEY, bytes(data))])]

    def emit_plain(self, branches: list[Branch]) -> bytes:
        if len(branches) != 1:
            raise EmitError("a binary file holds exactly one document")
        for key, value in branches[0]:
            if key != DATA_KEY or isinstance(key, Comment):
                continue
            if isinstance(value, bytes):
                return value
            if isinstance(value, str):
                return value.encode("utf-8", "surrogateescape")
            raise EmitError("the 'data' item is not a string", hint=_NOT_BINARY_HINT)
        raise EmitError("no binary data found in the tree", hint=_NOT_BINARY_HINT)

    def emit_value(self, value: Any) -> bytes:
        raise EmitError("a binary file has no structure to extract a value from")
