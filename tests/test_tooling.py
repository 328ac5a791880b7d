"""The package passes its own linters: ruff (lint and format) and mypy --strict.

Settings come from ``pyproject.toml``; the tools come with the ``test`` extra.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run_tool(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed (pip install -e '.[test]')")
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_ruff_check_passes() -> None:
    result = _run_tool("ruff", "check", "--no-cache", "src")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_leaves_src_unchanged() -> None:
    result = _run_tool("ruff", "format", "--check", "--no-cache", "src")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_passes() -> None:
    result = _run_tool("mypy", "src/pysops")
    assert result.returncode == 0, result.stdout + result.stderr
