"""The document model: branches, items, comments and typed scalars.

A document is a *branch*: an ordered list of ``(key, value)`` items.  A key is
a ``str`` or a :class:`Comment` (a comment line between items; its value is
``None``).  A value is a branch, a ``list`` (which may hold :class:`Comment`
elements too) or a scalar: ``str``, ``int``, ``float``, ``bool``, ``None``,
:class:`Timestamp` or :class:`Tagged`.  A file holds one branch per document
(only YAML has several).

The model is deliberately made of plain Python objects so that stores can
build it quickly from large files.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Union

#: the top-level key that holds the metadata in every store
METADATA_KEY = "sops"


class Branch(list):  # type: ignore[type-arg]
    """An ordered mapping, kept as a list of ``(key, value)`` pairs.

    Duplicate keys are possible (JSON allows them) and are kept in order.
    """

    __slots__ = ()

    def get(self, key: str, default: Any = None) -> Any:
        for k, v in self:
            if k == key and not isinstance(k, Comment):
                return v
        return default

    def keys(self) -> Iterator[str]:
        return (k for k, _ in self if not isinstance(k, Comment))

    def index_of(self, key: str) -> int:
        for i, (k, _) in enumerate(self):
            if k == key and not isinstance(k, Comment):
                return i
        return -1


class Comment:
    """A comment line; ``text`` is the line without its leading ``#``."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Comment) and other.text == self.text

    def __hash__(self) -> int:
        return hash(("comment", self.text))

    def __repr__(self) -> str:
        return f"Comment({self.text!r})"


@dataclass(frozen=True, slots=True)
class Timestamp:
    """A YAML timestamp: the instant and the text it is encrypted as.

    ``text`` is Go's RFC 3339 rendering (what sops encrypts and prints).
    """

    value: _dt.datetime
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Tagged:
    """A scalar that carries an explicit YAML tag such as ``!env``.

    Go sops drops such tags; pysops keeps them on the node in the encrypted
    file (``key: !env ENC[...]``), which Go sops still reads as a string.
    """

    tag: str
    value: Any


#: The tag that marks a dotenv value written inside quotes across several lines
#: (pysops reads those; Go sops does not).  It is no YAML tag: every other
#: store writes the bare value.
DOTENV_LINES_TAG = "tag:pysops,2025:dotenv-lines"


Scalar = str | int | float | bool | None | Timestamp | Tagged
Value = Union["Branch", list, Scalar]  # type: ignore[type-arg]


def has_metadata_key(branch: Branch) -> bool:
    """Whether a branch has a top-level ``sops`` key (encrypted, or reserved)."""
    return any(k == METADATA_KEY and not isinstance(k, Comment) for k, _ in branch)


def to_plain(value: Any) -> Any:
    """Turn a branch into nested dicts and lists, dropping comments.

    Used for metadata and config blocks, whose shape is known.
    """
    if isinstance(value, Branch):
        return {k: to_plain(v) for k, v in value if not isinstance(k, Comment)}
    if isinstance(value, list):
        return [to_plain(v) for v in value if not isinstance(v, Comment)]
    if isinstance(value, Tagged):
        return to_plain(value.value)
    return value


def from_plain(value: Any) -> Any:
    """Turn nested dicts and lists into branches (dict order is kept)."""
    if isinstance(value, dict):
        return Branch((k, from_plain(v)) for k, v in value.items())
    if isinstance(value, list):
        return [from_plain(v) for v in value]
    return value
