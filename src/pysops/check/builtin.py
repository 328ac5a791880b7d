"""Built-in checks beyond sops-check: metadata health, plaintext, drift, recovery, age."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..errors import SopsError
from .config import BuiltinCheck
from .metadata import anchor_of, parse_rfc3339
from .model import Finding, Level, Position, RuleInfo, SopsMetadata

log = logging.getLogger(__name__)

RULES = {
    "metadata": RuleInfo(
        "metadata",
        "Broken SOPS metadata",
        "The sops block must be complete and well formed, or sops cannot open the file.",
    ),
    "syntax": RuleInfo(
        "syntax",
        "SOPS file does not parse",
        "The document has a syntax error, so sops cannot open the file.",
    ),
    "cleartext-value": RuleInfo(
        "cleartext-value",
        "Value left in clear in a SOPS file",
        "The file's encryption rule says this value is encrypted, but it is in "
        "clear: sops refuses to decrypt the file, and the value may be a leaked "
        "secret.",
    ),
    "plaintext": RuleInfo(
        "plaintext",
        "Secret committed in plaintext",
        "A creation rule of .sops.yaml covers this file, but it is not encrypted.",
    ),
    "keys-drift": RuleInfo(
        "keys-drift",
        "Keys differ from .sops.yaml",
        "The file's master keys differ from those its creation rule gives today.",
    ),
    "recovery-recipient": RuleInfo(
        "recovery-recipient",
        "Disaster-recovery recipient missing",
        "Every secret must be readable with the offline recovery key.",
    ),
    "stale-data-key": RuleInfo(
        "stale-data-key",
        "Stale data key",
        "The file has not been rotated or rewritten for longer than allowed.",
    ),
    "unmatched-anchor": RuleInfo(
        "unmatched-anchor",
        "Trust anchor allowed by no rule",
        "Every master key must be allowed by a configured rule (allowUnmatched: false).",
    ),
}

RULES_FIX = {
    "metadata": "restore the file from version control, or re-encrypt it with sops",
    "syntax": "fix the syntax (compare with the last good version in version control)",
    "cleartext-value": "re-encrypt the value with sops and rotate the secret",
}
METADATA_RULES = ("metadata", "syntax", "cleartext-value")


def check_metadata(check: BuiltinCheck, path: str, meta: SopsMetadata) -> list[Finding]:
    """Problems that make Go sops refuse the file (at the check's level), and
    suspicious ones (warnings; at the check's level too when ``strict``)."""
    strict = bool(check.options.get("strict", False))
    mild = check.level if strict or check.level is not Level.ERROR else Level.WARNING
    findings = [
        Finding(
            path=path,
            position=problem.position,
            rule_id=problem.rule_id,
            level=check.level if problem.fatal else mild,
            message=problem.message,
            description=RULES[problem.rule_id].description,
            fix=problem.fix or RULES_FIX[problem.rule_id],
        )
        for problem in meta.problems
    ]
    if meta.mac_only_encrypted and not check.options.get("allowMacOnlyEncrypted", True):
        findings.append(
            Finding(
                path=path,
                position=meta.mac_only_encrypted_position or meta.position,
                rule_id="metadata",
                level=check.level,
                message="mac_only_encrypted is set: unencrypted values are not "
                "protected by the MAC",
                description="This repository does not allow mac_only_encrypted.",
                fix="remove mac_only_encrypted from the creation rule and re-encrypt",
            )
        )
    return findings


def check_recovery(
    check: BuiltinCheck,
    path: str,
    meta: SopsMetadata,
    applies: Callable[[list[str]], bool],
) -> list[Finding]:
    """Each required recovery anchor must be among the file's master keys."""
    paths = check.options.get("paths")
    if paths is not None and not applies(paths):
        return []
    missing = [r for r in check.options["recipients"] if r not in meta.anchors]
    return [
        Finding(
            path=path,
            position=meta.position,
            rule_id="recovery-recipient",
            level=check.level,
            message=f"disaster-recovery recipient {anchor} is missing",
            description=RULES["recovery-recipient"].description,
            fix=f"add {anchor} to the creation rule in .sops.yaml, then run "
            "`sops updatekeys` on this file",
        )
        for anchor in missing
    ]


def check_stale(
    check: BuiltinCheck, path: str, meta: SopsMetadata, now: datetime
) -> list[Finding]:
    """``lastmodified`` older than ``maxAgeDays``."""
    days = int(check.options["maxAgeDays"])
    stamp = parse_rfc3339(meta.lastmodified)
    if stamp is None or now - stamp <= timedelta(days=days):
        return []
    age = (now - stamp).days
    return [
        Finding(
            path=path,
            position=meta.lastmodified_position or meta.position,
            rule_id="stale-data-key",
            level=check.level,
            message=f"data key last written {meta.lastmodified} ({age} days ago, "
            f"limit {days})",
            description=RULES["stale-data-key"].description,
            fix="run `sops rotate -i` on this file to replace its data key",
        )
    ]


class SopsRules:
    """The ``.sops.yaml`` creation rules, loaded once per run (or absent)."""

    def __init__(self, config_file: Path | None) -> None:
        self.path = config_file
        self.config: Any = None
        if config_file is not None:
            from ..config import load_config

            self.config = load_config(config_file)

    def rule_for(self, file_path: Path) -> Any:
        """The creation rule for a file, or None when none matches."""
        if self.config is None or not self.config.has_creation_rules:
            return None
        from ..errors import NoMatchingRule
        from .config import CheckConfigError

        try:
            return self.config.creation_rule_for(file_path)
        except NoMatchingRule:
            return None
        except SopsError as err:
            raise CheckConfigError(err.message) from err


def check_plaintext(
    check: BuiltinCheck, path: str, file_path: Path, rules: SopsRules
) -> list[Finding]:
    """A file that a creation rule with a ``path_regex`` covers, but is not encrypted."""
    if file_path.name in (".sops.yaml", ".sops-check.yaml"):
        return []
    rule = rules.rule_for(file_path)
    # A catch-all rule (no path_regex) would flag every file of the repository.
    if rule is None or not rule.path_regex:
        return []
    return [
        Finding(
            path=path,
            position=Position(1, 1),
            rule_id="plaintext",
            level=check.level,
            message=f"not encrypted, but .sops.yaml rule path_regex "
            f"{rule.path_regex!r} says it must be",
            description=RULES["plaintext"].description,
            fix=f"encrypt it: `sops encrypt -i {path}` (and rotate any secret "
            "already committed)",
        )
    ]


def expected_anchors(rule: Any) -> set[str]:
    """The trust anchors a creation rule gives a new file."""
    anchors = set()
    for group in rule.key_groups:
        for spec in group:
            fields: dict[str, Any] = dict(spec.extra)
            if spec.type_id == "kms":
                fields["arn"] = spec.value
            elif spec.type_id not in ("azure_kv", "hc_vault"):
                fields[_IDENTITY[spec.type_id]] = spec.value
            anchors.add(_normalise(spec.type_id, anchor_of(spec.type_id, fields)))
    return anchors


_IDENTITY = {
    "age": "recipient",
    "pgp": "fp",
    "gcp_kms": "resource_id",
    "hckms": "key_id",
}


def _normalise(kind: str, anchor: str) -> str:
    return anchor.replace(" ", "").upper() if kind == "pgp" else anchor


def check_drift(
    check: BuiltinCheck,
    path: str,
    file_path: Path,
    meta: SopsMetadata,
    rules: SopsRules,
) -> list[Finding]:
    """Missing and extra anchors compared with the file's creation rule."""
    rule = rules.rule_for(file_path)
    if rule is None:
        return []
    expected = expected_anchors(rule)
    actual = {_normalise(k.kind, k.anchor): k for k in meta.keys}
    missing = sorted(expected - set(actual))
    extra = sorted(set(actual) - expected)
    findings = [
        Finding(
            path=path,
            position=meta.position,
            rule_id="keys-drift",
            level=check.level,
            message=f"master key {anchor} from .sops.yaml is missing",
            description=RULES["keys-drift"].description,
            fix=f"run `sops updatekeys {path}`",
        )
        for anchor in missing
    ]
    findings += [
        Finding(
            path=path,
            position=actual[anchor].position,
            rule_id="keys-drift",
            level=check.level,
            message=f"master key {actual[anchor].anchor} is not in .sops.yaml",
            description=RULES["keys-drift"].description,
            fix=f"run `sops updatekeys {path}` (then `sops rotate -i {path}` if the "
            "key's holder must lose access)",
        )
        for anchor in extra
    ]
    return findings
