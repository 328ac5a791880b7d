"""Go-compatible value texts: floats, bools, ints of any width, times."""

from __future__ import annotations

import datetime as dt

import pytest

from pysops.tree import Comment, Timestamp
from pysops.values import (
    format_float,
    format_rfc3339,
    from_text,
    mac_bytes,
    parse_rfc3339,
    type_and_text,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1, "0.1"),
        (100.0, "100"),
        (1e21, "1000000000000000000000"),
        (123456789.125, "123456789.125"),
        (-0.0, "-0"),
        (1e-7, "0.0000001"),
        (1.5, "1.5"),
        (3.14, "3.14"),
        (1e10, "10000000000"),
        (float("inf"), "+Inf"),
        (float("-inf"), "-Inf"),
        (float("nan"), "NaN"),
    ],
)
def test_format_float_matches_go(value: float, text: str) -> None:
    assert format_float(value) == text


def test_types_and_texts() -> None:
    assert type_and_text("x") == ("str", b"x")
    assert type_and_text(True) == ("bool", b"True")
    assert type_and_text(False) == ("bool", b"False")
    assert type_and_text(-7) == ("int", b"-7")
    assert type_and_text(Comment(" hi")) == ("comment", b" hi")
    ts = Timestamp(
        dt.datetime(2024, 1, 2, tzinfo=dt.timezone.utc), "2024-01-02T00:00:00Z"
    )
    assert type_and_text(ts) == ("time", b"2024-01-02T00:00:00Z")
    with pytest.raises(TypeError):
        type_and_text(None)


def test_wide_ints_survive_exactly_and_hash_as_go_reads_them() -> None:
    big = 123456789012345678901234567890
    tag, text = type_and_text(big)
    assert (tag, text) == ("float", b"123456789012345678901234567890.0")
    assert from_text(tag, text) == big
    # Go reads the text as float64 and hashes its own rendering of that float.
    assert mac_bytes(big) == format_float(float(big)).encode()
    assert type_and_text(2**63 - 1) == ("int", b"9223372036854775807")
    assert from_text("float", b"18446744073709551615.0") == 2**64 - 1


def test_go_float_texts_stay_floats() -> None:
    assert from_text("float", b"10000000000") == 1e10
    assert isinstance(from_text("float", b"3.0"), float)  # narrow int: a Go float


@pytest.mark.parametrize("text", ["1", "t", "T", "TRUE", "true", "True"])
def test_bool_accepts_go_forms(text: str) -> None:
    assert from_text("bool", text.encode()) is True


@pytest.mark.parametrize(
    ("tag", "text"),
    [("int", b"1.5"), ("int", b"1_000"), ("bool", b"yes"), ("zzz", b"1")],
)
def test_bad_plaintexts_are_rejected(tag: str, text: bytes) -> None:
    with pytest.raises(ValueError):
        from_text(tag, text)


def test_rfc3339_round_trip() -> None:
    moment = parse_rfc3339("2024-05-06T07:08:09.123456789+02:00")
    assert moment.utcoffset() == dt.timedelta(hours=2)
    assert format_rfc3339(moment) == "2024-05-06T07:08:09+02:00"
    assert (
        format_rfc3339(parse_rfc3339("2024-05-06T07:08:09Z")) == "2024-05-06T07:08:09Z"
    )
