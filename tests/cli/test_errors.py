"""Bad input: the same exit code as Go sops, one line naming the file, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import AgeKey, run_go, run_pysops

pytestmark = pytest.mark.gosops

VECTORS = Path(__file__).parent.parent / "data" / "vectors"


def _encrypted(
    tmp_path: Path, go_sops: Path, age_key: AgeKey, name: str, content: bytes
) -> Path:
    plain = tmp_path / name
    plain.write_bytes(content)
    result = run_go(go_sops, "encrypt", "--age", age_key.recipient, str(plain))
    assert result.returncode == 0, result.stderr
    target = tmp_path / f"enc-{name}"
    target.write_bytes(result.stdout)
    return target


def _mutations(text: str) -> dict[str, str]:
    """Ways a file gets broken in practice, each a kind of bad input."""
    enc = text.index("ENC[AES256_GCM,data:") + len("ENC[AES256_GCM,data:")
    return {
        "truncated": text[: len(text) // 2],
        "truncated-end": text[:-40],
        "broken-enc": text[:enc] + "!!!" + text[enc + 3 :],
        "bad-type": text.replace(",type:str]", ",type:nope]", 1),
        "no-mac": text.replace("ENC[AES256_GCM", "XNC[AES256_GCM", 1)
        if False
        else "\n".join(line for line in text.splitlines() if "mac" not in line) + "\n",
        "clear-value": text.replace(
            text[text.index("ENC[") : text.index("]", text.index("ENC[")) + 1],
            "plain",
            1,
        ),
        "no-metadata": text[: text.index("sops")]
        if "sops_" not in text
        else "\n".join(
            line for line in text.splitlines() if not line.startswith("sops_")
        )
        + "\n",
    }


CONTENT = {
    "f.yaml": b"a: one\nb:\n  c: two\nn: 3\n",
    "f.json": b'{"a": "one", "b": {"c": "two"}, "n": 3}\n',
    "f.env": b"A=one\nB=two\n",
}


@pytest.mark.parametrize("name", sorted(CONTENT))
@pytest.mark.parametrize(
    "kind",
    [
        "truncated",
        "truncated-end",
        "broken-enc",
        "bad-type",
        "no-mac",
        "clear-value",
        "no-metadata",
    ],
)
def test_broken_encrypted_files(
    tmp_path: Path, go_sops: Path, age_key: AgeKey, name: str, kind: str
) -> None:
    source = _encrypted(tmp_path, go_sops, age_key, name, CONTENT[name])
    broken = tmp_path / f"broken-{name}"
    broken.write_text(_mutations(source.read_text())[kind])
    env = {"SOPS_AGE_KEY_FILE": str(age_key.path)}
    go = run_go(go_sops, "decrypt", str(broken), env=env)
    py = run_pysops("decrypt", str(broken), env=env)
    assert py.returncode == go.returncode, (py.stderr, go.stderr)
    if py.returncode:
        lines = py.stderr.decode().strip().splitlines()
        assert lines[0].startswith(f"pysops: {broken}"), lines
        assert len([line for line in lines if not line.startswith("  hint:")]) == 1
        assert b"Traceback" not in py.stderr
        assert b"one" not in py.stderr and b"two" not in py.stderr


PLAIN_BAD = {
    "list.yaml": b"- a\n- b\n",
    "scalar.yaml": b"just a string\n",
    "empty.yaml": b"",
    "broken.yaml": b"a: [\n",
    "tab.yaml": b"a:\n\t- b\n",
    "dup.yaml": b"a: 1\na: 2\n",
    "list.json": b"[1, 2]\n",
    "broken.json": b'{"a": \n',
    "noequals.env": b"A=1\nJUSTTEXT\n",
    "sops.yaml": b"sops: 1\na: 2\n",
    "sops.json": b'{"sops": {}, "a": 1}\n',
    "sops.env": b"sops_x=1\nA=2\n",
}


@pytest.mark.parametrize("name", sorted(PLAIN_BAD))
def test_bad_plaintext_inputs(
    tmp_path: Path, go_sops: Path, age_key: AgeKey, name: str
) -> None:
    plain = tmp_path / name
    plain.write_bytes(PLAIN_BAD[name])
    go = run_go(go_sops, "encrypt", "--age", age_key.recipient, str(plain))
    py = run_pysops("encrypt", "--age", age_key.recipient, str(plain))
    if name == "broken.json":
        # Go 3.11 silently encrypts a truncated JSON document; pysops refuses it.
        assert go.returncode == 0 and py.returncode == 2
    else:
        assert py.returncode == go.returncode, (py.stderr, go.stderr)
    assert b"Traceback" not in py.stderr
    assert py.stderr.decode().startswith(f"pysops: {plain}")


@pytest.mark.parametrize(
    "args",
    [
        ["decrypt", "missing.yaml"],
        ["-d"],
        [],
        ["encrypt", "missing.yaml"],
        ["decrypt", "-i", "--output", "x", "PLAIN"],
        ["decrypt", "PLAIN"],
        ["encrypt", "PLAIN"],
        ["decrypt", "--extract", '["a"', "ENC"],
        ["decrypt", "--extract", '["zz"]', "ENC"],
        ["decrypt", "--decryption-order", "age,age", "ENC"],
        [
            "encrypt",
            "--age",
            "AGE",
            "--encrypted-regex",
            "a",
            "--unencrypted-regex",
            "b",
            "PLAIN",
        ],
        ["encrypt", "--age", "notakey", "PLAIN"],
        ["encrypt", "--age", "AGE"],
        ["encrypt", "--age", "AGE", "ENC"],
        ["--bogus", "PLAIN"],
    ],
    ids=lambda a: " ".join(a) or "no-args",
)
def test_command_line_errors(
    tmp_path: Path, go_sops: Path, age_key: AgeKey, args: list[str]
) -> None:
    plain = tmp_path / "p.yaml"
    plain.write_text("a: 1\n")
    enc = _encrypted(tmp_path, go_sops, age_key, "e.yaml", b"a: 1\n")
    real = [
        {"PLAIN": str(plain), "ENC": str(enc), "AGE": age_key.recipient}.get(a, a)
        for a in args
    ]
    env = {"SOPS_AGE_KEY_FILE": str(age_key.path)}
    go = run_go(go_sops, *real, cwd=tmp_path, env=env, input=b"")
    py = run_pysops(*real, cwd=tmp_path, env=env, input=b"")
    assert py.returncode == go.returncode, (py.stderr, go.stderr)
    assert py.returncode != 0
    assert b"Traceback" not in py.stderr
    assert py.stderr.decode().count("\n") <= 2


def test_sops_key_that_is_not_metadata(tmp_path: Path, go_sops: Path) -> None:
    """A top-level ``sops`` that is not a mapping: exit 1 as Go, and said so."""
    target = tmp_path / "m.yaml"
    target.write_text("secret: ENC[AES256_GCM,data:xx]\nsops: 5\n")
    go = run_go(go_sops, "decrypt", str(target))
    py = run_pysops("decrypt", str(target))
    assert py.returncode == go.returncode == 1
    assert b"not a metadata mapping" in py.stderr
