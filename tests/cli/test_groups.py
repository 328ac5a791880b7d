"""Shamir key groups: 3 groups, threshold 2, made by either tool, read by the other (issue 4)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from _kit import PLAIN_YAML, go, go_encrypt, key_env, py
from conftest import AgeKey, make_age_key

pytestmark = pytest.mark.gosops


@pytest.fixture
def keys(tmp_path: Path) -> list[AgeKey]:
    return [make_age_key(tmp_path, f"k{i}.txt") for i in range(3)]


def shamir_by_pysops(tmp_path: Path, keys: list[AgeKey]) -> Path:
    """One group by encrypt, two more with ``groups add``; threshold 2."""
    secret = go_encrypt(tmp_path / "secret.yaml", PLAIN_YAML, keys[0])
    first = py(
        "groups",
        "add",
        "--age",
        keys[1].recipient,
        "-i",
        "-f",
        str(secret),
        env=key_env(keys[0]),
    )
    assert first.returncode == 0, first.stderr
    second = py(
        "groups",
        "add",
        "--age",
        keys[2].recipient,
        "--shamir-secret-sharing-threshold",
        "2",
        "-i",
        "-f",
        str(secret),
        env=key_env(keys[0], keys[1], directory=tmp_path),
    )
    assert second.returncode == 0, second.stderr
    return secret


def shamir_by_go(tmp_path: Path, keys: list[AgeKey]) -> Path:
    groups = "".join(f"      - age: [{k.recipient}]\n" for k in keys)
    (tmp_path / ".sops.yaml").write_text(
        f"creation_rules:\n  - shamir_threshold: 2\n    key_groups:\n{groups}"
    )
    return go_encrypt(tmp_path / "secret.yaml", PLAIN_YAML, cwd=tmp_path)


@pytest.mark.parametrize(
    "maker, reader",
    [(shamir_by_pysops, go), (shamir_by_go, py)],
    ids=["pysops-made-go-reads", "go-made-pysops-reads"],
)
def test_any_two_groups_decrypt_one_does_not(
    tmp_path: Path, keys: list[AgeKey], maker, reader
) -> None:  # type: ignore[no-untyped-def]
    secret = maker(tmp_path, keys)
    assert b"shamir_threshold: 2" in secret.read_bytes()
    for pair in itertools.combinations(keys, 2):
        done = reader("decrypt", str(secret), env=key_env(*pair, directory=tmp_path))
        assert done.stdout == PLAIN_YAML, done.stderr
    for key in keys:
        assert reader("decrypt", str(secret), env=key_env(key)).returncode == 128


def test_delete_group_and_threshold_guard(tmp_path: Path, keys: list[AgeKey]) -> None:
    secret = shamir_by_go(tmp_path, keys)
    env = key_env(keys[0], keys[2], directory=tmp_path)
    done = py("groups", "delete", "-i", "-f", str(secret), "1", env=env)
    assert done.returncode == 0, done.stderr
    assert keys[1].recipient.encode() not in secret.read_bytes()
    assert go("decrypt", str(secret), env=env).stdout == PLAIN_YAML
    before = secret.read_bytes()
    refused = py("groups", "delete", "-i", "-f", str(secret), "0", env=env)
    assert refused.returncode != 0 and b"threshold" in refused.stderr
    assert secret.read_bytes() == before


def test_decryption_order_is_validated(tmp_path: Path, keys: list[AgeKey]) -> None:
    secret = go_encrypt(tmp_path / "secret.yaml", PLAIN_YAML, keys[0])
    ok = py(
        "decrypt", "--decryption-order", "pgp,age", str(secret), env=key_env(keys[0])
    )
    assert ok.stdout == PLAIN_YAML
    dup = py(
        "set",
        str(secret),
        '["a"]',
        "1",
        env={**key_env(keys[0]), "SOPS_DECRYPTION_ORDER": "age,age"},
    )
    assert (
        dup.returncode
        == go(
            "set",
            str(secret),
            '["a"]',
            "1",
            env={**key_env(keys[0]), "SOPS_DECRYPTION_ORDER": "age,age"},
        ).returncode
    )
