"""sops-check's demo re-created, every rule type, and our fixes to its semantics (issue 7)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from _checkhelpers import DEMO_CONFIG, DEMO_FILES, DR_AGE, kms, sops_yaml, write_tree

from pysops.check import load_config, run_check
from pysops.check.config import CheckConfigError, parse_config
from pysops.cli import check as cli

EXPECTED = {
    "good/production-db.yaml": set(),
    "good/staging-api.yaml": set(),
    "bad/missing-age-key.yaml": {"rule-1"},
    "bad/mixed-environments.yaml": {"rule-1"},
    "bad/unauthorized-region.yaml": {"rule-1", "unmatched-anchor"},
    "bad/malicious-pgp-key.yaml": {"rule-1", "unmatched-anchor"},
    "bad/prod-plus-foreign-pgp.yaml": {"unmatched-anchor"},
}


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    write_tree(tmp_path / "demo", DEMO_FILES)
    (tmp_path / "demo" / ".sops-check.yaml").write_text(DEMO_CONFIG)
    return tmp_path


def test_demo_verdicts(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(demo)
    report = run_check(["demo"], load_config(Path("demo/.sops-check.yaml")))
    found = {p: {f.rule_id for f in fs} for p, fs in report.by_file().items()}
    for name, rules in EXPECTED.items():
        assert found.get(f"demo/{name}", set()) == rules, name
    assert len(report.sops_files) == len(DEMO_FILES)


def test_demo_cli_exit_codes_and_locations(demo: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(demo)
    assert cli.run(["-c", "demo/.sops-check.yaml", "demo/good"]) == cli.CLEAN
    assert (
        cli.run(["-c", "demo/.sops-check.yaml", "--format", "json", "demo"])
        == cli.FINDINGS
    )
    out = capsys.readouterr().out
    data = json.loads(out[out.index("{") :])
    files = {f["path"]: f["findings"] for f in data["files"]}
    pgp = files["demo/bad/malicious-pgp-key.yaml"]
    unmatched = [f for f in pgp if f["rule"] == "unmatched-anchor"]
    # the anchor's own line: "        - created_at" opens the entry, fp is 3 lines in
    assert unmatched[0]["line"] == 9 and "1234567890ABCDEF" in unmatched[0]["message"]
    missing = files["demo/bad/missing-age-key.yaml"][0]
    assert DR_AGE in missing["fix"] and missing["line"] == 2
    assert "wiki.example.test/recovery" in missing["detail"]


def _verdict(tmp_path: Path, config: str, files: dict[str, str]) -> dict[str, set[str]]:
    tmp_path.mkdir(exist_ok=True)
    write_tree(tmp_path, files)
    (tmp_path / "c.yaml").write_text(config)
    report = run_check([str(tmp_path)], load_config(tmp_path / "c.yaml"))
    return {Path(p).name: {f.rule_id for f in fs} for p, fs in report.by_file().items()}


A, B, C, D = (f"age1{c * 58}" for c in "acde")


@pytest.mark.parametrize(
    ("rule", "anchors", "expected"),
    [
        ("match: " + A, [A], set()),
        ("match: " + A, [B], {"rule-1", "unmatched-anchor"}),
        ("matchRegex: '^age1a'", [A], set()),
        ("matchRegex: 'zzz'", [A], {"rule-1", "unmatched-anchor"}),
        (f"allOf: [{{match: {A}}}, {{match: {B}}}]", [A, B], set()),
        (f"allOf: [{{match: {A}}}, {{match: {B}}}]", [A], {"rule-1"}),
        (f"anyOf: [{{match: {A}}}, {{match: {B}}}]", [B], set()),
        (
            f"anyOf: [{{match: {A}}}, {{match: {B}}}]",
            [C],
            {"rule-1", "unmatched-anchor"},
        ),
        (f"oneOf: [{{match: {A}}}, {{match: {B}}}]", [A], set()),
        # both alternatives hold: the rule fails, but no legit key is called unknown
        (f"oneOf: [{{match: {A}}}, {{match: {B}}}]", [A, B], {"rule-1"}),
        (
            f"nOf: {{min: 2, rules: [{{match: {A}}}, {{match: {B}}}, {{match: {C}}}]}}",
            [A, C],
            set(),
        ),
        (
            f"nOf: {{min: 2, rules: [{{match: {A}}}, {{match: {B}}}, {{match: {C}}}]}}",
            [A, D],
            {"rule-1", "unmatched-anchor"},
        ),
        # a satisfied `not` no longer hides unknown anchors (sops-check passes this)
        (f"not: {{match: {A}}}", [B], {"unmatched-anchor"}),
        (f"not: {{match: {A}}}", [A], {"rule-1", "unmatched-anchor"}),
    ],
)
def test_rule_types(
    tmp_path: Path, rule: str, anchors: list[str], expected: set[str]
) -> None:
    found = _verdict(
        tmp_path, f"rules:\n  - {rule}\n", {"f.yaml": sops_yaml(age=anchors)}
    )
    assert found.get("f.yaml", set()) == expected


def test_paths_scoping_and_allow_unmatched(tmp_path: Path) -> None:
    config = f"""\
allowUnmatched: false
rules:
  - match: {A}
    paths: ["*", "!demo/"]
  - matchRegex: ".*"
    paths: ["demo/"]
  - match: {kms("eu-west-1", "prod")}
    paths: ["deploy/**/prod/"]
"""
    files = {
        "app.yaml": sops_yaml(age=[A]),
        "other.yaml": sops_yaml(age=[B]),
        "demo/anything.yaml": sops_yaml(age=[C]),
        "deploy/eu/prod/db.yaml": sops_yaml([kms("eu-west-1", "prod")], [A]),
        "deploy/eu/prod/bad.yaml": sops_yaml([], [A]),
    }
    found = _verdict(tmp_path, config, files)
    assert (
        "app.yaml" not in found
        and "anything.yaml" not in found
        and "db.yaml" not in found
    )
    assert found["other.yaml"] == {"rule-1", "unmatched-anchor"}
    assert found["bad.yaml"] == {"rule-3"}

    found = _verdict(
        tmp_path / "second",
        f"allowUnmatched: true\nrules: [{{match: {A}}}]\n",
        {"x.yaml": sops_yaml(age=[A, B])},
    )
    assert found == {}


def test_warning_rules_do_not_fail(tmp_path: Path, monkeypatch, capsys) -> None:
    write_tree(tmp_path, {"f.yaml": sops_yaml(age=[A])})
    (tmp_path / ".sops-check.yaml").write_text(
        f"rules:\n  - match: {A}\n  - id: wants-b\n    level: warning\n    match: {B}\n"
    )
    monkeypatch.chdir(tmp_path)
    assert cli.run(["--color", "never"]) == cli.CLEAN
    out = capsys.readouterr().out
    assert "warning" in out and "[wants-b]" in out and "1 warnings" in out


@pytest.mark.parametrize(
    "text",
    [
        "allowUnmached: true\n",
        "rules:\n  - match: a\n    matchRegex: b\n",
        "rules:\n  - {}\n",
        "rules:\n  - matchRegex: '('\n",
        "rules:\n  - allOf: [{match: a, level: warning}]\n",
        "rules:\n  - nOf: {min: 3, rules: [{match: a}]}\n",
        "checks:\n  recoveryRecipient: {enabled: true}\n",
        "checks:\n  nosuch: true\n",
        "rules: [\n",
    ],
)
def test_bad_config_exit_2(tmp_path: Path, text: str, monkeypatch, capsys) -> None:
    (tmp_path / "c.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CheckConfigError):
        load_config(Path("c.yaml"))
    assert cli.run(["-c", "c.yaml", "."]) == cli.BAD_CONFIG
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "c.yaml" in err and "Traceback" not in err


def test_explicit_missing_config_and_missing_path(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.run(["-c", "nope.yaml"]) == cli.BAD_CONFIG
    assert cli.run(["no-such-dir"]) == cli.BAD_CONFIG
    assert cli.run([]) == cli.CLEAN  # no config: built-in checks only


def test_empty_string_condition_counts_as_unset() -> None:
    with pytest.raises(CheckConfigError, match="exactly one condition"):
        parse_config({"rules": [{"match": "", "matchRegex": ""}]}, Path(os.getcwd()))
