"""The dotenv store: ``KEY=VALUE`` lines and ``#`` comments, as Go sops reads them.

The format has no quoting: the key is everything before the first ``=``, the
value everything after it (quotes included), and the two characters ``\\n``
in a value stand for a newline.  Empty lines are dropped.  A line whose
first character is ``#`` is a comment.

pysops also accepts a value that opens a quote and closes it on a later line
(``KEY="first`` / ``second"``), which Go sops rejects; the text between the
``=`` and the closing quote is kept as written, real newlines included.
The multi-line reading applies only where Go would fail, so every file Go
reads gets the same tree.  Such a value is a :class:`~pysops.tree.Tagged`
with :data:`~pysops.tree.DOTENV_LINES_TAG`, and a plaintext file writes it
back across lines, byte for byte.  In an encrypted file it takes one line,
as Go needs, followed by an empty line: Go skips empty lines, pysops reads
the empty line as "write this value across lines again".  Every other value
with a newline is written on one line with ``\\n``, as Go writes it.

Invalid UTF-8 is kept: text is decoded with ``surrogateescape``.
"""

from __future__ import annotations

from typing import Any

from ..errors import EmitError, MetadataNotFound, StoreError
from ..tree import DOTENV_LINES_TAG, METADATA_KEY, Branch, Comment, Tagged
from .flatten import flatten_metadata, scalar_to_text, unflatten_metadata
from .interface import Store

#: prefix of the metadata lines
METADATA_PREFIX = METADATA_KEY + "_"

_QUOTES = ("'", '"')


class DotenvStore(Store):
    """dotenv files; see :class:`~pysops.stores.interface.Store`."""

    name = "dotenv"

    def load_plain(self, data: bytes) -> list[Branch]:
        return [parse_dotenv(data)]

    def load_encrypted(self, data: bytes) -> tuple[list[Branch], dict[str, Any]]:
        branch = Branch()
        flat: dict[str, str] = {}
        for key, value in parse_dotenv(data, encrypted=True):
            if isinstance(key, str) and key.startswith(METADATA_PREFIX):
                flat[key[len(METADATA_PREFIX) :]] = value
            else:
                branch.append((key, value))
        if not flat:
            raise MetadataNotFound()
        return [branch], unflatten_metadata(flat)

    def emit_plain(self, branches: list[Branch]) -> bytes:
        return _emit(branches[0], encrypted=False)

    def emit_encrypted(self, branches: list[Branch], metadata: Branch) -> bytes:
        branch = Branch(branches[0])
        for name, text in flatten_metadata(metadata):
            branch.append((METADATA_PREFIX + name, text))
        return _emit(branch, encrypted=True)

    def emit_value(self, value: Any) -> bytes:
        if isinstance(value, Tagged) and value.tag == DOTENV_LINES_TAG:
            value = value.value
        if isinstance(value, str):
            return value.encode("utf-8", "surrogateescape")
        raise EmitError("the dotenv format can only write string values")

    def has_metadata_key(self, branch: Branch) -> bool:
        return any(
            isinstance(key, str) and key.startswith(METADATA_PREFIX)
            for key, _ in branch
        )


def _emit(branch: Branch, encrypted: bool) -> bytes:
    lines: list[str] = []
    for key, value in branch:
        if isinstance(key, Comment):
            lines.append(f"#{key.text}\n")
            continue
        if isinstance(value, list):
            raise EmitError(f"cannot use a nested value in a dotenv file (key {key!r})")
        if value.__class__ is str:
            lines.append(key + "=" + value.replace("\n", "\\n") + "\n")
        elif isinstance(value, Tagged) and value.tag == DOTENV_LINES_TAG:
            lines.append(_lines_item(key, value.value, encrypted))
        else:
            text = scalar_to_text(value)
            lines.append(key + "=" + text.replace("\n", "\\n") + "\n")
    return "".join(lines).encode("utf-8", "surrogateescape")


def _lines_item(key: str, value: Any, encrypted: bool) -> str:
    """The line(s) of a value that was written across lines."""
    text = value if isinstance(value, str) else scalar_to_text(value)
    if not encrypted:
        if "\n" in text and _reads_back_across_lines(key, text):
            return f"{key}={text}\n"
        return key + "=" + text.replace("\n", "\\n") + "\n"
    if "\n" in text and "\\n" in text:
        # Go turns every "\n" of the line into a newline, so the value it
        # would read (and hash into the MAC) would not be this one.
        raise EmitError(
            f"the multi-line value of {key!r} contains the text '\\n' and cannot "
            "be kept in clear in an encrypted dotenv file; encrypt it"
        )
    return key + "=" + text.replace("\n", "\\n") + "\n\n"


def _reads_back_across_lines(key: str, text: str) -> bool:
    data = f"{key}={text}\n".encode("utf-8", "surrogateescape")
    try:
        branch = parse_dotenv(data)
    except StoreError:
        return False
    return branch == Branch([(key, Tagged(DOTENV_LINES_TAG, text))])


def parse_dotenv(data: bytes, encrypted: bool = False) -> Branch:
    """Parse dotenv text into a branch; :class:`StoreError` names a bad line.

    ``encrypted``: an empty line right after an item marks a value that was
    written across lines (see the module documentation).
    """
    lines = data.decode("utf-8", "surrogateescape").split("\n")
    branch = Branch()
    number = 0
    while number < len(lines):
        line = lines[number]
        number += 1
        if not line:
            if encrypted and branch and _is_one_line_item(branch[-1]):
                key, value = branch[-1]
                branch[-1] = (key, Tagged(DOTENV_LINES_TAG, value))
            continue
        if line[0] == "#":
            branch.append((Comment(line[1:]), None))
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise StoreError(f"invalid dotenv line {number}: no '=' found", line=number)
        end = _multiline_end(lines, number - 1, value)
        if end is None:
            branch.append((key, value.replace("\\n", "\n")))
        else:
            text = "\n".join([value, *lines[number : end + 1]])
            branch.append((key, Tagged(DOTENV_LINES_TAG, text)))
            number = end + 1
    return branch


def _is_one_line_item(item: tuple[Any, Any]) -> bool:
    key = item[0]
    return (
        isinstance(key, str)
        and not key.startswith(METADATA_PREFIX)
        and item[1].__class__ is str
    )


def _multiline_end(lines: list[str], start: int, value: str) -> int | None:
    """Index of the line closing a quoted value opened on line ``start``, if any.

    Only when Go would reject one of the lines in between (no ``=``, not a
    comment, not empty) is the value read across lines.
    """
    if not value or value[0] not in _QUOTES or value[0] in value[1:]:
        return None
    quote = value[0]
    go_rejects = False
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if line and line[0] != "#" and "=" not in line:
            go_rejects = True
        if quote in line:
            return index if go_rejects else None
    return None
