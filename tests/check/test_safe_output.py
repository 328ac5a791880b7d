"""Untrusted names and config values cannot forge report lines or links."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import AgeKey, run_pysops

from pysops.check._safe import printable, web_url


def test_printable_escapes_control_characters() -> None:
    assert printable("a\x1b[2Jb\nc\u2028") == "a\\x1b[2Jb\\x0ac\\u2028"
    assert printable("plain ü text") == "plain ü text"


def test_only_web_urls_become_links() -> None:
    assert web_url("https://wiki.example/x") == "https://wiki.example/x"
    assert web_url("javascript:alert(1)") is None
    assert web_url(" JavaScript:alert(1)") is None
    assert web_url("data:text/html,x") is None


def test_reports_escape_names_and_refuse_script_links(
    tmp_path: Path, age_key: AgeKey
) -> None:
    plain = tmp_path / "s.yaml"
    plain.write_text("secret: v\n")
    enc = run_pysops("encrypt", "--age", age_key.recipient, str(plain))
    assert enc.returncode == 0, enc.stderr
    plain.unlink()
    hostile = tmp_path / "\x1b[2J\x1b[31mansi.yaml"
    hostile.write_bytes(enc.stdout)
    (tmp_path / ".sops-check.yaml").write_text(
        "allowUnmatched: false\nrules:\n"
        "  - id: xr\n    description: only this key\n"
        "    url: javascript:alert(document.cookie)\n    match: age1zzzzzz\n"
    )
    text = run_pysops("check", "--color", "never", ".", cwd=tmp_path)
    assert text.returncode == 1, text.stderr
    assert b"\x1b" not in text.stdout
    assert b"\\x1b[2J" in text.stdout
    html = run_pysops("check", "--format", "html", ".", cwd=tmp_path)
    assert b'href="javascript:' not in html.stdout
    sarif = run_pysops("check", "--format", "sarif", ".", cwd=tmp_path)
    for result in json.loads(sarif.stdout)["runs"][0]["results"]:
        assert "\x1b" not in result["message"]["text"]
