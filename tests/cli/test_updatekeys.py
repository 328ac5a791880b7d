"""``pysops updatekeys`` after .sops.yaml changes, against Go sops (issue 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _kit import PLAIN_YAML, go, go_encrypt, key_env, py
from conftest import AgeKey

pytestmark = pytest.mark.gosops


def rule(directory: Path, *keys: AgeKey) -> None:
    (directory / ".sops.yaml").write_text(
        "creation_rules:\n  - age: " + ",".join(k.recipient for k in keys) + "\n"
    )


def test_add_then_remove_recipient(
    tmp_path: Path, age_key: AgeKey, age_key2: AgeKey
) -> None:
    one = go_encrypt(tmp_path / "one.yaml", PLAIN_YAML, age_key)
    two = go_encrypt(tmp_path / "two.yaml", PLAIN_YAML, age_key)
    before = one.read_bytes()
    rule(tmp_path, age_key, age_key2)
    done = py(
        "updatekeys", "-y", "one.yaml", "two.yaml", cwd=tmp_path, env=key_env(age_key)
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode()
    assert (
        "Group 1\n" in out
        and f"    {age_key.recipient}\n" in out
        and f"+++ {age_key2.recipient}\n" in out
    )
    for path in (one, two):
        assert go("decrypt", str(path), env=key_env(age_key2)).stdout == PLAIN_YAML
    # Values, MAC and lastmodified are untouched.
    keep = [
        line
        for line in before.splitlines()
        if b"ENC[" in line or b"lastmodified" in line
    ]
    assert all(line in one.read_bytes().splitlines() for line in keep)

    rule(tmp_path, age_key2)
    done = py("updatekeys", "-y", "one.yaml", cwd=tmp_path, env=key_env(age_key2))
    assert done.returncode == 0, done.stderr
    assert f"--- {age_key.recipient}" in done.stdout.decode()
    assert go("decrypt", str(one), env=key_env(age_key)).returncode == 128
    assert (
        go(
            "updatekeys", "-y", "one.yaml", cwd=tmp_path, env=key_env(age_key2)
        ).returncode
        == 0
    )


def test_go_updated_file_and_no_change(
    tmp_path: Path, age_key: AgeKey, age_key2: AgeKey
) -> None:
    plain = tmp_path / "plain.yaml"
    plain.write_bytes(PLAIN_YAML)
    made = py(
        "encrypt",
        "--age",
        age_key.recipient,
        str(plain),
        cwd=tmp_path,
        env=key_env(age_key),
    )
    secret = tmp_path / "secret.yaml"
    secret.write_bytes(made.stdout)
    rule(tmp_path, age_key, age_key2)
    assert (
        go(
            "updatekeys", "-y", "secret.yaml", cwd=tmp_path, env=key_env(age_key)
        ).returncode
        == 0
    )
    assert (
        py("decrypt", "secret.yaml", cwd=tmp_path, env=key_env(age_key2)).stdout
        == PLAIN_YAML
    )
    before = secret.read_bytes()
    done = py("updatekeys", "-y", "secret.yaml", cwd=tmp_path, env=key_env(age_key))
    assert done.returncode == 0 and secret.read_bytes() == before


def test_answer_no_leaves_file(
    tmp_path: Path, age_key: AgeKey, age_key2: AgeKey
) -> None:
    secret = go_encrypt(tmp_path / "secret.yaml", PLAIN_YAML, age_key)
    before = secret.read_bytes()
    rule(tmp_path, age_key2)
    done = py(
        "updatekeys",
        "secret.yaml",
        cwd=tmp_path,
        env=key_env(age_key),
        input=b"maybe\nn\n",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(b"(y/n)") == 2
    assert secret.read_bytes() == before


def test_rule_threshold_is_applied(tmp_path: Path, age_key: AgeKey) -> None:
    """Go 3.11 keeps the file's threshold; pysops applies the rule's (documented)."""
    from conftest import make_age_key, run_pysops

    second, third = make_age_key(tmp_path, "k2.txt"), make_age_key(tmp_path, "k3.txt")
    plain = tmp_path / "s.yaml"
    plain.write_text("secret: v\n")
    enc = run_pysops("encrypt", "-i", "--age", age_key.recipient, str(plain))
    assert enc.returncode == 0, enc.stderr
    (tmp_path / ".sops.yaml").write_text(
        "creation_rules:\n  - key_groups:\n"
        f"      - age: [{age_key.recipient}]\n      - age: [{second.recipient}]\n"
        f"      - age: [{third.recipient}]\n    shamir_threshold: 2\n"
    )
    result = run_pysops(
        "updatekeys",
        "-y",
        "s.yaml",
        cwd=tmp_path,
        env={"SOPS_AGE_KEY_FILE": str(age_key.path)},
    )
    assert result.returncode == 0, result.stderr
    assert "shamir_threshold: 2" in plain.read_text()
    keys = "\n".join(k.path.read_text() for k in (second, third))
    two_groups = run_pysops("decrypt", str(plain), env={"SOPS_AGE_KEY": keys})
    assert two_groups.returncode == 0, two_groups.stderr
