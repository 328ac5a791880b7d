"""YAML scalar typing as go-yaml v3 decodes it, and Go's scalar text forms."""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import math
import re
from decimal import Decimal
from typing import Any

from ..errors import StoreError
from ..tree import Tagged, Timestamp

_STD_PREFIX = "tag:yaml.org,2002:"

# go-yaml looks at the first character to decide which resolutions to try;
# anything else is a string without further checks.
_HINT_CHARS = frozenset("+-0123456789yYnNtTfFoO~.")

_KEYWORDS: dict[str, Any] = {
    "true": True, "True": True, "TRUE": True,
    "false": False, "False": False, "FALSE": False,
    "": None, "~": None, "null": None, "Null": None, "NULL": None,
    ".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan,
    ".inf": math.inf, ".Inf": math.inf, ".INF": math.inf,
    "+.inf": math.inf, "+.Inf": math.inf, "+.INF": math.inf,
    "-.inf": -math.inf, "-.Inf": -math.inf, "-.INF": -math.inf,
}  # fmt: skip

_YAML_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
# Go's strconv.ParseFloat syntax (decimal and hex forms, no underscores).
_GO_FLOAT = re.compile(
    r"[-+]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
    r"|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][-+]?[0-9]+"
    r"|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|[nN][aA][nN])\Z"
)
_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:([Tt ])([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,]([0-9]+))?"
    r"(Z|[-+][0-9]{2}:[0-9]{2})?)?\Z"
)
_BASE60_FLOAT = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?\Z")
_OLD_BOOLS = frozenset("y Y yes Yes YES on On ON n N no No NO off Off OFF".split())

_INT_DIGITS = {"0x": ("0123456789abcdefABCDEF", 16), "0o": ("01234567", 8),
               "0b": ("01", 2)}  # fmt: skip
_MIN_INT64 = -(1 << 63)
_MAX_INT64 = (1 << 63) - 1
_MAX_UINT64 = (1 << 64) - 1


def _parse_go_int(text: str) -> int | None:
    """Go's ``strconv.ParseInt(s, 0, …)`` syntax, without the size limit.

    Sizes beyond 64 bits are kept on purpose (Go rejects them and loses the
    value); underscores never reach here (pysops reads them as strings).
    """
    sign = 1
    body = text
    if body[:1] in "+-":
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    if not body:
        return None
    prefix = body[:2].lower()
    if prefix in _INT_DIGITS:
        allowed, base = _INT_DIGITS[prefix]
        digits = body[2:]
    elif len(body) > 1 and body[0] == "0":
        allowed, base, digits = "01234567", 8, body[1:]
    else:
        allowed, base, digits = "0123456789", 10, body
    if not digits or any(c not in allowed for c in digits):
        return None
    return sign * int(digits, base)


def _parse_core_int(text: str) -> int | None:
    """An integer as the YAML 1.2 core schema reads it, of any size.

    ``[-+]?[0-9]+`` is decimal even with leading zeros (YAML 1.1 and Go read
    ``017`` as octal), ``0o`` and ``0x`` take no sign, and ``0b`` is no
    integer prefix at all (those spellings are strings).
    """
    prefix = text[:2]
    if prefix == "0x" or prefix == "0o":
        allowed, base = _INT_DIGITS[prefix]
        digits = text[2:]
        if not digits or any(c not in allowed for c in digits):
            return None
        return int(digits, base)
    digits = text[1:] if text[:1] in "+-" else text
    if not digits or not digits.isascii() or not digits.isdigit():
        return None
    return int(text, 10)


def _parse_go_float(text: str) -> float | None:
    """Go's ``strconv.ParseFloat``: ``None`` on bad syntax or overflow."""
    if not _GO_FLOAT.match(text):
        return None
    low = text.lower()
    if "0x" in low:
        value = float.fromhex(text)
    else:
        value = float(text)
    if math.isinf(value) and "inf" not in low:
        return None
    return value


def parse_timestamp(text: str) -> Timestamp | None:
    """Read the four timestamp forms go-yaml accepts; ``None`` for others."""
    m = _TIMESTAMP.match(text)
    if m is None:
        return None
    year, month, day, sep, hh, mm, ss, frac, zone = m.groups()
    if sep is not None and (sep == " ") == (zone is not None):
        return None
    try:
        tz = _dt.timezone.utc
        if zone and zone != "Z":
            sign = -1 if zone[0] == "-" else 1
            hours, minutes = int(zone[1:3]), int(zone[4:6])
            if hours > 23 or minutes > 59:
                return None
            tz = _dt.timezone(sign * _dt.timedelta(hours=hours, minutes=minutes))
        nanos = int((frac or "0")[:9].ljust(9, "0"))
        value = _dt.datetime(
            int(year), int(month), int(day), int(hh or 0), int(mm or 0),
            int(ss or 0), nanos // 1000, tzinfo=tz,
        )  # fmt: skip
    except ValueError:
        return None
    return Timestamp(value, _rfc3339(value, nanos))


def _rfc3339(value: _dt.datetime, nanos: int) -> str:
    """Go's ``time.RFC3339Nano`` rendering."""
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if nanos:
        text += "." + f"{nanos:09d}".rstrip("0")
    offset = value.utcoffset()
    if not offset:
        return text + "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return f"{text}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def resolve_plain(text: str) -> Any:
    """Type a plain (unquoted, untagged) scalar as go-yaml v3 does.

    Deliberate differences, where go-yaml follows YAML 1.1 and pysops the
    YAML 1.2 core schema: numbers written with ``_`` stay strings, integers
    with leading zeros are decimal (``017`` is 17), ``0b…`` and signed
    ``0x``/``0o`` numbers are strings; and integers beyond 64 bits stay
    integers.  Strings that Go would read otherwise are quoted on output.
    """
    if text and text[0] not in _HINT_CHARS:
        return text
    if text.isdigit() and text.isascii():
        return int(text)
    if text in _KEYWORDS:
        return _KEYWORDS[text]
    first = text[0]
    if first == ".":
        value = _parse_go_float(text)
        return text if value is None or "_" in text else value
    if first not in "+-0123456789" or "_" in text:
        return text
    stamp = parse_timestamp(text) if first not in "+-" else None
    if stamp is not None:
        return stamp
    number = _parse_core_int(text)
    if number is not None:
        return number
    if _YAML_FLOAT.match(text):
        value = _parse_go_float(text)
        if value is not None:
            return value
    return text


def resolve_tagged(tag: str, text: str, plain: bool) -> Any:
    """Type a scalar that carries an explicit tag.

    Standard tags convert as Go does (a value that does not fit its tag
    becomes ``None``, as sops ignores Go's decode error); other tags are kept
    as :class:`Tagged` strings.
    """
    short = "!!" + tag[len(_STD_PREFIX) :] if tag.startswith(_STD_PREFIX) else tag
    if short == "!":
        return text
    if short == "!!str":
        return text
    if short == "!!binary":
        try:
            raw = base64.b64decode("".join(text.split()), validate=True)
        except (binascii.Error, ValueError):
            raise StoreError("!!binary value contains invalid base64 data") from None
        # Bytes that are not UTF-8 stay bytes (as surrogates), as in a Go string.
        return raw.decode("utf-8", "surrogateescape")
    if short == "!!merge":
        return text
    if short in ("!!int", "!!float", "!!bool", "!!null", "!!timestamp"):
        return _resolve_as(short, text)
    if short.startswith("!!"):
        return text
    return Tagged(tag, text)


def tag_collection(tag: str, items: Any) -> Any:
    """A map or sequence with its explicit tag kept (Go sops drops it).

    Go reads a tagged map or sequence as an untagged one, so the tag can stay
    in encrypted files.  The non-specific tag ``!`` is no tag.
    """
    if tag == "!":
        return items
    return Tagged(tag, items)


def _resolve_as(short: str, text: str) -> Any:
    if short == "!!float" and text.endswith(".0") and text[:-2].isdigit():
        # how pysops writes a clear integer of Go's uint64 range (see the emitter)
        wide = int(text[:-2])
        if wide > _MAX_INT64:
            return wide
    value = resolve_plain(text) if "_" not in text else _resolve_underscored(text)
    if short == "!!timestamp" and not isinstance(value, Timestamp):
        return None
    if short == "!!float" and type(value) is int:
        return float(value)
    kinds = {"!!int": int, "!!float": float, "!!bool": bool, "!!null": type(None),
             "!!timestamp": Timestamp}  # fmt: skip
    return value if type(value) is kinds[short] else None


def _resolve_underscored(text: str) -> Any:
    number = _parse_core_int(text.replace("_", ""))
    if number is not None:
        return number
    return resolve_plain(text.replace("_", ""))


def needs_quotes(text: str) -> bool:
    """Whether go-yaml double-quotes this string so it reads back as a string."""
    if text and text[0] not in _HINT_CHARS:
        return False
    if text in _OLD_BOOLS or not _go_reads_as_str(text):
        return True
    return ":" in text and bool(_BASE60_FLOAT.match(text))


def _go_reads_as_str(text: str) -> bool:
    """go-yaml's own resolution of a plain scalar (``_`` ignored in numbers)."""
    if text in _KEYWORDS:
        return False
    first = text[0]
    if first == ".":
        return _parse_go_float(text) is None
    if first not in "+-0123456789":
        return True
    if first not in "+-" and parse_timestamp(text) is not None:
        return False
    plain = text.replace("_", "")
    number = _parse_go_int(plain)
    if number is not None and _MIN_INT64 <= number <= _MAX_UINT64:
        return False
    if _YAML_FLOAT.match(plain) and _parse_go_float(plain) is not None:
        return False
    return True


def format_float(value: float) -> str:
    """Go's ``strconv.FormatFloat(v, 'g', -1, 64)`` with YAML's inf/nan names."""
    if 1e-4 <= abs(value) < 1e6:
        # both print the shortest digits in fixed notation here; Go drops ".0"
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    return _format_float_digits(value)


def _format_float_digits(value: float) -> str:
    """:func:`format_float` worked out from the decimal digits, for any float."""
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign = "-" if value < 0 else ""
    _, digits, exponent = Decimal(repr(abs(value))).as_tuple()
    text = "".join(map(str, digits)).rstrip("0") or "0"
    point = len(digits) + int(exponent)
    exp = point - 1
    if exp < -4 or exp >= 6:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{sign}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{text}"
    if point >= len(text):
        return sign + text + "0" * (point - len(text))
    return f"{sign}{text[:point]}.{text[point:]}"


def format_yaml_float(value: float) -> str:
    """A float as pysops writes it to YAML: Go's text, made to read back as a float.

    Go writes 1.0 as ``1``, which any YAML reader then takes for an integer;
    pysops adds ``.0`` to such texts.
    """
    text = format_float(value)
    if text.lstrip("-").isdigit():
        return text + ".0"
    return text
