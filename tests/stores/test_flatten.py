"""Metadata flattening of the dotenv/INI stores and Go's scalar text."""

from __future__ import annotations

import datetime as dt

import pytest

from pysops.errors import MetadataError
from pysops.stores.flatten import flatten_metadata, scalar_to_text, unflatten_metadata
from pysops.tree import Branch, Tagged, Timestamp

METADATA = {
    "shamir_threshold": 2,
    "key_groups": [
        {"hc_vault": [], "age": [{"recipient": "age1aaa", "enc": "line1\nline2\n"}]},
        {"pgp": [{"created_at": "2024-01-01T00:00:00Z", "enc": "x", "fp": "ABCD"}]},
    ],
    "kms": [{"arn": "arn:1", "context": {"tenant": "t1"}, "aws_profile": ""}],
    "lastmodified": "2024-05-06T07:08:09Z",
    "mac": "ENC[...]",
    "mac_only_encrypted": True,
    "version": "3.11.0",
}


def test_flatten_names_and_order() -> None:
    flat = flatten_metadata(METADATA)
    assert flat == sorted(flat)
    assert dict(flat) == {
        "key_groups__list_0__map_age__list_0__map_enc": "line1\nline2\n",
        "key_groups__list_0__map_age__list_0__map_recipient": "age1aaa",
        "key_groups__list_1__map_pgp__list_0__map_created_at": "2024-01-01T00:00:00Z",
        "key_groups__list_1__map_pgp__list_0__map_enc": "x",
        "key_groups__list_1__map_pgp__list_0__map_fp": "ABCD",
        "kms__list_0__map_arn": "arn:1",
        "kms__list_0__map_aws_profile": "",
        "kms__list_0__map_context__map_tenant": "t1",
        "lastmodified": "2024-05-06T07:08:09Z",
        "mac": "ENC[...]",
        "mac_only_encrypted": "true",
        "shamir_threshold": "2",
        "version": "3.11.0",
    }


def test_flatten_accepts_a_branch() -> None:
    branch = Branch([("version", "3.11.0"), ("age", [Branch([("recipient", "r")])])])
    assert flatten_metadata(branch) == [
        ("age__list_0__map_recipient", "r"),
        ("version", "3.11.0"),
    ]


def test_unflatten_restores_types_and_drops_empty_lists() -> None:
    back = unflatten_metadata(dict(flatten_metadata(METADATA)))
    expected = dict(METADATA)
    expected["key_groups"] = [
        {"age": METADATA["key_groups"][0]["age"]},  # type: ignore[index]
        METADATA["key_groups"][1],  # type: ignore[index]
    ]
    assert back == expected
    assert back["shamir_threshold"] == 2 and back["mac_only_encrypted"] is True


@pytest.mark.parametrize(("text", "value"), [("2", 2), ("2.0", 2), ("3", 3)])
def test_unflatten_threshold_forms(text: str, value: int) -> None:
    assert unflatten_metadata({"shamir_threshold": text})["shamir_threshold"] == value


def test_unflatten_mac_only_encrypted_is_true_only_for_true() -> None:
    assert (
        unflatten_metadata({"mac_only_encrypted": "yes"})["mac_only_encrypted"] is False
    )


def test_unflatten_entries_in_any_order() -> None:
    flat = {
        "age__list_1__map_recipient": "b",
        "age__list_0__map_recipient": "a",
    }
    assert unflatten_metadata(flat) == {"age": [{"recipient": "a"}, {"recipient": "b"}]}


@pytest.mark.parametrize(
    "flat",
    [
        {"age__list_1__map_recipient": "b"},
        {"age": "x", "age__list_0__map_recipient": "a"},
        {"age__list_x__map_recipient": "a"},
        {"shamir_threshold": "2.5"},
    ],
)
def test_unflatten_rejects_inconsistent_entries(flat: dict[str, str]) -> None:
    with pytest.raises(MetadataError):
        unflatten_metadata(flat)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.5, "1.5"),
        (100.0, "100.0"),
        (100000.0, "100000.0"),
        (1234567.0, "1.234567E+06"),
        (1e21, "1E+21"),
        (1e-7, "1E-07"),
        (0.0001, "0.0001"),
        (-0.0, "-0.0"),
        (True, "true"),
        (7, "7"),
        (None, "<nil>"),
        ("s", "s"),
        (Tagged("!env", "v"), "v"),
    ],
)
def test_scalar_to_text_like_go(value: object, text: str) -> None:
    assert scalar_to_text(value) == text


def test_timestamps_lose_fractional_seconds() -> None:
    moment = dt.datetime(2024, 1, 2, 3, 4, 5, 500000, tzinfo=dt.timezone.utc)
    assert scalar_to_text(Timestamp(moment, "2024-01-02T03:04:05.5Z")) == (
        "2024-01-02T03:04:05Z"
    )
