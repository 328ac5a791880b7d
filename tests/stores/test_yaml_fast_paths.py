"""The YAML store's short cuts give what the full analysis gives."""

from __future__ import annotations

import base64
import random
import struct

from pysops.stores._yaml_emit import (
    _SAFE,
    DOUBLE,
    PLAIN,
    _allowed,
    _plain_scalar_text,
    is_plain_at_once,
    scalar_style,
)  # fmt: skip
from pysops.stores._yaml_scalar import (
    _format_float_digits,
    format_float,
    needs_quotes,
    resolve_plain,
)  # fmt: skip

_SAFE_CHARS = "abzAZ09_/=+.@%()- "


def _full_style(s: str) -> str:
    """The plain-or-double decision of the full analysis, for one-line strings."""
    style = DOUBLE if needs_quotes(s) else PLAIN
    if style == PLAIN and not _allowed(s)[0]:
        return "not plain"
    return style


def test_encrypted_values_are_plain() -> None:
    rng = random.Random(7)
    for kind in ("str", "int", "float", "bool", "bytes", "comment", "time"):
        fields = [base64.b64encode(rng.randbytes(rng.randint(0, 40))).decode()
                  for _ in range(3)]  # fmt: skip
        value = (f"ENC[AES256_GCM,data:{fields[0]},iv:{fields[1]},"
                 f"tag:{fields[2]},type:{kind}]")  # fmt: skip
        assert is_plain_at_once(value)
        assert _full_style(value) == PLAIN
        assert scalar_style(value, False) == PLAIN


def test_safe_strings_take_the_style_of_the_full_analysis() -> None:
    rng = random.Random(11)
    words = ["yes", "no", "on", "1", "017", "0x1F", "1e3", "1.5", ".5", "~", "null",
             "1:30", "2001-12-14", "-1", "+1", "-", "true", "y", "1_000"]  # fmt: skip
    samples = list(words)
    for _ in range(3000):
        samples.append(
            "".join(rng.choice(_SAFE_CHARS) for _ in range(rng.randint(1, 8)))
        )
    for s in samples:
        if _SAFE.match(s):
            assert scalar_style(s, False) == _full_style(s), s
        if _plain_scalar_text(s) is not None:
            assert _full_style(s) == PLAIN, s


def test_common_scalars_written_at_once() -> None:
    assert _plain_scalar_text(12) == "12"
    assert _plain_scalar_text(2**64 - 1) is None
    assert _plain_scalar_text(True) == "true"
    assert _plain_scalar_text(None) == "null"
    assert _plain_scalar_text(1.5) == "1.5"
    assert _plain_scalar_text(2.0) == "2.0"
    assert _plain_scalar_text(float("inf")) == ".inf"
    assert _plain_scalar_text("") is None


def test_floats_in_fixed_range_match_the_digit_method() -> None:
    rng = random.Random(3)
    values = [1e-4, -1e-4, 0.00011, 999999.9999, 999999.0, 123456.0, 0.1, 1.0, -3.0]
    for _ in range(20000):
        values.append(struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0])
        values.append(rng.uniform(-2e6, 2e6))
        values.append(round(rng.uniform(-1e6, 1e6), rng.randint(0, 6)))
        values.append(rng.uniform(-1e-3, 1e-3))
    for value in values:
        assert format_float(value) == _format_float_digits(value), repr(value)


def test_digit_strings_are_decimal_integers() -> None:
    assert resolve_plain("8000") == 8000
    assert resolve_plain("017") == 17
    assert resolve_plain("\u0661") == "\u0661"
    assert resolve_plain("²") == "²"
