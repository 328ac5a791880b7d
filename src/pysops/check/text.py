"""Plain-text and JSON renderings of a :class:`Report`."""

from __future__ import annotations

import json
from typing import Any

from ._safe import printable
from .model import Level, Report

_COLOURS = {Level.ERROR: "31", Level.WARNING: "33", Level.NOTE: "36"}


def render_text(report: Report, colour: bool = False) -> str:
    """Findings grouped per file, then one summary line."""

    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if colour else text

    lines: list[str] = []
    for path, findings in report.by_file().items():
        lines.append(paint(printable(path), "1"))
        for finding in findings:
            where = f"{finding.position.line}:{finding.position.column}"
            level = paint(finding.level.value, _COLOURS[finding.level])
            message, rule = printable(finding.message), printable(finding.rule_id)
            lines.append(f"  {where}  {level}  {message}  [{rule}]")
            if finding.url:
                lines.append(f"      see: {printable(finding.url)}")
            if finding.fix:
                lines.append(f"      fix: {printable(finding.fix)}")
            for detail in finding.detail.splitlines():
                lines.append(f"      {printable(detail)}")
        lines.append("")
    lines.append(summary_line(report, colour))
    return "\n".join(lines) + "\n"


def summary_line(report: Report, colour: bool = False) -> str:
    """``N SOPS files checked, E errors, W warnings in F files``."""
    counts = report.counts()
    text = (
        f"{counts['sops_files']} SOPS files checked ({counts['files_scanned']} files "
        f"scanned): {counts['errors']} errors, {counts['warnings']} warnings, "
        f"{counts['notes']} notes in {counts['files_with_findings']} files"
    )
    verdict = "FAILED" if report.failed else "OK"
    if colour:
        verdict = f"\x1b[{'31' if report.failed else '32'}m{verdict}\x1b[0m"
    return f"{verdict}: {text}"


def report_dict(report: Report) -> dict[str, Any]:
    """A stable JSON-ready structure (``--format json``)."""
    return {
        "version": 1,
        "passed": not report.failed,
        "summary": report.counts(),
        "rules": [
            {
                "id": info.rule_id,
                "title": info.title,
                "description": info.description,
                "url": info.url,
                "level": info.level.value,
            }
            for info in report.rules.values()
        ],
        "files": [
            {
                "path": path,
                "findings": [
                    {
                        "line": f.position.line,
                        "column": f.position.column,
                        "rule": f.rule_id,
                        "level": f.level.value,
                        "message": f.message,
                        "description": f.description,
                        "url": f.url,
                        "fix": f.fix,
                        "detail": f.detail,
                    }
                    for f in findings
                ],
            }
            for path, findings in report.by_file().items()
        ],
        "sops_files": sorted(report.sops_files),
    }


def render_json(report: Report) -> str:
    """``--format json``."""
    return json.dumps(report_dict(report), indent=2) + "\n"
