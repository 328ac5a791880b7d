"""``pysops dr`` end to end on an age-only repository: init, verify, drill, rotate (issue 8)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from _drkit import pysops, secret_of_envelope_pdf, snapshot
from conftest import AgeKey, make_age_key, run_go

SOPS_YAML = """\
# team rules
creation_rules:
  - path_regex: .*  # everything
    age: {recipient}
"""


@pytest.fixture
def repo(
    tmp_path: Path,
    age_key: AgeKey,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """A repository with YAML, dotenv, JSON and binary secrets for the team key."""
    root = tmp_path / "repo"
    (root / "deploy").mkdir(parents=True)
    (root / ".sops.yaml").write_text(SOPS_YAML.format(recipient=age_key.recipient))
    (root / "deploy" / "app.yaml").write_text("db:\n  password: hunter2\n")
    (root / "app.env").write_text("TOKEN=abc\n")
    (root / "conf.json").write_text('{"key": "value"}\n')
    (root / "blob.bin").write_bytes(bytes(range(256)))
    (root / "README.md").write_text("not a secret\n")
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(age_key.path))
    for name in ("deploy/app.yaml", "app.env", "conf.json", "blob.bin"):
        code, _, err = pysops(capsys, root, "encrypt", "-i", name)
        assert code == 0, err
    return root


def _init(
    capsys: pytest.CaptureFixture[str], root: Path, name: str = "envelope.pdf"
) -> str:
    envelope = root.parent / name
    code, _, err = pysops(capsys, root, "dr", "init", "--envelope", str(envelope))
    assert code == 0, err
    assert "print it, seal it, then delete" in err
    return secret_of_envelope_pdf(envelope)


def test_init_needs_a_place_for_the_key_and_changes_nothing_without_one(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(repo)
    code, _, err = pysops(capsys, repo, "dr", "init")
    assert code == 2 and "--envelope" in err
    assert snapshot(repo) == before


@pytest.mark.gosops
def test_init_covers_every_file_and_rule_and_writes_the_key_only_to_the_envelope(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], go_sops: Path
) -> None:
    secret = _init(capsys, repo)

    envelope = tmp_path / "envelope.pdf"
    assert stat.S_IMODE(envelope.stat().st_mode) == 0o600
    everything = [p for p in tmp_path.rglob("*") if p.is_file() and p != envelope]
    assert not [p for p in everything if secret.encode() in p.read_bytes()]
    sops_yaml = (repo / ".sops.yaml").read_text()
    assert "# team rules" in sops_yaml and "# everything" in sops_yaml

    code, out, _ = pysops(capsys, repo, "dr", "verify")
    assert code == 0 and "4 of 4 SOPS file(s) carry" in out

    key_file = tmp_path / "dr.txt"
    key_file.write_text(secret + "\n")
    for name in ("deploy/app.yaml", "app.env", "conf.json", "blob.bin"):
        done = run_go(
            go_sops, "decrypt", name, cwd=repo, env={"SOPS_AGE_KEY_FILE": str(key_file)}
        )
        assert done.returncode == 0, done.stderr


def test_init_keeps_values_mac_and_lastmodified(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (repo / "deploy/app.yaml").read_text()
    _init(capsys, repo)
    after = (repo / "deploy/app.yaml").read_text()
    kept = [
        line
        for line in before.splitlines()
        if "enc:" not in line and "-----" not in line
    ]
    assert all(line in after for line in kept if "recipient" not in line)
    assert after.count("recipient:") == 2


def test_verify_lists_a_file_without_the_recovery_recipient(
    repo: Path, age_key2: AgeKey, capsys: pytest.CaptureFixture[str]
) -> None:
    _init(capsys, repo)
    (repo / "late.yaml").write_text("x: 1\n")
    code, _, err = pysops(
        capsys, repo, "encrypt", "-i", "--age", age_key2.recipient, "late.yaml"
    )
    assert code == 0, err

    code, out, _ = pysops(capsys, repo, "dr", "verify")
    assert code == 1
    assert "late.yaml: disaster-recovery recipient" in out and "4 of 5" in out


def test_drill_uses_the_given_key_alone_and_writes_nothing(
    repo: Path,
    tmp_path: Path,
    age_key: AgeKey,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = _init(capsys, repo)
    before = snapshot(repo)
    typed = "  ".join(secret[i : i + 5] for i in range(0, len(secret), 5)).lower()

    # The team key is available through every variable: the drill must not use it.
    monkeypatch.setenv("SOPS_AGE_KEY", age_key.identity)
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(typed + "\n"))
    code, out, err = pysops(capsys, repo, "dr", "drill", "--identity", "-")
    assert code == 0, out + err
    assert "4 of 4 file(s) decrypted" in out and "\r" not in err
    assert snapshot(repo) == before

    # A key that is not the recorded recovery key proves nothing: refused,
    # a stranger's key as well as the team key that does open every file.
    stranger = make_age_key(tmp_path, "stranger.txt")
    for other in (stranger.path, age_key.path):
        code, out, err = pysops(capsys, repo, "dr", "drill", "--identity", str(other))
        assert code == 1 and "is not the recovery key" in err
        assert "decrypted" not in out
    assert snapshot(repo) == before


@pytest.mark.gosops
def test_rotate_leaves_nothing_for_the_old_key(
    repo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    go_sops: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old = tmp_path / "old.txt"
    old.write_text(_init(capsys, repo) + "\n")
    old_recipient = (repo / ".sops-check.yaml").read_text().split("- ")[-1].strip()

    new_envelope = tmp_path / "new.pdf"
    code, _, err = pysops(
        capsys,
        repo,
        "dr",
        "rotate",
        "--identity",
        str(old),
        "--envelope",
        str(new_envelope),
    )
    assert code == 0, err
    new = tmp_path / "new.txt"
    new.write_text(secret_of_envelope_pdf(new_envelope) + "\n")

    code, out, err = pysops(capsys, repo, "dr", "drill", "--identity", str(old))
    assert code == 1 and "is not the recovery key" in err
    # Below the CLI's refusal, the old key opens none of the files.
    from pysops.dr.keygen import parse_key_text
    from pysops.dr.recover import drill

    old_identities, _ = parse_key_text(old.read_text(), "old key")
    assert not any(r.ok for r in drill(repo, old_identities).results)
    monkeypatch.delenv("SOPS_AGE_KEY_FILE")
    code, out, _ = pysops(capsys, repo, "dr", "drill", "--identity", str(new))
    assert code == 0 and "4 of 4" in out
    for path in repo.rglob("*"):
        if path.is_file():
            assert old_recipient not in path.read_text(errors="replace")
    code, out, _ = pysops(capsys, repo, "dr", "verify")
    assert code == 0
    done = run_go(
        go_sops, "decrypt", "app.env", cwd=repo, env={"SOPS_AGE_KEY_FILE": str(new)}
    )
    assert done.returncode == 0 and done.stdout == b"TOKEN=abc\n"
    done = run_go(
        go_sops, "decrypt", "app.env", cwd=repo, env={"SOPS_AGE_KEY_FILE": str(old)}
    )
    assert done.returncode != 0


@pytest.mark.parametrize("command", ["init", "rotate"])
def test_one_unopenable_file_leaves_every_file_untouched(
    command: str,
    repo: Path,
    tmp_path: Path,
    age_key2: AgeKey,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if command == "rotate":
        _init(capsys, repo)
    (repo / "foreign.yaml").write_text("x: 1\n")
    code, _, err = pysops(
        capsys, repo, "encrypt", "-i", "--age", age_key2.recipient, "foreign.yaml"
    )
    assert code == 0, err
    before = snapshot(repo)

    envelope = tmp_path / "after-failure.pdf"
    code, out, err = pysops(capsys, repo, "dr", command, "--envelope", str(envelope))
    assert code == 1
    assert "FAILED  foreign.yaml" in out and "nothing was changed" in err
    assert snapshot(repo) == before
    assert not envelope.exists()
    assert not [p for p in repo.rglob("*.tmp")]


def test_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from pysops.cli.dr import _ProgressBar

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    for stream, drawn in ((Tty(), True), (io.StringIO(), False)):
        monkeypatch.setattr("sys.stderr", stream)
        bar = _ProgressBar()
        bar(1, 2, "a.yaml")
        bar.close()
        assert ("\r[###" in stream.getvalue()) is drawn


def test_private_key_is_never_written_inside_the_repository(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(repo)
    for flag, name in (("--envelope", "env.html"), ("--out", "dr-key.txt")):
        code, _, err = pysops(capsys, repo, "dr", "init", flag, str(repo / name))
        assert code == 2 and "inside the repository" in err
        assert not (repo / name).exists()
    assert snapshot(repo) == before
