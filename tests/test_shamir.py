"""Shamir secret sharing: round trips, exact errors, and shares made by Go sops."""

from __future__ import annotations

import base64
import itertools
import os
import re
from pathlib import Path

import pyrage
import pytest
import yaml
from conftest import make_age_key, run_go
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pysops.shamir import combine, split


def counter_rng(size: int) -> bytes:
    return bytes((i * 37 + 11) % 256 for i in range(size))


def test_round_trip_every_subset_of_threshold_size() -> None:
    secret = os.urandom(32)
    shares = split(secret, 5, 3)
    assert [share[-1] for share in shares] == [1, 2, 3, 4, 5]
    assert all(len(share) == 33 for share in shares)
    for subset in itertools.combinations(shares, 3):
        assert combine(list(subset)) == secret
    assert combine(shares) == secret


def test_too_few_shares_give_a_different_secret() -> None:
    secret = os.urandom(32)
    shares = split(secret, 3, 3)
    assert combine(shares[:2]) != secret


def test_injected_randomness_is_reproducible() -> None:
    first = split(b"\x00" * 4 + b"secret", 3, 2, rng=counter_rng)
    assert first == split(b"\x00" * 4 + b"secret", 3, 2, rng=counter_rng)
    assert combine([first[2], first[0]]) == b"\x00" * 4 + b"secret"


def test_known_vector() -> None:
    # degree-1 polynomial 0x42 + 0x05*x in GF(2^8): y(1)=0x47, y(2)=0x48, y(3)=0x4d
    shares = split(b"\x42", 3, 2, rng=lambda size: b"\x05" * size)
    assert shares == [b"\x47\x01", b"\x48\x02", b"\x4d\x03"]


@pytest.mark.parametrize(
    ("secret", "n", "k", "message"),
    [
        (b"x", 2, 3, "The number of shares must not be less than the threshold."),
        (b"x", 256, 2, "The number of shares must not exceed 255."),
        (b"x", 3, 1, "The threshold must be at least 2."),
        (b"", 3, 2, "An empty secret cannot be split."),
    ],
)
def test_split_errors(secret: bytes, n: int, k: int, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        split(secret, n, k)


@pytest.mark.parametrize(
    ("shares", "message"),
    [
        ([b"ab"], "At least two shares are needed to recover the secret."),
        ([b"a", b"b"], "Each share must be at least two bytes long."),
        ([b"ab\x01", b"a\x02"], "All shares must have the same length."),
        ([b"ab\x01", b"cd\x01"], "Two shares have the same x coordinate."),
    ],
)
def test_combine_errors(shares: list[bytes], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        combine(shares)


def test_split_and_combine_are_fast() -> None:
    import time

    secret = os.urandom(32)
    start = time.perf_counter()
    for _ in range(200):
        assert combine(split(secret, 5, 3)[1:4]) == secret
    assert time.perf_counter() - start < 1.0


@pytest.mark.gosops
def test_combine_shares_of_a_go_file_with_two_key_groups(
    go_sops: Path, tmp_path: Path
) -> None:
    key1, key2 = make_age_key(tmp_path, "k1.txt"), make_age_key(tmp_path, "k2.txt")
    (tmp_path / ".sops.yaml").write_text(
        "creation_rules:\n  - key_groups:\n"
        f"      - age: [{key1.recipient}]\n      - age: [{key2.recipient}]\n"
    )
    (tmp_path / "s.yaml").write_text("password: hunter2\n")
    result = run_go(go_sops, "encrypt", "s.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    document = yaml.safe_load(result.stdout)

    # 1. each group's age key unwraps a 33-byte share
    groups = document["sops"]["key_groups"]
    identities = [pyrage.x25519.Identity.from_str(k.identity) for k in (key1, key2)]
    shares = [
        pyrage.decrypt(group["age"][0]["enc"].encode(), [identity])
        for group, identity in zip(groups, identities, strict=True)
    ]
    assert [len(share) for share in shares] == [33, 33]
    assert [share[-1] for share in shares] == [1, 2]

    # 2. the combined data key decrypts the value
    data_key = combine(shares)
    fields = dict(
        part.split(":", 1)
        for part in document["password"][len("ENC[AES256_GCM,") : -1].split(",")
    )
    plain = AESGCM(data_key).decrypt(
        base64.b64decode(fields["iv"]),
        base64.b64decode(fields["data"]) + base64.b64decode(fields["tag"]),
        b"password:",
    )
    assert plain == b"hunter2"
