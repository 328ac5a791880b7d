"""SOPS files Go sops refuses to open are reported by default (issue 7, broken files).

Each case damages a file the Go binary wrote, checks the finding (rule, level,
line) and asks the Go binary whether it really refuses the file: errors for
what Go refuses, warnings for what it opens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import make_age_key, run_go

from pysops.check import default_config, parse_config_text, run_check
from pysops.cli import check as cli

PLAIN = {
    "yaml": "db:\n  password: hunter2\n  user_unencrypted: bob\nlist:\n  - a\n  - 2\n",
    "json": '{"a": "x", "b": {"c_unencrypted": 1, "d": [1, "y"]}}',
    "env": "A=1\nB=2\n",
    "ini": "[s]\na = 1\n",
}


@dataclass(frozen=True)
class GoFiles:
    root: Path
    recipients: list[str]
    both: Path  # identity file with both keys
    first: Path  # identity file with the first key only
    texts: dict[str, str]


@pytest.fixture(scope="session")
def go_files(tmp_path_factory: pytest.TempPathFactory, go_sops: Path) -> GoFiles:
    """Files encrypted by the Go binary: one key, two keys, two key groups."""
    root = tmp_path_factory.mktemp("refused")
    k1, k2 = make_age_key(root, "k1.txt"), make_age_key(root, "k2.txt")
    both = root / "both.txt"
    both.write_text(k1.path.read_text() + k2.path.read_text())
    texts: dict[str, str] = {}

    def encrypt(name: str, ext: str, *args: str) -> None:
        plain = root / f"plain.{ext}"
        plain.write_text(PLAIN[ext])
        done = run_go(go_sops, "encrypt", *args, str(plain), cwd=root)
        assert done.returncode == 0, done.stderr
        texts[name] = done.stdout.decode()

    for ext in PLAIN:
        encrypt(ext, ext, "--age", k1.recipient)
    encrypt("two", "yaml", "--age", f"{k1.recipient},{k2.recipient}")
    encrypt("regex", "yaml", "--age", k1.recipient, "--encrypted-regex", "^pass")
    (root / ".sops.yaml").write_text(
        "creation_rules:\n  - key_groups:\n"
        f"      - age: [{k1.recipient}]\n      - age: [{k2.recipient}]\n"
    )
    encrypt("groups", "yaml")
    (root / ".sops.yaml").unlink()
    return GoFiles(root, [k1.recipient, k2.recipient], both, k1.path, texts)


def _sub(text: str, pattern: str, replacement: str) -> str:
    changed = re.sub(pattern, replacement, text, count=1, flags=re.M)
    assert changed != text, pattern
    return changed


AGE_BLOCK = r"^    age:\n(?:        .*\n|          .*\n|            .*\n)+"
ENC_BLOCK = r"^          enc: \|\n(?:            .*\n)+"

# name, base file, damage, rule id, level, text on the reported line, Go opens it
CASES = [
    (
        "badyaml_end",
        "yaml",
        lambda t: t + "  bad: [\n",
        "syntax",
        "error",
        "bad: [",
        False,
    ),
    (
        "badyaml_data",
        "yaml",
        lambda t: _sub(t, "^list:", "  bad: [\nlist:"),
        "syntax",
        "error",
        "bad: [",
        False,
    ),
    (
        "dupkey",
        "yaml",
        lambda t: _sub(t, "^list:", "db: x\nlist:"),
        "syntax",
        "error",
        "db: x",
        False,
    ),
    (
        "intkey",
        "yaml",
        lambda t: _sub(t, "^list:", "1: ''\nlist:"),
        "syntax",
        "error",
        "1: ''",
        False,
    ),
    ("seqdoc", "yaml", lambda t: t + "---\n- a\n", "syntax", "error", "- a", False),
    (
        "badjson",
        "json",
        lambda t: t.replace('"a":', '"a"', 1),
        "syntax",
        "error",
        '"a"',
        False,
    ),
    (
        "badenv",
        "env",
        lambda t: t.replace("B=", "B\n", 1),
        "syntax",
        "error",
        "B",
        False,
    ),
    (
        "badini",
        "ini",
        lambda t: t.replace("[s]", "[s", 1),
        "syntax",
        "error",
        "[s",
        False,
    ),
    (
        "ini_nodelim",
        "ini",
        lambda t: t.replace("[s]\n", "[s]\nfoo\n", 1),
        "syntax",
        "error",
        "foo",
        False,
    ),
    (
        "meta_scalar",
        "yaml",
        lambda t: re.sub(r"^sops:\n(?: .*\n)+", "sops: 5\n", t, flags=re.M),
        "metadata",
        "error",
        "sops: 5",
        False,
    ),
    (
        "nokeys",
        "yaml",
        lambda t: _sub(t, AGE_BLOCK, ""),
        "metadata",
        "error",
        "sops:",
        False,
    ),
    (
        "noenc",
        "yaml",
        lambda t: _sub(t, ENC_BLOCK, ""),
        "metadata",
        "error",
        "recipient:",
        False,
    ),
    (
        "emptyenc",
        "yaml",
        lambda t: _sub(t, ENC_BLOCK, '          enc: ""\n'),
        "metadata",
        "error",
        "recipient:",
        False,
    ),
    (
        "noenc_env",
        "env",
        lambda t: _sub(t, r"^sops_age__list_0__map_enc=.*\n", ""),
        "metadata",
        "error",
        "recipient=",
        False,
    ),
    (
        "nomac",
        "yaml",
        lambda t: _sub(t, r"^    mac: .*\n", ""),
        "metadata",
        "error",
        "sops:",
        False,
    ),
    (
        "emptymac",
        "yaml",
        lambda t: _sub(t, r"^    mac: .*$", '    mac: ""'),
        "metadata",
        "error",
        "mac:",
        False,
    ),
    (
        "garbagemac",
        "yaml",
        lambda t: _sub(t, r"^    mac: .*$", "    mac: garbage"),
        "metadata",
        "error",
        "mac:",
        False,
    ),
    (
        "intmac",
        "yaml",
        lambda t: _sub(t, r"^(    mac: .*)type:str\]$", r"\1type:int]"),
        "metadata",
        "error",
        "mac:",
        False,
    ),
    (
        "b64mac",
        "json",
        lambda t: _sub(
            t, r'"mac": "ENC\[AES256_GCM,data:', '"mac": "ENC[AES256_GCM,data:!'
        ),
        "metadata",
        "error",
        '"mac"',
        False,
    ),
    (
        "nolastmod",
        "ini",
        lambda t: _sub(t, r"^lastmodified .*\n", ""),
        "metadata",
        "error",
        "[sops]",
        False,
    ),
    (
        "badlastmod",
        "yaml",
        lambda t: _sub(t, 'lastmodified: "', 'lastmodified: "yesterday '),
        "metadata",
        "error",
        "lastmodified",
        False,
    ),
    (
        "lowert",
        "json",
        lambda t: _sub(t, r'("lastmodified": "\d{4}-\d\d-\d\d)T', r"\1t"),
        "metadata",
        "error",
        "lastmodified",
        False,
    ),
    (
        "crlf_env",
        "env",
        lambda t: t.replace("\n", "\r\n"),
        "syntax",
        "error",
        "A=",
        False,
    ),
    (
        "tworules",
        "yaml",
        lambda t: _sub(t, "^    version:", "    encrypted_regex: ^pass\n    version:"),
        "metadata",
        "error",
        "encrypted_regex",
        False,
    ),
    (
        "noversion",
        "yaml",
        lambda t: _sub(t, r"^    version: .*\n", ""),
        "metadata",
        "error",
        "sops:",
        False,
    ),
    (
        "shamir3",
        "groups",
        lambda t: _sub(t, "shamir_threshold: 2", "shamir_threshold: 3"),
        "metadata",
        "error",
        "shamir_threshold",
        False,
    ),
    (
        "clear_str",
        "yaml",
        lambda t: _sub(t, r"^    password: .*$", "    password: hunter2"),
        "cleartext-value",
        "error",
        "password: hunter2",
        False,
    ),
    (
        "clear_int",
        "yaml",
        lambda t: _sub(t, r"^    password: .*$", "    password: 5432"),
        "cleartext-value",
        "error",
        "password: 5432",
        False,
    ),
    (
        "clear_item",
        "yaml",
        lambda t: _sub(t, r"^    - ENC.*type:str\]$", "    - a"),
        "cleartext-value",
        "error",
        "- a",
        False,
    ),
    (
        "clear_doc2",
        "yaml",
        lambda t: t + "---\nfoo: bar\n",
        "cleartext-value",
        "error",
        "foo: bar",
        False,
    ),
    (
        "clear_json",
        "json",
        lambda t: _sub(t, r'"a": ".*",', '"a": true,'),
        "cleartext-value",
        "error",
        '"a": true',
        False,
    ),
    (
        "clear_env",
        "env",
        lambda t: _sub(t, r"^A=.*$", "A=hunter2"),
        "cleartext-value",
        "error",
        "A=hunter2",
        False,
    ),
    (
        "clear_ini",
        "ini",
        lambda t: _sub(t, r"^a = .*$", "a = hunter2"),
        "cleartext-value",
        "error",
        "a = hunter2",
        False,
    ),
    (
        "clear_regex",
        "regex",
        lambda t: _sub(t, r"^    password: .*$", "    password: hunter2"),
        "cleartext-value",
        "error",
        "password: hunter2",
        False,
    ),
    # Opened by Go: warnings only.
    (
        "norecipient",
        "yaml",
        lambda t: _sub(t, r"- recipient: age1\w+\n          enc", "- enc"),
        "metadata",
        "warning",
        "- enc",
        True,
    ),
    (
        "shamir_single",
        "yaml",
        lambda t: _sub(t, "^    age:", "    shamir_threshold: 3\n    age:"),
        "metadata",
        "warning",
        "shamir_threshold",
        True,
    ),
]


EXT = {"json": "json", "env": "env", "ini": "ini"}


def _check_one(root: Path, name: str, text: str, base: str = "yaml"):
    target = root / name
    target.mkdir(exist_ok=True)
    path = target / f"f.{EXT.get(base, 'yaml')}"
    path.write_bytes(text.encode())
    report = run_check([str(target)], default_config(target))
    return path, report


@pytest.mark.gosops
@pytest.mark.parametrize(
    ("name", "base", "damage", "rule_id", "level", "needle", "go_opens"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_refused_file_is_reported(
    go_files: GoFiles,
    go_sops: Path,
    name,
    base,
    damage,
    rule_id,
    level,
    needle,
    go_opens,
) -> None:
    text = damage(go_files.texts[base])
    path, report = _check_one(go_files.root, name, text, base)

    assert report.sops_files == [path.as_posix()], "must be found as a SOPS file"
    assert [(f.rule_id, f.level.value) for f in report.findings] == [(rule_id, level)]
    finding = report.findings[0]
    line = text.splitlines()[finding.position.line - 1]
    assert needle in line, (finding, line)
    assert finding.message and "\n" not in finding.message and finding.fix
    assert "hunter2" not in finding.message  # never a secret value in a message
    assert report.failed is (level == "error")

    done = run_go(
        go_sops, "decrypt", str(path), env={"SOPS_AGE_KEY_FILE": str(go_files.both)}
    )
    assert (done.returncode == 0) is go_opens, done.stderr


@pytest.mark.gosops
def test_key_without_enc_is_an_error_even_if_another_key_works(
    go_files: GoFiles, go_sops: Path
) -> None:
    text = _sub(go_files.texts["two"], ENC_BLOCK, "")
    path, report = _check_one(go_files.root, "noenc_of_two", text)
    assert [(f.rule_id, f.level.value) for f in report.findings] == [
        ("metadata", "error")
    ]
    assert go_files.recipients[0] in report.findings[0].message
    assert "rotate" in report.findings[0].fix
    holder = run_go(
        go_sops, "decrypt", str(path), env={"SOPS_AGE_KEY_FILE": str(go_files.first)}
    )
    assert holder.returncode == 128  # the holder of that key is locked out


@pytest.mark.gosops
@pytest.mark.parametrize(
    "base", ["yaml", "json", "env", "ini", "two", "regex", "groups"]
)
def test_go_files_and_clear_values_they_allow_pass(
    go_files: GoFiles, base: str
) -> None:
    text = go_files.texts[base]
    if base == "yaml":  # the default suffix leaves this value in clear
        assert "user_unencrypted: bob" in text
    if base == "regex":  # encrypted_regex ^pass: only password is encrypted
        assert "user_unencrypted: bob" in text and "    - a" in text
    _, report = _check_one(go_files.root, f"clean_{base}", text, base)
    assert report.findings == [] and len(report.sops_files) == 1


@pytest.mark.gosops
def test_strict_turns_warnings_into_errors(go_files: GoFiles) -> None:
    text = _sub(
        go_files.texts["yaml"], "^    age:", "    shamir_threshold: 3\n    age:"
    )
    target = go_files.root / "strict"
    target.mkdir()
    (target / "f.yaml").write_text(text)
    config = parse_config_text("checks:\n  metadata: {strict: true}\n", target)
    report = run_check([str(target)], config)
    assert [(f.rule_id, f.level.value) for f in report.findings] == [
        ("metadata", "error")
    ]


@pytest.mark.gosops
def test_issue_report_three_broken_files_fail_the_run(
    go_files: GoFiles, tmp_path: Path, monkeypatch, capsys
) -> None:
    """The reported case: no enc, unparseable YAML, `mac: garbage` all passed."""
    good = go_files.texts["yaml"]
    (tmp_path / "noenc.yaml").write_text(_sub(good, ENC_BLOCK, ""))
    (tmp_path / "badyaml.yaml").write_text(good + "  bad: [\n")
    (tmp_path / "badmac.yaml").write_text(
        _sub(good, r"^    mac: .*$", "    mac: garbage")
    )
    (tmp_path / ".sops-check.yaml").write_text(
        f"rules: [{{match: {go_files.recipients[0]}}}]\n"
    )
    monkeypatch.chdir(tmp_path)
    assert cli.run(["--color", "never"]) == cli.FINDINGS
    out = capsys.readouterr().out
    for name in ("noenc.yaml", "badyaml.yaml", "badmac.yaml"):
        assert name in out
    assert "3 errors" in out
    assert "22:3" in out  # line and column of the YAML syntax error
