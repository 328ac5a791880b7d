"""``pysops set`` / ``unset`` / classic ``--set``: results and exit codes as Go sops (issue 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _kit import PLAIN_YAML, changed_lines, go, go_encrypt, key_env, py
from conftest import AgeKey

pytestmark = pytest.mark.gosops


@pytest.fixture
def secret(tmp_path: Path, age_key: AgeKey) -> Path:
    return go_encrypt(tmp_path / "secret.yaml", PLAIN_YAML, age_key)


def extract(path: Path, key: AgeKey, where: str) -> bytes:
    done = go("decrypt", "--extract", where, str(path), env=key_env(key))
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_set_changes_one_value_readable_by_go(secret: Path, age_key: AgeKey) -> None:
    before = secret.read_bytes()
    done = py(
        "set", str(secret), '["db"]["password"]', '"changed"', env=key_env(age_key)
    )
    assert done.returncode == 0, done.stderr
    assert changed_lines(before, secret.read_bytes()) == ["password", "mac"]
    assert extract(secret, age_key, '["db"]["password"]') == b"changed"


def test_set_json_values_typed_as_go(
    tmp_path: Path, secret: Path, age_key: AgeKey
) -> None:
    twin = tmp_path / "twin.yaml"
    twin.write_bytes(secret.read_bytes())
    for tool, target in ((py, secret), (go, twin)):
        for where, value in (
            ('["n"]', "5"),
            ('["obj"]', '{"z": 1, "a": [true, null]}'),
            ('["hosts"][9]', '"c"'),
        ):
            assert (
                tool("set", str(target), where, value, env=key_env(age_key)).returncode
                == 0
            )
    ours = go("decrypt", str(secret), env=key_env(age_key)).stdout
    theirs = go("decrypt", str(twin), env=key_env(age_key)).stdout
    assert ours == theirs
    types = [
        line.split("type:")[1]
        for line in secret.read_text().splitlines()
        if line.strip().startswith(('"n":', "z:"))
    ]
    assert types == ["float]", "float]"]


def test_value_file_and_stdin_keep_secrets_off_the_command_line(
    tmp_path: Path, secret: Path, age_key: AgeKey
) -> None:
    value = tmp_path / "value.json"
    value.write_text('"from-file"')
    assert (
        py(
            "set",
            "--value-file",
            str(secret),
            '["token"]',
            str(value),
            env=key_env(age_key),
        ).returncode
        == 0
    )
    assert extract(secret, age_key, '["token"]') == b"from-file"
    done = py(
        "set",
        "--value-stdin",
        str(secret),
        '["token"]',
        env=key_env(age_key),
        input=b'"from-stdin"',
    )
    assert done.returncode == 0, done.stderr
    assert extract(secret, age_key, '["token"]') == b"from-stdin"


def test_idempotent_set_does_not_write(secret: Path, age_key: AgeKey) -> None:
    before = secret.read_bytes()
    done = py(
        "set", "--idempotent", str(secret), '["token"]', '"abc"', env=key_env(age_key)
    )
    assert done.returncode == 0
    assert secret.read_bytes() == before


def test_unset_then_go_decrypts(secret: Path, age_key: AgeKey) -> None:
    assert (
        py("unset", str(secret), '["db"]["port"]', env=key_env(age_key)).returncode == 0
    )
    assert b"port" not in go("decrypt", str(secret), env=key_env(age_key)).stdout


def test_classic_set(secret: Path, age_key: AgeKey) -> None:
    done = py("--set", '["db"]["user"] "root"', str(secret), env=key_env(age_key))
    assert done.returncode == 0, done.stderr
    assert extract(secret, age_key, '["db"]["user"]') == b"root"


CASES = [
    ("unset", '["zz"]'),
    ("unset", "--idempotent", '["zz"]["q"]'),
    ("unset", "--idempotent", '["hosts"][7]'),
    ("unset", "--idempotent", '["token"]["q"]'),
    ("unset", "zz"),
    ("set", '["a"]', "not-json"),
    ("set", "bad", "1"),
    ("set", '["a"]'),
    ("set", "--value-file", "--value-stdin", '["a"]', "1"),
    ("--set", '["a"]'),
]


@pytest.mark.parametrize("case", CASES, ids=[" ".join(c) for c in CASES])
def test_exit_codes_match_go(
    tmp_path: Path, secret: Path, age_key: AgeKey, case: tuple[str, ...]
) -> None:
    twin = tmp_path / "twin.yaml"
    twin.write_bytes(secret.read_bytes())
    head, *rest = case
    if head == "--set":
        ours = py(head, *rest, str(secret), env=key_env(age_key))
        theirs = go(head, *rest, str(twin), env=key_env(age_key))
    else:
        flags = [r for r in rest if r.startswith("--")]
        others = [r for r in rest if not r.startswith("--")]
        ours = py(head, *flags, str(secret), *others, env=key_env(age_key))
        theirs = go(head, *flags, str(twin), *others, env=key_env(age_key))
    assert ours.returncode == theirs.returncode, ours.stderr
    assert b"Traceback" not in ours.stderr
