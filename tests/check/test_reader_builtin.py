"""Metadata of Go-encrypted files of every store, broken files, and the built-in checks."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from _checkhelpers import sops_yaml, write_tree
from conftest import make_age_key, run_go

from pysops.check import default_config, parse_config_text, read_metadata, run_check
from pysops.cli import check as cli

PLAIN = {
    "yaml": b"db:\n  password: hunter2\n",
    "json": b'{"db": {"password": "hunter2"}}',
    "env": b"PASSWORD=hunter2\n",
    "ini": b"[db]\npassword = hunter2\n",
    "bin": b"\x00\x01binary secret",
}
STORE = {"yaml": "yaml", "json": "json", "env": "dotenv", "ini": "ini", "bin": "binary"}


@pytest.fixture(scope="session")
def go_repo(
    tmp_path_factory: pytest.TempPathFactory, go_sops: Path
) -> tuple[Path, list[str]]:
    """A repository of files encrypted by the Go binary for two fresh age keys."""
    root = tmp_path_factory.mktemp("gorepo")
    keys = [
        make_age_key(root, "k1.txt").recipient,
        make_age_key(root, "k2.txt").recipient,
    ]
    (root / "secrets").mkdir()
    for ext, body in PLAIN.items():
        plain = root / f"plain.{ext}"
        plain.write_bytes(body)
        extra = ["--input-type", "binary"] if ext == "bin" else []
        done = run_go(go_sops, "encrypt", *extra, "--age", ",".join(keys), str(plain))
        assert done.returncode == 0, done.stderr
        # no telling extension: found by content, not name
        (root / "secrets" / f"{ext}.enc").write_bytes(done.stdout)
        plain.unlink()
    for name in ("k1.txt", "k2.txt"):
        (root / name).unlink()
    return root, keys


@pytest.mark.gosops
@pytest.mark.parametrize("ext", list(PLAIN))
def test_go_files_read_with_positions(go_repo, ext: str) -> None:
    root, keys = go_repo
    data = (root / "secrets" / f"{ext}.enc").read_bytes()
    meta = read_metadata(data)
    assert meta is not None and meta.store == STORE[ext]
    assert meta.problems == []
    assert [k.anchor for k in meta.keys] == keys
    lines = data.decode().splitlines()
    for key in meta.keys:
        assert key.anchor in lines[key.position.line - 1] or (
            '"recipient"' in lines[key.position.line - 1]
        )
    assert "sops" in lines[meta.position.line - 1]
    assert "lastmodified" in lines[meta.lastmodified_position.line - 1]


@pytest.mark.gosops
def test_go_repo_checks_clean_without_keys(go_repo, monkeypatch, capsys) -> None:
    root, keys = go_repo
    (root / ".sops-check.yaml").write_text(
        "rules:\n" + "".join(f"  - match: {k}\n" for k in keys)
    )
    monkeypatch.chdir(root)
    monkeypatch.delenv("SOPS_AGE_KEY_FILE", raising=False)
    assert cli.run(["--color", "never"]) == cli.CLEAN
    assert "5 SOPS files checked" in capsys.readouterr().out


@pytest.mark.gosops
def test_tampered_go_file_is_reported_not_skipped(go_repo, tmp_path: Path) -> None:
    root, _ = go_repo
    text = (root / "secrets" / "yaml.enc").read_text()
    broken = "\n".join(
        ln for ln in text.splitlines() if not ln.lstrip().startswith("mac:")
    )
    broken = broken.replace('lastmodified: "', 'lastmodified: "yesterday ')
    (tmp_path / "x.yaml").write_text(broken + "\n")
    report = run_check([str(tmp_path)], default_config(tmp_path))
    messages = [f.message for f in report.findings]
    assert any("MAC is missing" in m for m in messages)
    assert any("lastmodified" in m for m in messages)
    assert all(f.rule_id == "metadata" for f in report.findings)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("a: 1\nsops:\n    lastmodified: [unclosed\n", "not valid YAML"),
        (
            "a: 1\nsops:\n    version: 3.11.0\n    lastmodified: '2024-01-01T00:00:00Z'\n"
            "    mac: ENC[x]\n",
            "no master keys",
        ),
        ('{"sops": {"mac": "x", "lastmodified": 5,', "not valid JSON"),
        ("A=1\nsops_version=3.11.0\nsops_mac=x\n", "no master keys"),
        (
            "[sops]\nmac = x\nage__list_0__map_recipient = age1x\n"
            "lastmodified = 2024-01-01T00:00:00Z\n"
            "unencrypted_suffix = _u\nencrypted_regex = ^a\n",
            "more than one of",
        ),
    ],
)
def test_broken_metadata_found(text: str, needle: str) -> None:
    meta = read_metadata(text.encode())
    assert meta is not None
    assert any(needle in p.message for p in meta.problems), meta.problems


def test_plain_files_are_not_sops_files() -> None:
    for text in [
        b"sops:\n  enabled: true\n",
        b'{"name": "sops", "mac": 1}',
        b"no marker",
        b"creation_rules:\n  - age: age1x\n",
    ]:
        assert read_metadata(text) is None


def _config(tmp_path: Path, text: str):
    return parse_config_text(text, tmp_path)


def test_plaintext_drift_recovery_stale(tmp_path: Path) -> None:
    a, b, dr = (make_age_key(tmp_path, f"{n}.txt").recipient for n in "abr")
    write_tree(
        tmp_path,
        {
            ".sops.yaml": "creation_rules:\n  - path_regex: secrets/.*\\.yaml$\n"
            f"    age: {a},{dr}\n",
            "secrets/leaked.yaml": "password: hunter2\n",
            "secrets/drift.yaml": sops_yaml(age=[a, b]),
            "secrets/ok.yaml": sops_yaml(age=[a, dr]),
            "README.md": "not a secret\n",
        },
    )
    for n in "abr":
        (tmp_path / f"{n}.txt").unlink()
    config = _config(
        tmp_path,
        f"""\
checks:
  plaintext: true
  keysDrift: {{level: warning}}
  recoveryRecipient: {{recipients: [{dr}]}}
  staleDataKey: {{maxAgeDays: 30}}
  metadata: {{allowMacOnlyEncrypted: false}}
""",
    )
    now = datetime(2024, 3, 25, tzinfo=timezone.utc)
    report = run_check([str(tmp_path)], config, now=now)
    by = {
        Path(p).name: {(f.rule_id, f.level.value) for f in fs}
        for p, fs in report.by_file().items()
    }
    assert by["leaked.yaml"] == {("plaintext", "error")}
    assert by["drift.yaml"] == {
        ("keys-drift", "warning"),
        ("recovery-recipient", "error"),
    }
    assert "ok.yaml" not in by and "README.md" not in by
    drift = [f for f in report.findings if f.rule_id == "keys-drift"]
    assert {("missing" in f.message, "not in" in f.message) for f in drift} == {
        (True, False),
        (False, True),
    }
    extra = next(f for f in drift if b in f.message)
    assert extra.position.line == 6  # the "- recipient: age1..." line of key b

    report = run_check(
        [str(tmp_path)], config, now=datetime(2025, 1, 1, tzinfo=timezone.utc)
    )
    stale = [f for f in report.findings if f.rule_id == "stale-data-key"]
    assert len(stale) == 2 and all(f.level.value == "warning" for f in stale)


def test_mac_only_encrypted_not_allowed(tmp_path: Path) -> None:
    text = sops_yaml(age=["age1" + "a" * 58]).replace(
        "    version:", "    mac_only_encrypted: true\n    version:"
    )
    write_tree(tmp_path, {"m.yaml": text})
    config = _config(tmp_path, "checks:\n  metadata: {allowMacOnlyEncrypted: false}\n")
    findings = run_check([str(tmp_path)], config).findings
    assert [f.rule_id for f in findings] == ["metadata"]
    assert (
        "mac_only_encrypted" in findings[0].message and findings[0].position.line == 9
    )


def test_gitignore_and_ignore_files(tmp_path: Path, monkeypatch) -> None:
    bad = sops_yaml()  # no keys: broken
    write_tree(
        tmp_path,
        {
            ".gitignore": "build/\n*.tmp.yaml\n",
            "build/x.yaml": bad,
            "a.tmp.yaml": bad,
            "sub/.gitignore": "local.yaml\n",
            "sub/local.yaml": bad,
            "vendor/v.yaml": bad,
            "kept.yaml": bad,
            "skip.list": "vendor/\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    report = run_check(["."], default_config(tmp_path))
    assert {Path(f.path).as_posix() for f in report.findings} == {
        "vendor/v.yaml",
        "kept.yaml",
    }
    assert (
        cli.run(["-i", "skip.list", "--format", "json", "-o", "r.json"]) == cli.FINDINGS
    )
    assert "vendor/v.yaml" not in (tmp_path / "r.json").read_text()
    assert cli.run(["--no-gitignore", "-i", "skip.list", "-o", "r.txt"]) == cli.FINDINGS
    assert "build/x.yaml" in (tmp_path / "r.txt").read_text()
