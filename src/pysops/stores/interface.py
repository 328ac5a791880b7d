"""The contract every store (file format) fulfils, and how one is chosen."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from ..tree import Branch


class Store(ABC):
    """Reads and writes one file format.

    A store turns bytes into a list of branches (one per document) and back.
    Encrypted files carry the metadata under the top-level ``sops`` key; the
    store hands it over as plain data (dicts, lists, strings, ints, bools):
    formats that cannot nest (dotenv, INI) flatten and unflatten it here, so
    the layers above never see the difference.

    Errors: :class:`pysops.errors.StoreError` (with ``line`` where known) for
    input that cannot be parsed, :class:`pysops.errors.MetadataNotFound` when
    an encrypted file is expected but has no metadata, and
    :class:`pysops.errors.EmitError` when a tree does not fit the format.
    Messages never contain values of the document.
    """

    #: the name used by ``--input-type`` / ``--output-type``
    name: str

    def __init__(self, indent: int | None = None) -> None:
        self.indent = indent

    @abstractmethod
    def load_plain(self, data: bytes) -> list[Branch]:
        """Parse a plaintext file into branches (comments kept as items)."""

    @abstractmethod
    def load_encrypted(self, data: bytes) -> tuple[list[Branch], dict[str, Any]]:
        """Parse an encrypted file: its branches without ``sops``, and the metadata."""

    @abstractmethod
    def emit_plain(self, branches: list[Branch]) -> bytes:
        """Serialise branches as a plaintext file."""

    @abstractmethod
    def emit_encrypted(self, branches: list[Branch], metadata: Branch) -> bytes:
        """Serialise encrypted branches with the metadata appended as ``sops``.

        ``metadata`` is already in the order the file must show it.
        """

    @abstractmethod
    def emit_value(self, value: Any) -> bytes:
        """Serialise one value (for ``--extract`` of a non-string)."""

    def has_metadata_key(self, branch: Branch) -> bool:
        """Whether a plaintext branch already has a reserved top-level key."""
        from ..tree import has_metadata_key

        return has_metadata_key(branch)
