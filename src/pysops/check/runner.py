"""Run every enabled check over the discovered files and collect a :class:`Report`."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

import pathspec

from . import builtin
from .config import CheckConfig
from .discovery import Candidate, compile_patterns, discover
from .model import Finding, Report, RuleInfo, SopsMetadata
from .reader import read_metadata
from .rules import check_rules

log = logging.getLogger(__name__)

MAX_FILE_SIZE = 64 * 1024 * 1024


def run_check(
    roots: Sequence[str],
    config: CheckConfig,
    *,
    ignore: Sequence[pathspec.PathSpec[pathspec.Pattern]] = (),
    use_gitignore: bool = True,
    use_rules: bool = True,
    now: datetime | None = None,
) -> Report:
    """Check ``roots`` against ``config``; never decrypts, needs no key.

    Raises CheckConfigError for a missing root or a broken ``.sops.yaml``
    (when a check needs it).
    """
    now = now or datetime.now(timezone.utc)
    report = Report(root=",".join(roots))
    _register_rules(report, config, use_rules)
    checks = config.checks
    needs_sops_yaml = checks["plaintext"].enabled or checks["keysDrift"].enabled
    sops_rules = builtin.SopsRules(
        _sops_config(config, roots) if needs_sops_yaml else None
    )
    spec_cache: dict[tuple[str, ...], pathspec.PathSpec[pathspec.Pattern]] = {}

    for candidate in discover(roots, ignore, use_gitignore):
        report.files_scanned += 1
        data = _read(candidate)
        if data is None:
            continue
        meta = read_metadata(data)
        if meta is None:
            if checks["plaintext"].enabled:
                report.findings += builtin.check_plaintext(
                    checks["plaintext"], candidate.display, candidate.path, sops_rules
                )
            continue

        report.sops_files.append(candidate.display)
        relative = _relative(candidate, config.base_dir)

        def applies(patterns: list[str], _rel: str = relative) -> bool:
            key = tuple(patterns)
            if key not in spec_cache:
                spec_cache[key] = compile_patterns(patterns)
            return spec_cache[key].match_file(_rel)

        report.findings += _check_file(
            config, candidate, meta, applies, sops_rules, now, use_rules
        )
    return report


def _check_file(
    config: CheckConfig,
    candidate: Candidate,
    meta: SopsMetadata,
    applies: Callable[[list[str]], bool],
    sops_rules: builtin.SopsRules,
    now: datetime,
    use_rules: bool,
) -> list[Finding]:
    checks = config.checks
    path = candidate.display
    findings: list[Finding] = []
    if checks["metadata"].enabled:
        findings += builtin.check_metadata(checks["metadata"], path, meta)
    if not meta.keys:
        return findings
    if use_rules and config.rules:
        findings += check_rules(config, path, meta, applies)
    if checks["recoveryRecipient"].enabled:
        findings += builtin.check_recovery(
            checks["recoveryRecipient"], path, meta, applies
        )
    if checks["staleDataKey"].enabled:
        findings += builtin.check_stale(checks["staleDataKey"], path, meta, now)
    if checks["keysDrift"].enabled:
        findings += builtin.check_drift(
            checks["keysDrift"], path, candidate.path, meta, sops_rules
        )
    return findings


def _read(candidate: Candidate) -> bytes | None:
    try:
        if candidate.path.stat().st_size > MAX_FILE_SIZE:
            log.warning(
                "%s: larger than %d bytes, not checked",
                candidate.display,
                MAX_FILE_SIZE,
            )
            return None
        return candidate.path.read_bytes()
    except OSError as err:
        log.warning("%s: cannot read: %s", candidate.display, err.strerror)
        return None


def _relative(candidate: Candidate, base: Path) -> str:
    absolute = os.path.abspath(candidate.path)
    prefix = str(base) + os.sep
    if absolute.startswith(prefix):
        return Path(absolute[len(prefix) :]).as_posix()
    return candidate.display


def _sops_config(config: CheckConfig, roots: Sequence[str]) -> Path | None:
    if config.sops_config is not None:
        return config.sops_config
    from ..config import find_config

    start = (
        roots[0]
        if roots and os.path.isdir(roots[0])
        else os.path.dirname(roots[0] or ".")
    )
    return find_config(start or ".")


def _register_rules(report: Report, config: CheckConfig, use_rules: bool) -> None:
    names = {
        "metadata": "metadata",
        "plaintext": "plaintext",
        "keysDrift": "keys-drift",
        "recoveryRecipient": "recovery-recipient",
        "staleDataKey": "stale-data-key",
    }
    for check, rule_id in names.items():
        if config.checks[check].enabled:
            info = builtin.RULES[rule_id]
            report.rules[rule_id] = RuleInfo(
                info.rule_id,
                info.title,
                info.description,
                info.url,
                config.checks[check].level,
            )
    if config.checks["metadata"].enabled:
        for rule_id in builtin.METADATA_RULES[1:]:
            info = builtin.RULES[rule_id]
            report.rules[rule_id] = RuleInfo(
                info.rule_id,
                info.title,
                info.description,
                info.url,
                config.checks["metadata"].level,
            )
    if not use_rules:
        return
    for rule in config.rules:
        title = rule.description or f"{rule.kind} rule {rule.rule_id}"
        report.rules[rule.rule_id] = RuleInfo(
            rule.rule_id, title, rule.description, rule.url, rule.level
        )
    if config.rules and not config.allow_unmatched:
        report.rules["unmatched-anchor"] = builtin.RULES["unmatched-anchor"]
