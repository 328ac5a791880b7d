"""Helpers for the disaster-recovery tests: run the CLI in-process, build repositories."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from pysops.cli.main import main
from pysops.keys.age import clear_identity_cache


def pysops(
    capsys: pytest.CaptureFixture[str], cwd: Path, *args: str
) -> tuple[int, str, str]:
    """Run ``pysops ARGS`` in ``cwd`` in this process; returns (code, stdout, stderr)."""
    clear_identity_cache()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        capsys.readouterr()
        code = main(list(args))
    finally:
        os.chdir(old)
        clear_identity_cache()
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def secret_of_envelope_pdf(pdf: Path) -> str:
    """The key as pdftotext reads it from the one-line form of the envelope."""
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, check=True
    ).stdout
    return next(
        w
        for w in text.decode().split()
        if w.startswith("AGE-SECRET-KEY-1") and len(w) > 60
    )


def scan_qr(png: Path) -> str:
    done = subprocess.run(
        ["zbarimg", "-q", "--raw", str(png)], capture_output=True, check=True
    )
    return done.stdout.decode().strip()
