"""``pysops edit`` driven by scripts as $EDITOR; the original survives every failure (issue 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _kit import (
    PLAIN_YAML,
    changed_lines,
    go,
    go_encrypt,
    key_env,
    private_tmp,
    py,
    script,
)
from conftest import AgeKey

pytestmark = pytest.mark.gosops


@pytest.fixture
def secret(tmp_path: Path, age_key: AgeKey) -> Path:
    return go_encrypt(tmp_path / "secret.yaml", PLAIN_YAML, age_key)


def edit(
    path: Path, editor: Path, key: AgeKey, *flags: str, input: bytes = b""
) -> tuple[int, bytes]:
    env = {"EDITOR": str(editor), **key_env(key), **private_tmp(path.parent)}
    done = py("edit", *flags, str(path), cwd=path.parent, env=env, input=input)
    assert b"Traceback" not in done.stderr
    return done.returncode, done.stderr


def leftovers(directory: Path) -> list[Path]:
    return list((directory / "tmp").iterdir())


def test_changed_value_diffs_only_that_line(
    tmp_path: Path, secret: Path, age_key: AgeKey
) -> None:
    before = secret.read_bytes()
    editor = script(tmp_path, "ed.sh", 'sed -i "s/s3cret/n3w-secret/" "$1"\n')
    code, _ = edit(secret, editor, age_key)
    assert code == 0
    after = secret.read_bytes()
    assert changed_lines(before, after) == ["password", "mac"]
    shown = go(
        "decrypt", "--extract", '["db"]["password"]', str(secret), env=key_env(age_key)
    )
    assert shown.stdout == b"n3w-secret"
    assert leftovers(tmp_path) == []


def test_classic_form_and_sops_editor_win(
    tmp_path: Path, secret: Path, age_key: AgeKey
) -> None:
    editor = script(tmp_path, "ed.sh", 'sed -i "s/token: abc/token: xyz/" "$1"\n')
    env = {"SOPS_EDITOR": f"{editor} ", "EDITOR": "false", **key_env(age_key)}
    done = py(str(secret), cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert (
        go(
            "decrypt", "--extract", '["token"]', str(secret), env=key_env(age_key)
        ).stdout
        == b"xyz"
    )


def test_unchanged_exits_200_without_writing(
    tmp_path: Path, secret: Path, age_key: AgeKey
) -> None:
    before = secret.read_bytes()
    editor = script(tmp_path, "ed.sh", "true\n")
    code, err = edit(secret, editor, age_key)
    assert code == 200
    assert b"not changed" in err
    assert secret.read_bytes() == before


def test_temp_file_is_private_and_removed(
    tmp_path: Path, secret: Path, age_key: AgeKey
) -> None:
    record = tmp_path / "modes"
    editor = script(
        tmp_path,
        "ed.sh",
        f'stat -c %a "$1" "$(dirname "$1")" > {record}\n'
        'basename "$1" >> ' + str(record) + "\n",
    )
    code, _ = edit(secret, editor, age_key)
    assert code == 200
    assert record.read_text().split() == ["600", "700", "secret.yaml"]
    assert leftovers(tmp_path) == []


def test_invalid_content_aborts_at_end_of_input(
    tmp_path: Path, secret: Path, age_key: AgeKey
) -> None:
    before = secret.read_bytes()
    editor = script(tmp_path, "ed.sh", 'printf "a: [\\n" > "$1"\n')
    code, err = edit(secret, editor, age_key)
    assert code != 0
    assert b"press Enter" in err and b"s3cret" not in err
    assert secret.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_invalid_content_returns_to_the_editor(
    tmp_path: Path, secret: Path, age_key: AgeKey
) -> None:
    counter = tmp_path / "runs"
    editor = script(
        tmp_path,
        "ed.sh",
        f"""\
if [ -e {counter} ]; then sed -i 's/^token: .*/token: second/' "$1"
else touch {counter}; printf 'token: [\\n' > "$1"; fi
""",
    )
    code, _ = edit(secret, editor, age_key, input=b"\n")
    assert code == 0
    shown = go("decrypt", "--extract", '["token"]', str(secret), env=key_env(age_key))
    assert shown.stdout == b"second"


def test_reserved_sops_key_is_refused(
    tmp_path: Path, secret: Path, age_key: AgeKey
) -> None:
    before = secret.read_bytes()
    editor = script(tmp_path, "ed.sh", 'printf "sops: 1\\n" >> "$1"\n')
    code, err = edit(secret, editor, age_key)
    assert code != 0 and b"reserved" in err
    assert secret.read_bytes() == before


def test_failing_editor_keeps_original(
    tmp_path: Path, secret: Path, age_key: AgeKey
) -> None:
    before = secret.read_bytes()
    editor = script(tmp_path, "ed.sh", 'echo garbage > "$1"; exit 3\n')
    code, err = edit(secret, editor, age_key)
    assert code == 201 and b"status 3" in err
    assert secret.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_missing_editor_is_201(tmp_path: Path, secret: Path, age_key: AgeKey) -> None:
    code, _ = edit(secret, tmp_path / "no-such-editor", age_key)
    assert code == 201


def test_interrupted_editor_keeps_original(
    tmp_path: Path, secret: Path, age_key: AgeKey
) -> None:
    before = secret.read_bytes()
    editor = script(tmp_path, "ed.sh", 'echo half > "$1"; kill -INT $$; sleep 5\n')
    code, _ = edit(secret, editor, age_key)
    assert code == 85
    assert secret.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_terminated_pysops_removes_plaintext(
    tmp_path: Path, secret: Path, age_key: AgeKey
) -> None:
    before = secret.read_bytes()
    editor = script(
        tmp_path, "ed.sh", 'echo half > "$1"; kill -TERM $PPID; sleep 0.5\n'
    )
    code, _ = edit(secret, editor, age_key)
    assert code == 143
    assert secret.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_show_master_keys(tmp_path: Path, secret: Path, age_key: AgeKey) -> None:
    editor = script(
        tmp_path,
        "ed.sh",
        'grep -q "recipient: age1" "$1" || exit 9\n'
        'sed -i "s/token: abc/token: shown/" "$1"\n',
    )
    code, err = edit(secret, editor, age_key, "--show-master-keys")
    assert code == 0, err
    shown = go("decrypt", "--extract", '["token"]', str(secret), env=key_env(age_key))
    assert shown.stdout == b"shown"


def test_new_file_from_creation_rules(tmp_path: Path, age_key: AgeKey) -> None:
    (tmp_path / ".sops.yaml").write_text(
        f"creation_rules:\n  - age: {age_key.recipient}\n"
    )
    editor = script(tmp_path, "ed.sh", 'echo "added: 42" >> "$1"\n')
    target = tmp_path / "new.yaml"
    code, err = edit(target, editor, age_key)
    assert code == 0, err
    shown = go("decrypt", str(target), env=key_env(age_key), cwd=tmp_path)
    assert shown.returncode == 0
    assert shown.stdout.startswith(
        b"hello: Welcome to SOPS! Edit this file as you please!\n"
    )
    assert (
        b"example_number: 1234.56789" in shown.stdout and b"added: 42" in shown.stdout
    )


def test_reuse_from_keeps_unchanged_ciphertext(
    tmp_path: Path, secret: Path, age_key: AgeKey
) -> None:
    plain = tmp_path / "plain.yaml"
    plain.write_bytes(PLAIN_YAML.replace(b"token: abc", b"token: rotated"))
    done = py(
        "encrypt",
        "--reuse-from",
        str(secret),
        str(plain),
        cwd=tmp_path,
        env=key_env(age_key),
    )
    assert done.returncode == 0, done.stderr
    assert changed_lines(secret.read_bytes(), done.stdout) == ["token", "mac"]
    out = tmp_path / "out.yaml"
    out.write_bytes(done.stdout)
    shown = go("decrypt", "--extract", '["token"]', str(out), env=key_env(age_key))
    assert shown.stdout == b"rotated"
