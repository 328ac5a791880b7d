"""Making untrusted text (file names, keys, config values) safe to show."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Control characters (C0, DEL, C1) and the Unicode line and paragraph
# separators: in a file name or key they could move the cursor, recolour a CI
# log or start a forged report line.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every control character written as an escape (``\\x1b``)."""
    return _UNPRINTABLE.sub(_escape, text)


def web_url(url: str) -> str | None:
    """``url`` if it is an http(s) address, else None (never a ``javascript:`` link)."""
    scheme = urlsplit(url.strip()).scheme.lower()
    return url if scheme in ("http", "https") else None
