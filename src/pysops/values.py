"""Go-compatible text forms of typed values, as encrypted and as hashed into the MAC."""

from __future__ import annotations

import datetime as _dt
import math
import re
from decimal import Decimal
from typing import Any

from .tree import Comment, Tagged, Timestamp

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
#: beyond this, not every integer is a float64
FLOAT_EXACT_MAX = 2**53

_INT_RE = re.compile(r"[+-]?[0-9]+\Z")
# Integers wider than 64 bits are written as a float text with ".0" appended.
# Go never formats a float that way ('f', -1 drops the fraction), so the form
# is unambiguous for pysops, while Go still parses it as a float.
_WIDE_INT_RE = re.compile(r"-?[0-9]+\.0\Z")
_BOOL_TEXT = {
    "1": True,
    "t": True,
    "T": True,
    "TRUE": True,
    "true": True,
    "True": True,
    "0": False,
    "f": False,
    "F": False,
    "FALSE": False,
    "false": False,
    "False": False,
}


def format_float(value: float) -> str:
    """Go's ``strconv.FormatFloat(v, 'f', -1, 64)``: shortest, never an exponent."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    text = repr(value)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    if text.endswith(".0"):
        text = text[:-2]
    return text


class GoFloatInt(int):
    """An integer that Go sops reads as a float64 although it fits int64.

    Go 3.11 reads every JSON number as a float64, so a JSON integer beyond
    2**53 in clear is hashed into the MAC as Go's float text.  Such integers
    take the wide encoding too, so that the MAC agrees whether the value is
    encrypted or not; pysops still keeps every digit.
    """

    __slots__ = ()


def is_wide_int(value: int) -> bool:
    """Whether an int needs the wide encoding (Go reads it as a float64)."""
    return value < INT64_MIN or value > INT64_MAX or value.__class__ is GoFloatInt


def type_and_text(value: Any) -> tuple[str, bytes]:
    """The ``type:`` tag of a value and the bytes that get encrypted.

    Raises TypeError for values the format cannot carry (branches, lists, None).
    """
    if isinstance(value, str):
        return "str", value.encode("utf-8", "surrogateescape")
    if isinstance(value, bool):
        return "bool", b"True" if value else b"False"
    if isinstance(value, int):
        if is_wide_int(value):
            return "float", b"%d.0" % value
        return "int", b"%d" % value
    if isinstance(value, float):
        return "float", format_float(value).encode()
    if isinstance(value, Timestamp):
        return "time", value.text.encode()
    if isinstance(value, Comment):
        return "comment", value.text.encode("utf-8", "surrogateescape")
    if isinstance(value, bytes):
        return "str", value
    raise TypeError(f"cannot encrypt a value of type {type(value).__name__}")


def mac_bytes(value: Any) -> bytes:
    """What a value adds to the MAC: Go's ``ToBytes`` of the value Go would see.

    Equal to the encrypted text, except for wide ints, which Go reads back as
    float64: the MAC must hold Go's rendering of that float so both tools agree.
    """
    if isinstance(value, Tagged):
        value = value.value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    if isinstance(value, bool):
        return b"True" if value else b"False"
    if isinstance(value, int):
        if is_wide_int(value):
            return format_float(float(value)).encode()
        return b"%d" % value
    return type_and_text(value)[1]


def from_text(type_tag: str, text: bytes) -> Any:
    """Rebuild a typed value from decrypted bytes; ValueError if they do not parse."""
    if type_tag == "str" or type_tag == "bytes":
        return text.decode("utf-8", "surrogateescape")
    if type_tag == "int":
        s = text.decode("ascii")
        if not _INT_RE.match(s):
            raise ValueError("invalid int")
        return int(s)
    if type_tag == "float":
        s = text.decode("ascii")
        if _WIDE_INT_RE.match(s):
            # Go never writes a float as "N.0"; beyond 2**53 this is pysops'
            # wide encoding (Python sops 1.x wrote floats below 1e16 so too; one
            # of those above 2**53 comes back as the same number, as an int).
            wide = int(s[:-2])
            if is_wide_int(wide):
                return wide
            if abs(wide) > FLOAT_EXACT_MAX:
                return GoFloatInt(wide)
        if "_" in s:
            raise ValueError("invalid float")
        return float(s)
    if type_tag == "bool":
        try:
            return _BOOL_TEXT[text.decode("ascii")]
        except KeyError:
            raise ValueError("invalid bool") from None
    if type_tag == "time":
        s = text.decode("ascii")
        return Timestamp(parse_rfc3339(s), s)
    if type_tag == "comment":
        return Comment(text.decode("utf-8", "surrogateescape"))
    raise ValueError(f"unknown datatype {type_tag!r}")


_RFC3339_RE = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(\.\d+)?([Zz]|[+-]\d\d:\d\d)\Z"
)


def parse_rfc3339(text: str) -> _dt.datetime:
    """Parse RFC 3339 (with optional fraction, nanoseconds truncated to micro)."""
    m = _RFC3339_RE.match(text)
    if not m:
        raise ValueError("invalid RFC 3339 time")
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    fraction = m.group(7)
    micro = int((fraction[1:] + "000000")[:6]) if fraction else 0
    zone = m.group(8)
    if zone in ("Z", "z"):
        tz = _dt.timezone.utc
    else:
        sign = 1 if zone[0] == "+" else -1
        tz = _dt.timezone(
            sign * _dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
        )
    return _dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)


def format_rfc3339(moment: _dt.datetime) -> str:
    """Go's ``time.RFC3339`` rendering with whole seconds (``lastmodified``)."""
    offset = moment.utcoffset()
    if offset is None or offset == _dt.timedelta(0):
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return (
        moment.strftime("%Y-%m-%dT%H:%M:%S")
        + f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    )
