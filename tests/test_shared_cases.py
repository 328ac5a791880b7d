"""The reported user cases beside the repository (``../shared/cases``), run against pysops.

Each case folder holds an input and a ``run.sh`` that exits 0 when the
behaviour is right; the project's own tests for each kind live in
``tests/fidelity``.  Skipped where the folder is not checked out beside us.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CASES = Path(__file__).resolve().parents[2] / "shared" / "cases"


def _cases() -> list[Path]:
    return sorted(p for p in CASES.glob("*/run.sh")) if CASES.is_dir() else []


@pytest.mark.skipif(not _cases(), reason="no shared/cases folder beside the repository")
@pytest.mark.parametrize("script", _cases(), ids=lambda p: p.parent.name)
def test_reported_case_passes(script: Path) -> None:
    result = subprocess.run(
        ["bash", str(script)],
        env={"PATH": "/usr/bin:/bin", "CANDIDATE": f"{sys.executable} -m pysops"},
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, (result.stdout + result.stderr).decode()
