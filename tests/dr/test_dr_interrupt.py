"""A terminated ``dr init`` changes no file and leaves no temporary file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import AgeKey, run_pysops


def test_terminated_init_changes_nothing(tmp_path: Path, age_key: AgeKey) -> None:
    repo = tmp_path / "repo"
    (repo / "d").mkdir(parents=True)
    (repo / ".sops.yaml").write_text(
        f"creation_rules:\n  - path_regex: ^d/\n    age: {age_key.recipient}\n"
    )
    first = repo / "d" / "f0.yaml"
    first.write_text("a: 1\n")
    env = {"SOPS_AGE_KEY_FILE": str(age_key.path)}
    assert run_pysops("encrypt", "-i", "d/f0.yaml", cwd=repo, env=env).returncode == 0
    for i in range(1, 400):
        (repo / "d" / f"f{i}.yaml").write_bytes(first.read_bytes())
    before = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()}

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pysops",
            "dr",
            "init",
            "--envelope",
            str(tmp_path / "e.html"),
        ],
        cwd=repo,
        env=dict(os.environ, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    # Wait until files are being staged, then terminate.
    deadline = time.monotonic() + 60
    while not any(repo.rglob("*.tmp")) and time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        return  # finished before the signal: nothing to check on this machine
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert b"no file was changed" in err
    after = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    assert after == before
    assert not (tmp_path / "e.html").exists()
