"""The YAML store: Go sops' YAML layout, comments and scalar typing."""

from __future__ import annotations

import re
from typing import Any

from .. import exitcodes
from ..errors import MetadataError, MetadataNotFound, StoreError
from ..tree import METADATA_KEY, Branch, Comment, to_plain
from .interface import Store

_METADATA_LINE = re.compile(rb"^sops[ \t]*:", re.M)


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise StoreError("the YAML file is not valid UTF-8") from err
    return text[1:] if text.startswith("\ufeff") else text


def find_metadata_line(data: bytes) -> int | None:
    """The 1-based line of the first top-level ``sops:`` key, if any."""
    match = _METADATA_LINE.search(data)
    if match is None:
        return None
    return data.count(b"\n", 0, match.start()) + 1


class YamlStore(Store):
    """YAML files as Go sops 3.11 reads and writes them (the contract is in :class:`Store`)."""

    name = "yaml"

    def load_plain(self, data: bytes) -> list[Branch]:
        from ._yaml_load import Loader

        if not data:
            raise StoreError(
                "the YAML file is empty; it needs at least one document",
                exit_code=exitcodes.NEED_AT_LEAST_ONE_DOCUMENT,
            )
        branches = Loader(_decode(data)).load()
        if not branches:
            raise StoreError(
                "the YAML file holds no document",
                exit_code=exitcodes.NEED_AT_LEAST_ONE_DOCUMENT,
            )
        return branches

    def load_encrypted(self, data: bytes) -> tuple[list[Branch], dict[str, Any]]:
        branches = self.load_plain(data)
        metadata = branches[0].get(METADATA_KEY) if branches else None
        if metadata is None:
            raise MetadataNotFound()
        if not isinstance(metadata, Branch):
            raise MetadataError("the top-level sops key is not a metadata mapping")
        for branch in branches:
            branch[:] = [
                (k, v) for k, v in branch
                if isinstance(k, Comment) or k != METADATA_KEY
            ]  # fmt: skip
        return branches, to_plain(metadata)

    def emit_plain(self, branches: list[Branch]) -> bytes:
        from ._yaml_emit import Emitter

        return Emitter(self._indent()).documents(branches).encode("utf-8")

    def emit_encrypted(self, branches: list[Branch], metadata: Branch) -> bytes:
        from ._yaml_emit import Emitter

        full = [Branch([*branch, (METADATA_KEY, metadata)]) for branch in branches]
        return Emitter(self._indent(), for_go=True).documents(full).encode("utf-8")

    def emit_value(self, value: Any) -> bytes:
        from ._yaml_emit import Emitter

        return Emitter(self._indent()).value(value).encode("utf-8")

    def _indent(self) -> int:
        if self.indent is not None and self.indent < 0:
            raise StoreError("YAML indentation cannot be negative",
                             exit_code=exitcodes.ERROR_DUMPING_TREE)  # fmt: skip
        return self.indent or 4
