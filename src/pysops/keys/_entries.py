"""Helpers shared by master keys: reading metadata entries and their ``created_at``."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from ..errors import MetadataError

#: Go sops suggests re-wrapping after 6 × 30 days (``NeedsRotation``).
ROTATION_AGE = _dt.timedelta(days=180)

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})",
    re.ASCII,
)


def utc_now() -> _dt.datetime:
    """The current time in UTC, truncated to seconds as ``created_at`` stores it."""
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)


def text_field(entry: dict[str, Any], name: str, type_id: str) -> str:
    """The string ``entry[name]``; a missing field reads as ``""`` like Go's decoder."""
    value = entry.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MetadataError(f"{type_id} key entry: field '{name}' is not a string")
    return value


def parse_created_at(entry: dict[str, Any], type_id: str) -> _dt.datetime:
    """The entry's ``created_at`` as an aware datetime (Go's RFC 3339 parse).

    Raises MetadataError when it is missing or malformed, as Go sops refuses
    such an entry too.
    """
    value = entry.get("created_at")
    if isinstance(value, _dt.datetime):
        # A YAML loader may already have resolved an unquoted timestamp.
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return value
    match = _RFC3339.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise MetadataError(
            f"{type_id} key entry: created_at {value!r} is not an RFC 3339 time"
        )
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    if zone == "Z":
        tz = _dt.timezone.utc
    else:
        sign = -1 if zone[0] == "-" else 1
        offset = _dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
        tz = _dt.timezone(sign * offset)
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        return _dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            micro,
            tzinfo=tz,
        )
    except ValueError as err:
        raise MetadataError(
            f"{type_id} key entry: created_at {value!r} is not a valid time"
        ) from err


def format_created_at(moment: _dt.datetime) -> str:
    """``moment`` in UTC, RFC 3339 with whole seconds, as Go sops writes it."""
    return moment.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_older_than_rotation_age(
    created_at: _dt.datetime, now: _dt.datetime | None = None
) -> bool:
    """Whether ``created_at`` lies more than :data:`ROTATION_AGE` before ``now``."""
    return (now or _dt.datetime.now(_dt.timezone.utc)) - created_at > ROTATION_AGE


def last_line(text: bytes | str) -> str:
    """The last non-empty line of a tool's diagnostics, for a one-line message."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no diagnostics"
