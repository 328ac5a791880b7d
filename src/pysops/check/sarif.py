"""SARIF 2.1.0 rendering, with one reporting rule per check and line regions."""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from typing import Any
from urllib.parse import quote

from ._safe import printable
from .model import Report

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/pysops/"


def _version() -> str:
    try:
        return metadata.version("pysops")
    except metadata.PackageNotFoundError:
        return "0"


def sarif_dict(report: Report) -> dict[str, Any]:
    """The SARIF log as a dict."""
    rule_ids = list(report.rules)
    for finding in report.findings:
        if finding.rule_id not in report.rules and finding.rule_id not in rule_ids:
            rule_ids.append(finding.rule_id)
    rules = []
    for rule_id in rule_ids:
        info = report.rules.get(rule_id)
        entry: dict[str, Any] = {
            "id": rule_id,
            "shortDescription": {"text": info.title if info else rule_id},
            "defaultConfiguration": {"level": info.level.value if info else "error"},
        }
        if info and info.description:
            entry["fullDescription"] = {"text": info.description}
        if info and info.url:
            entry["helpUri"] = info.url
        rules.append(entry)

    results = []
    for finding in sorted(report.findings, key=lambda f: (f.path, f.position.line)):
        text = printable(finding.message)
        if finding.fix:
            text += f"\nFix: {finding.fix}"
        if finding.detail:
            text += "\n" + finding.detail
        fingerprint = hashlib.sha256(
            f"{finding.path}\0{finding.rule_id}\0{finding.message}".encode()
        ).hexdigest()
        results.append(
            {
                "ruleId": finding.rule_id,
                "ruleIndex": rule_ids.index(finding.rule_id),
                "kind": "fail",
                "level": finding.level.value,
                "message": {"text": text},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": quote(finding.path)},
                            "region": {
                                "startLine": finding.position.line,
                                "startColumn": finding.position.column,
                            },
                        }
                    }
                ],
                "partialFingerprints": {"pysopsFinding/v1": fingerprint},
            }
        )
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pysops-check",
                        "informationUri": INFORMATION_URI,
                        "version": _version(),
                        "rules": rules,
                    }
                },
                "results": results,
                "invocations": [{"executionSuccessful": True}],
            }
        ],
    }


def render_sarif(report: Report) -> str:
    """``--format sarif`` and ``--sarif-report-path``."""
    return json.dumps(sarif_dict(report), indent=2) + "\n"
