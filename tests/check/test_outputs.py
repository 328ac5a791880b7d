"""Reports: text, JSON, SARIF 2.1.0 (schema-validated) and HTML seen by headless Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
from _checkhelpers import DEMO_CONFIG, DEMO_FILES, write_tree

from pysops.cli import check as cli

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_tree(tmp_path, DEMO_FILES)
    (tmp_path / ".sops-check.yaml").write_text(DEMO_CONFIG)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_sarif_valid_with_rules_and_regions(demo: Path) -> None:
    assert (
        cli.run(
            [
                "--format",
                "sarif",
                "-o",
                "out.sarif",
                "--sarif-report-path",
                "also.sarif",
            ]
        )
        == cli.FINDINGS
    )
    log = json.loads((demo / "out.sarif").read_text())
    jsonschema.validate(log, json.loads(SCHEMA.read_text()))
    assert log == json.loads((demo / "also.sarif").read_text())
    run = log["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert {"rule-1", "unmatched-anchor", "metadata"} <= set(ids)
    for result in run["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
    assert {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in run["results"]
    } >= {"bad/missing-age-key.yaml"}


def test_sarif_valid_when_clean(demo: Path) -> None:
    assert cli.run(["--format", "sarif", "-o", "clean.sarif", "good"]) == cli.CLEAN
    log = json.loads((demo / "clean.sarif").read_text())
    jsonschema.validate(log, json.loads(SCHEMA.read_text()))
    assert log["runs"][0]["results"] == []


def test_text_is_plain_off_a_terminal(demo: Path, capsys) -> None:
    assert cli.run([]) == cli.FINDINGS
    out = capsys.readouterr().out
    assert "\x1b[" not in out
    assert out.rstrip().splitlines()[-1].startswith("FAILED: 7 SOPS files checked")
    assert cli.run(["--color", "always"]) == cli.FINDINGS
    assert "\x1b[31m" in capsys.readouterr().out


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_html_report_in_headless_chromium(demo: Path, tmp_path_factory) -> None:
    assert cli.run(["--format", "html", "-o", "report.html"]) == cli.FINDINGS
    page = (demo / "report.html").read_text()
    assert "<script" not in page and "<link" not in page and "src=" not in page
    browser = _chromium()
    if browser is None:
        pytest.skip(
            "chromium is not installed (Debian package chromium; CI installs it)"
        )
    artifacts = tmp_path_factory.mktemp("artifacts")
    shot = artifacts / "check-report.png"
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={artifacts / 'profile'}",
    ]
    url = (demo / "report.html").as_uri()
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    for needle in (
        "Problems found",
        "bad/missing-age-key.yaml",
        "line 9, column 11",
        "The recovery age key is on every file",
        "What to do",
    ):
        assert needle in dom.stdout, needle
    assert (
        "good/production-db.yaml"
        not in dom.stdout.split("Problems per file")[1].split(
            "Rules that were checked"
        )[0]
    )
    done = subprocess.run(
        [browser, *flags, "--window-size=1280,2000", f"--screenshot={shot}", url],
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0 and shot.stat().st_size > 10_000
    print(f"screenshot saved to {shot}")
