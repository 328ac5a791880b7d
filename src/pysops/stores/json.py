"""The JSON store: objects in file order, written exactly as Go sops writes them.

Parsing uses the C scanner of the standard ``json`` module, so loading is
linear in the size of the file (Go sops 3.11 is quadratic in the number of
keys).  Integers stay exact Python ``int`` values of any size (Go 3.11 turns
every number into a float64; 3.13.2 keeps integers that fit in int64);
numbers with a fraction or an exponent are ``float``.
"""

from __future__ import annotations

import codecs
import json as _json
import re
from decimal import Decimal
from typing import Any

from ..errors import EmitError, MetadataError, MetadataNotFound, StoreError
from ..tree import METADATA_KEY, Branch, Comment, Tagged, Timestamp
from ..values import FLOAT_EXACT_MAX, GoFloatInt
from .interface import Store

_encode_string = _json.encoder.encode_basestring

# Go writes these inside strings as \u escapes so the output is safe in HTML.
_HTML_ESCAPES = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89abcdefABCDEF]")
# Integers beyond 2**53 have 16 digits or more; only then is a hook needed.
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")


def _replace_each_byte(error: UnicodeError) -> tuple[str, int]:
    # Go's decoder turns every invalid byte into its own U+FFFD, where
    # Python's "replace" handler would merge a truncated sequence into one.
    assert isinstance(error, UnicodeDecodeError)
    return "\ufffd" * (error.end - error.start), error.end


codecs.register_error("pysops-go-replace", _replace_each_byte)


class JsonStore(Store):
    """JSON documents; see :class:`~pysops.stores.interface.Store`.

    ``indent``: ``None`` (or -1) for one tab per level as Go sops, ``N >= 0``
    for N spaces (0 keeps the line breaks without indentation).
    """

    name = "json"

    def __init__(self, indent: int | None = None) -> None:
        if indent is not None and indent < -1:
            raise EmitError("JSON indentation smaller than -1 is not accepted")
        super().__init__(indent)
        self._unit = "\t" if indent is None or indent == -1 else " " * indent

    def load_plain(self, data: bytes) -> list[Branch]:
        return [parse_object(data)]

    def load_encrypted(self, data: bytes) -> tuple[list[Branch], dict[str, Any]]:
        branch = parse_object(data)
        return [_without_metadata(branch)], _metadata_of(branch)

    def emit_plain(self, branches: list[Branch]) -> bytes:
        return self._emit_document(branches[0])

    def emit_encrypted(self, branches: list[Branch], metadata: Branch) -> bytes:
        if not isinstance(metadata, Branch):
            metadata = _as_branch(metadata)
        document = Branch(branches[0])
        document.append((METADATA_KEY, metadata))
        return self._emit_document(document)

    def emit_value(self, value: Any) -> bytes:
        return dumps(value, self._unit)

    def _emit_document(self, branch: Branch) -> bytes:
        return dumps(branch, self._unit) + b"\n"


def parse_object(data: bytes) -> Branch:
    """Parse a JSON document whose top level must be an object.

    Raises :class:`StoreError` naming the line and column of a syntax error.
    """
    text = data.decode("utf-8", "pysops-go-replace")
    if not text.strip(" \t\r\n"):
        raise StoreError("the JSON document is empty")
    try:
        result = _json.loads(
            text,
            object_pairs_hook=Branch,
            parse_float=_parse_float,
            parse_int=_parse_int if _has_long_digit_run(data) else None,
            parse_constant=_reject_constant,
        )
    except _json.JSONDecodeError as err:
        raise StoreError(
            f"invalid JSON: {err.msg} (line {err.lineno}, column {err.colno})",
            line=err.lineno,
        ) from err
    except ValueError as err:
        raise StoreError(f"invalid JSON: {err}") from err
    if not isinstance(result, Branch):
        raise StoreError(
            "the top level of a JSON document must be an object",
            hint='wrap the content in an object, e.g. {"data": ...}',
        )
    if _ESCAPED_SURROGATE.search(data):
        # Go decodes an unpaired \uD800-style escape to U+FFFD.
        result = _replace_surrogates(result)
    branch: Branch = result
    return branch


def _has_long_digit_run(data: bytes) -> bool:
    # bytes.translate is a table lookup in C: a few ms for megabytes of input
    return b"0000000000000000" in data.translate(_DIGITS_AS_ZERO)


def _parse_int(text: str) -> int:
    value = int(text)
    if -FLOAT_EXACT_MAX <= value <= FLOAT_EXACT_MAX:
        return value
    return GoFloatInt(value)


def _parse_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError("number out of range for a 64-bit float")
    return value


def _reject_constant(text: str) -> Any:
    raise ValueError(f"{text} is not valid JSON")


def _replace_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, Branch):
        return Branch(
            (_replace_surrogates(k), _replace_surrogates(v)) for k, v in value
        )
    if isinstance(value, list):
        return [_replace_surrogates(v) for v in value]
    return value


def _without_metadata(branch: Branch) -> Branch:
    return Branch(item for item in branch if item[0] != METADATA_KEY)


def _metadata_of(branch: Branch) -> dict[str, Any]:
    from ..tree import to_plain

    metadata = branch.get(METADATA_KEY)
    if metadata is None:
        raise MetadataNotFound()
    if not isinstance(metadata, Branch):
        raise MetadataError("the sops metadata must be a JSON object")
    plain: dict[str, Any] = to_plain(metadata)
    return plain


def _as_branch(value: Any) -> Any:
    if isinstance(value, dict):
        return Branch((k, _as_branch(v)) for k, v in value.items())
    if isinstance(value, list) and not isinstance(value, Branch):
        return [_as_branch(v) for v in value]
    return value


def dumps(value: Any, unit: str | None) -> bytes:
    """Serialise a value as Go sops does: ``json.Indent`` layout with ``unit``
    per level, or Go's compact ``json.Marshal`` form when ``unit`` is ``None``.
    """
    parts: list[str] = []
    _Writer(parts, unit).write(value, 0)
    text = "".join(parts)
    for char, escape in _HTML_ESCAPES:
        if char in text:
            text = text.replace(char, escape)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates stand for bytes that are not UTF-8 (surrogateescape);
        # Go writes each such byte as the escape \ufffd.
        return _SURROGATE.sub("\\\\ufffd", text).encode("utf-8")


class _Writer:
    """Appends the JSON text of a value to ``parts``."""

    def __init__(self, parts: list[str], unit: str | None) -> None:
        self.parts = parts
        self.unit = unit
        self.colon = ": " if unit is not None else ":"
        self.breaks: list[str] = []

    def line_break(self, depth: int) -> str:
        if self.unit is None:
            return ""
        while len(self.breaks) <= depth:
            self.breaks.append("\n" + self.unit * len(self.breaks))
        return self.breaks[depth]

    def write(self, value: Any, depth: int) -> None:
        parts = self.parts
        if isinstance(value, str):
            parts.append(_encode_string(value))
        elif isinstance(value, Branch):
            self.write_branch(value, depth)
        elif isinstance(value, list):
            self.write_list(value, depth)
        elif value is None:
            parts.append("null")
        elif value is True:
            parts.append("true")
        elif value is False:
            parts.append("false")
        elif isinstance(value, int):
            parts.append(str(value))
        elif isinstance(value, float):
            parts.append(format_float(value))
        elif isinstance(value, Timestamp):
            parts.append(_encode_string(value.text))
        elif isinstance(value, Tagged):
            self.write(value.value, depth)
        elif isinstance(value, bytes):
            parts.append(_encode_string(value.decode("utf-8", "surrogateescape")))
        elif isinstance(value, dict):
            self.write_branch(_as_branch(value), depth)
        else:
            raise EmitError(
                f"cannot write a value of type {type(value).__name__} as JSON"
            )

    def write_branch(self, branch: Branch, depth: int) -> None:
        parts = self.parts
        items = [item for item in branch if item[0].__class__ is not Comment]
        if not items:
            parts.append("{}")
            return
        inner = self.line_break(depth + 1)
        separator = "," + inner
        colon = self.colon
        write = self.write
        parts.append("{" + inner)
        first = True
        for key, value in items:
            if not first:
                parts.append(separator)
            first = False
            parts.append(_encode_string(key))
            parts.append(colon)
            if value.__class__ is str:
                parts.append(_encode_string(value))
            else:
                write(value, depth + 1)
        parts.append(self.line_break(depth) + "}")

    def write_list(self, values: list[Any], depth: int) -> None:
        parts = self.parts
        items = [v for v in values if v.__class__ is not Comment]
        if not items:
            parts.append("[]")
            return
        inner = self.line_break(depth + 1)
        separator = "," + inner
        write = self.write
        parts.append("[" + inner)
        first = True
        for value in items:
            if not first:
                parts.append(separator)
            first = False
            write(value, depth + 1)
        parts.append(self.line_break(depth) + "]")


def format_float(value: float) -> str:
    """Go's ``json.Marshal`` text of a float64 (``1e-7``, ``1e+21``, ``2``)."""
    if value != value or value in (float("inf"), float("-inf")):
        raise EmitError("NaN and infinite numbers cannot be written as JSON")
    text = repr(value)
    magnitude = abs(value)
    if magnitude != 0 and (magnitude < 1e-6 or magnitude >= 1e21):
        mantissa, exponent = text.split("e")
        if exponent.startswith("-0"):
            exponent = "-" + exponent[2:]
        return f"{mantissa}e{exponent}"
    if "e" in text:
        return format(Decimal(text), "f")
    if text.endswith(".0"):
        return text[:-2]
    return text
