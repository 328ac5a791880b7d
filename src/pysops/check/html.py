"""A single self-contained HTML page for people who do not use a terminal."""

from __future__ import annotations

from datetime import datetime, timezone
from html import escape

from ._safe import printable, web_url
from .model import Finding, Report

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1b1f24;
max-width:70rem}
h1{font-size:1.6rem;margin-bottom:.2rem}
.verdict{display:inline-block;padding:.4rem .9rem;border-radius:.4rem;font-weight:700;
color:#fff}
.verdict.fail{background:#b42318}.verdict.pass{background:#1a7f37}
table{border-collapse:collapse;margin:1rem 0;width:100%;table-layout:auto}
td,th{border:1px solid #d0d7de;padding:.35rem .7rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}
section.file{border:1px solid #d0d7de;border-radius:.5rem;margin:1.2rem 0;padding:.2rem 1rem 1rem}
section.file h2{font-size:1.1rem;font-family:ui-monospace,monospace;word-break:break-all}
.level{font-weight:700;text-transform:uppercase;font-size:.8rem}
.level.error{color:#b42318}.level.warning{color:#9a6700}.level.note{color:#0969da}
.fix{background:#f0f7ff;border-left:4px solid #0969da;padding:.3rem .6rem;margin:.3rem 0}
pre{background:#f6f8fa;padding:.6rem;white-space:pre-wrap;word-break:break-all;font-size:.85rem}
.muted{color:#57606a}
"""


def render_html(report: Report, generated: datetime | None = None) -> str:
    """The whole page as a string; no scripts, fonts or images are loaded."""
    generated = generated or datetime.now(timezone.utc)
    counts = report.counts()
    verdict = (
        '<span class="verdict fail">Problems found</span>'
        if report.failed
        else '<span class="verdict pass">All checks passed</span>'
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>SOPS compliance report</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>SOPS compliance report</h1>",
        f'<p class="muted">Checked {escape(report.root)} on '
        f"{generated.strftime('%Y-%m-%d %H:%M UTC')}. No file was decrypted.</p>",
        f"<p>{verdict}</p>",
        '<table id="summary"><tr><th>Files scanned</th><th>SOPS files</th>'
        "<th>Files with problems</th><th>Errors</th><th>Warnings</th></tr>",
        f"<tr><td>{counts['files_scanned']}</td><td>{counts['sops_files']}</td>"
        f"<td>{counts['files_with_findings']}</td><td>{counts['errors']}</td>"
        f"<td>{counts['warnings']}</td></tr></table>",
    ]
    grouped = report.by_file()
    if grouped:
        parts.append("<h2>Problems per file</h2>")
    for path, findings in grouped.items():
        parts.append(_file_section(path, findings))
    if report.rules:
        parts.append(
            "<h2>Rules that were checked</h2><table><tr><th>Rule</th>"
            "<th>What it requires</th><th>Level</th></tr>"
        )
        for info in report.rules.values():
            url = web_url(info.url) if info.url else None
            link = f' <a href="{escape(url, quote=True)}">more</a>' if url else ""
            parts.append(
                f"<tr><td><code>{escape(info.rule_id)}</code></td><td>"
                f"{escape(info.title)}{link}</td><td>{info.level.value}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _file_section(path: str, findings: list[Finding]) -> str:
    rows = []
    for finding in findings:
        url = web_url(finding.url) if finding.url else None
        if url:
            more = (
                f'<div>Details: <a href="{escape(url, quote=True)}">'
                f"{escape(url)}</a></div>"
            )
        elif finding.url:
            more = f"<div>Details: {escape(printable(finding.url))}</div>"
        else:
            more = ""
        description = (
            f"<div>{escape(finding.description)}</div>"
            if finding.description and finding.description != finding.message
            else ""
        )
        fix = (
            f'<div class="fix">What to do: {escape(finding.fix)}</div>'
            if finding.fix
            else ""
        )
        detail = f"<pre>{escape(finding.detail)}</pre>" if finding.detail else ""
        rows.append(
            f'<tr class="finding"><td>line {finding.position.line}, column '
            f"{finding.position.column}</td>"
            f'<td><span class="level {finding.level.value}">{finding.level.value}</span></td>'
            f"<td><strong>{escape(finding.message)}</strong>{description}{more}{fix}"
            f'{detail}<div class="muted">rule <code>{escape(finding.rule_id)}</code>'
            "</div></td></tr>"
        )
    return (
        f'<section class="file"><h2>{escape(path)}</h2><table>'
        "<tr><th>Where</th><th>Level</th><th>Problem</th></tr>"
        + "".join(rows)
        + "</table></section>"
    )
