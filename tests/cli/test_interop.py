"""Files encrypted by pysops and by Go sops are interchangeable, byte for byte in layout."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import AgeKey, run_go, run_pysops

pytestmark = pytest.mark.gosops

PLAIN = Path(__file__).parent.parent / "data" / "vectors" / "plain"

SAMPLES = {
    "basic.yaml": (PLAIN / "basic.yaml").read_bytes(),
    "multidoc.yaml": (PLAIN / "multidoc.yaml").read_bytes(),
    "basic.json": (PLAIN / "basic.json").read_bytes(),
    "basic.env": (PLAIN / "basic.env").read_bytes(),
    "basic.ini": (PLAIN / "basic.ini").read_bytes(),
    "blob.bin": (PLAIN / "blob.bin").read_bytes(),
    "nested.yaml": b"""\
# Database settings
db:
  user: admin   # who
  password: s3cret
  port: 5432
  replicas:
    - host: a.example
      weight: 0.5
    - host: b.example
      weight: 1.5e3
  # trailing comment in db
feature_flags: [on, off, "yes", y, n, ~]
empty_map: {}
empty_list: []
text: |
  multi
  line
folded: >
  folded text
  here
password_unencrypted: visible
api_key: "0123"
k8s_secret_pub: token
""",
    "app.json": b'{"password": "p", "users": [{"name": "a", "token": "t1"}], "port": 8080, '
    b'"ratio": 0.25, "public_key_unencrypted": "x", "deep": {"password": "q"}}\n',
}

OPTION_SETS = {
    "default": [],
    "encrypted-regex": ["--encrypted-regex", "^(password|token|api_key)$"],
    "unencrypted-regex": ["--unencrypted-regex", "^(port|host)$"],
    "encrypted-suffix": ["--encrypted-suffix", "_pub"],
    "unencrypted-suffix": ["--unencrypted-suffix", "_pub"],
}

_ENC = re.compile(r"ENC\[AES256_GCM,data:([^,]*),iv:[^,]*,tag:[^,]*,type:(\w+)\]")
_ARMOR = re.compile(
    r"-----BEGIN AGE ENCRYPTED FILE-----.*?-----END AGE ENCRYPTED FILE-----(\\n)?", re.S
)
_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def normalize(data: bytes, json_numbers: bool = False) -> str:
    """An encrypted file with its random parts masked (lengths of data kept).

    INI: Go 3.11 writes the ``[sops]`` section in random order, so its lines
    are sorted.  ``json_numbers``: Go 3.11 tags every JSON number ``float``,
    pysops tags integers ``int`` (as Go 3.13.2 does); both read either.
    """
    text = data.decode("utf-8", "replace")
    text = _ENC.sub(lambda m: f"ENC[{len(m.group(1))},{m.group(2)}]", text)
    if json_numbers:
        text = text.replace(",int]", ",number]").replace(",float]", ",number]")
    if "\n[sops]\n" in text:
        head, _, section = text.partition("\n[sops]\n")
        text = head + "\n[sops]\n" + "\n".join(sorted(section.splitlines())) + "\n"
    text = _ARMOR.sub("<AGE ARMOR>", text)
    text = re.sub(r"(enc: \|\n)(\s+<AGE ARMOR>)\n?", r"\1\2", text)
    return _STAMP.sub("<TIME>", text)


def as_pysops_writes(go_output: bytes) -> bytes:
    """Go's output as pysops writes it: a whole float keeps ".0" (issue 5)."""
    return go_output.replace(b"weight: 1500\n", b"weight: 1500.0\n")


def _write(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(SAMPLES[name])
    return path


# Binary files have no keys for the rules to act on: default options only.
CASES = [
    (name, option_set)
    for name in sorted(SAMPLES)
    for option_set in sorted(OPTION_SETS)
    if option_set == "default" or not name.endswith(".bin")
]


@pytest.mark.parametrize(("name", "option_set"), CASES)
def test_both_directions(
    tmp_path: Path, go_sops: Path, age_key: AgeKey, name: str, option_set: str
) -> None:
    options = OPTION_SETS[option_set]
    plain = _write(tmp_path, name)
    env = {"SOPS_AGE_KEY_FILE": str(age_key.path)}

    go_enc = run_go(
        go_sops, "encrypt", "--age", age_key.recipient, *options, str(plain), env=env
    )
    py_enc = run_pysops(
        "encrypt", "--age", age_key.recipient, *options, str(plain), env=env
    )
    assert go_enc.returncode == 0, go_enc.stderr
    assert py_enc.returncode == 0, py_enc.stderr
    assert py_enc.stderr == b""

    # The same layout, up to the random parts.
    numbers = name.endswith(".json")
    assert normalize(py_enc.stdout, numbers) == normalize(
        as_pysops_writes(go_enc.stdout), numbers
    )

    ext = name.rsplit(".", 1)[1]
    go_file, py_file = tmp_path / f"go.enc.{ext}", tmp_path / f"py.enc.{ext}"
    go_file.write_bytes(go_enc.stdout)
    py_file.write_bytes(py_enc.stdout)

    expected = run_go(go_sops, "decrypt", str(go_file), env=env)
    assert expected.returncode == 0, expected.stderr
    # Go reads pysops' file exactly as its own ...
    go_reads_py = run_go(go_sops, "decrypt", str(py_file), env=env)
    assert go_reads_py.returncode == 0, go_reads_py.stderr
    assert go_reads_py.stdout == expected.stdout
    # ... and pysops reads Go's file exactly as Go does.
    py_reads_go = run_pysops("decrypt", str(go_file), env=env)
    assert py_reads_go.returncode == 0, py_reads_go.stderr
    # (a float that Go's file holds in clear as "1500" is an integer to both)
    whole_float_encrypted = b"weight: ENC[" in go_enc.stdout
    assert py_reads_go.stdout == (
        as_pysops_writes(expected.stdout) if whole_float_encrypted else expected.stdout
    )


@pytest.mark.parametrize("indent", ["2", "0"])
@pytest.mark.parametrize("name", ["nested.yaml", "app.json"])
def test_indent(
    tmp_path: Path, go_sops: Path, age_key: AgeKey, name: str, indent: str
) -> None:
    if name.endswith(".yaml") and indent == "0":
        indent = "6"
    plain = _write(tmp_path, name)
    env = {"SOPS_AGE_KEY_FILE": str(age_key.path)}
    # Go 3.11 applies global flags in the classic form only (pysops in both).
    go_enc = run_go(
        go_sops,
        "--indent",
        indent,
        "-e",
        "--age",
        age_key.recipient,
        str(plain),
        env=env,
    )
    py_enc = run_pysops(
        "--indent", indent, "encrypt", "--age", age_key.recipient, str(plain), env=env
    )
    assert go_enc.returncode == py_enc.returncode == 0, (go_enc.stderr, py_enc.stderr)
    numbers = name.endswith(".json")
    assert normalize(py_enc.stdout, numbers) == normalize(
        as_pysops_writes(go_enc.stdout), numbers
    )
    enc = tmp_path / f"enc.{name}"
    enc.write_bytes(py_enc.stdout)
    go_dec = run_go(go_sops, "--indent", indent, "-d", str(enc), env=env)
    py_dec = run_pysops("--indent", indent, "decrypt", str(enc), env=env)
    assert py_dec.stdout == as_pysops_writes(go_dec.stdout)


def test_mac_only_encrypted(tmp_path: Path, go_sops: Path, age_key: AgeKey) -> None:
    plain = _write(tmp_path, "app.json")
    env = {"SOPS_AGE_KEY_FILE": str(age_key.path)}
    args = [
        "--mac-only-encrypted",
        "-e",
        "--age",
        age_key.recipient,
        "--unencrypted-suffix",
        "_unencrypted",
    ]
    go_enc = run_go(go_sops, *args, str(plain), env=env)
    py_enc = run_pysops(*args, str(plain), env=env)
    assert normalize(py_enc.stdout, True) == normalize(go_enc.stdout, True)
    enc = tmp_path / "enc.json"
    enc.write_bytes(py_enc.stdout)
    assert b'"mac_only_encrypted": true' in py_enc.stdout
    assert (
        run_go(go_sops, "decrypt", str(enc), env=env).stdout
        == run_pysops("decrypt", str(enc), env=env).stdout
    )


@pytest.mark.parametrize(
    "regex_flag", ["--encrypted-comment-regex", "--unencrypted-comment-regex"]
)
def test_comment_regex_rules(
    tmp_path: Path, go_sops: Path, age_key: AgeKey, regex_flag: str
) -> None:
    plain = tmp_path / "c.yaml"
    plain.write_text("# sops:enc\nsecret: a\nother: b\n# keep\nvisible: c\n")
    env = {"SOPS_AGE_KEY_FILE": str(age_key.path)}
    pattern = "sops:enc" if regex_flag.startswith("--enc") else "keep"
    # Go 3.11 honours these global flags in the classic form (and in
    # .sops.yaml) but ignores them after the encrypt subcommand.
    go_enc = run_go(
        go_sops,
        regex_flag,
        pattern,
        "-e",
        "--age",
        age_key.recipient,
        str(plain),
        env=env,
    )
    py_enc = run_pysops(
        regex_flag, pattern, "-e", "--age", age_key.recipient, str(plain), env=env
    )
    assert go_enc.returncode == py_enc.returncode == 0, (go_enc.stderr, py_enc.stderr)
    assert normalize(py_enc.stdout) == normalize(go_enc.stdout)
    enc = tmp_path / "enc.yaml"
    enc.write_bytes(py_enc.stdout)
    assert (
        run_go(go_sops, "decrypt", str(enc), env=env).stdout
        == run_pysops("decrypt", str(enc), env=env).stdout
    )


def test_cross_format_output(tmp_path: Path, go_sops: Path, age_key: AgeKey) -> None:
    plain = _write(tmp_path, "nested.yaml")
    env = {"SOPS_AGE_KEY_FILE": str(age_key.path)}
    enc = tmp_path / "enc.yaml"
    enc.write_bytes(
        run_go(
            go_sops, "encrypt", "--age", age_key.recipient, str(plain), env=env
        ).stdout
    )
    go = run_go(go_sops, "decrypt", "--output-type", "json", str(enc), env=env)
    py = run_pysops("decrypt", "--output-type", "json", str(enc), env=env)
    assert py.returncode == 0, py.stderr
    assert py.stdout == go.stdout


@pytest.mark.parametrize(
    "path",
    [
        '["db"]["password"]',
        '["db"]["port"]',
        '["db"]',
        '["db"]["replicas"][1]["host"]',
        '["feature_flags"]',
    ],
)
def test_extract(tmp_path: Path, go_sops: Path, age_key: AgeKey, path: str) -> None:
    plain = _write(tmp_path, "nested.yaml")
    env = {"SOPS_AGE_KEY_FILE": str(age_key.path)}
    enc = tmp_path / "enc.yaml"
    enc.write_bytes(
        run_go(
            go_sops, "encrypt", "--age", age_key.recipient, str(plain), env=env
        ).stdout
    )
    go = run_go(go_sops, "decrypt", "--extract", path, str(enc), env=env)
    py = run_pysops("decrypt", "--extract", path, str(enc), env=env)
    assert (py.returncode, py.stdout) == (go.returncode, as_pysops_writes(go.stdout))


def test_stdin_classic_form(tmp_path: Path, go_sops: Path, age_key: AgeKey) -> None:
    plain = _write(tmp_path, "app.json")
    env = {"SOPS_AGE_KEY_FILE": str(age_key.path)}
    enc = run_go(
        go_sops, "encrypt", "--age", age_key.recipient, str(plain), env=env
    ).stdout
    py = run_pysops(
        "--decrypt",
        "--input-type",
        "json",
        "--output-type",
        "json",
        "/dev/stdin",
        env=env,
        input=enc,
    )
    go = run_go(
        go_sops,
        "--decrypt",
        "--input-type",
        "json",
        "--output-type",
        "json",
        "/dev/stdin",
        env=env,
        input=enc,
    )
    assert py.returncode == 0, py.stderr
    assert py.stdout == go.stdout
    piped = run_pysops(
        "encrypt",
        "--filename-override",
        "x.json",
        "--age",
        age_key.recipient,
        env=env,
        input=plain.read_bytes(),
    )
    assert piped.returncode == 0, piped.stderr
    again = tmp_path / "piped.json"
    again.write_bytes(piped.stdout)
    assert run_go(go_sops, "decrypt", str(again), env=env).stdout == go.stdout


@pytest.mark.parametrize("name", ["nested.yaml", "app.json"])
def test_indent_from_config_stores(
    tmp_path: Path, go_sops: Path, age_key: AgeKey, name: str
) -> None:
    (tmp_path / ".sops.yaml").write_text(
        f"creation_rules:\n  - age: {age_key.recipient}\n"
        "stores:\n  yaml:\n    indent: 2\n  json:\n    indent: 3\n"
    )
    _write(tmp_path, name)
    env = {"SOPS_AGE_KEY_FILE": str(age_key.path)}
    go_enc = run_go(go_sops, "encrypt", name, cwd=tmp_path, env=env)
    py_enc = run_pysops("encrypt", name, cwd=tmp_path, env=env)
    assert go_enc.returncode == py_enc.returncode == 0, (go_enc.stderr, py_enc.stderr)
    numbers = name.endswith(".json")
    assert normalize(py_enc.stdout, numbers) == normalize(
        as_pysops_writes(go_enc.stdout), numbers
    )
    (tmp_path / "enc").write_bytes(py_enc.stdout)
    go_dec = run_go(
        go_sops,
        "decrypt",
        "--input-type",
        name.rsplit(".")[1],
        "enc",
        cwd=tmp_path,
        env=env,
    )
    py_dec = run_pysops(
        "decrypt", "--input-type", name.rsplit(".")[1], "enc", cwd=tmp_path, env=env
    )
    assert py_dec.stdout == as_pysops_writes(go_dec.stdout)
