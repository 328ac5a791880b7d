"""Read ``.sops-check.yaml``: sops-check's rule format plus our built-in checks.

Unknown keys are rejected (sops-check silently ignores them, so a typo such
as ``allowUnmached`` disables a safeguard without a word).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import SopsError
from .model import Level

CONDITIONS = ("match", "matchRegex", "allOf", "anyOf", "oneOf", "not", "nOf")
_RULE_META = ("description", "url", "paths", "id", "level")
_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

BUILTIN_CHECKS = {
    "metadata": {"strict", "allowMacOnlyEncrypted"},
    "plaintext": set(),
    "keysDrift": set(),
    "recoveryRecipient": {"recipients", "paths"},
    "staleDataKey": {"maxAgeDays"},
}
_DEFAULT_ON = {"metadata"}
_DEFAULT_LEVEL = {"staleDataKey": Level.WARNING}


class CheckConfigError(SopsError):
    """``.sops-check.yaml`` (or an ignore file) is missing or invalid."""

    exit_code = 2


@dataclass
class Rule:
    """One node of the rule tree; ``kind`` is its single condition."""

    kind: str
    rule_id: str
    value: Any = None
    children: list[Rule] = field(default_factory=list)
    description: str = ""
    url: str = ""
    paths: list[str] | None = None
    level: Level = Level.ERROR
    regex: re.Pattern[str] | None = None
    minimum: int = 0
    spec: Any = None


@dataclass
class BuiltinCheck:
    """A switchable check that is not a rule: name, level and its options."""

    name: str
    enabled: bool
    level: Level
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class CheckConfig:
    """The whole configuration, with the directory its path patterns are relative to."""

    base_dir: Path
    allow_unmatched: bool = False
    rules: list[Rule] = field(default_factory=list)
    checks: dict[str, BuiltinCheck] = field(default_factory=dict)
    sops_config: Path | None = None
    source: Path | None = None


def default_config(base_dir: Path) -> CheckConfig:
    """The configuration used when no ``.sops-check.yaml`` exists: built-ins only."""
    return CheckConfig(base_dir=base_dir, allow_unmatched=True, checks=_checks({}))


def load_config(path: Path) -> CheckConfig:
    """Read and validate a config file; raises :class:`CheckConfigError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise CheckConfigError(f"config file {path} not found") from err
    except OSError as err:
        raise CheckConfigError(
            f"cannot read config file {path}: {err.strerror}"
        ) from err
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise CheckConfigError(f"{path}{where}: not valid YAML") from err
    return parse_config(raw or {}, path.resolve().parent, source=path)


def parse_config(
    raw: object, base_dir: Path, source: Path | None = None
) -> CheckConfig:
    """Validate the parsed YAML of a config file."""
    name = str(source) if source else "config"
    if not isinstance(raw, dict):
        raise CheckConfigError(f"{name}: the top level must be a mapping")
    unknown = set(raw) - {"allowUnmatched", "rules", "checks", "sopsConfig"}
    if unknown:
        raise CheckConfigError(
            f"{name}: unknown key(s) {', '.join(sorted(map(str, unknown)))}"
        )
    allow = raw.get("allowUnmatched", False)
    if not isinstance(allow, bool):
        raise CheckConfigError(f"{name}: allowUnmatched must be true or false")
    rules_raw = raw.get("rules") or []
    if not isinstance(rules_raw, list):
        raise CheckConfigError(f"{name}: rules must be a list")
    rules = [
        _parse_rule(r, f"rules[{i}]", f"rule-{i + 1}", name, top=True)
        for i, r in enumerate(rules_raw)
    ]
    ids = [r.rule_id for r in rules]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise CheckConfigError(
            f"{name}: duplicate rule id(s) {', '.join(sorted(duplicates))}"
        )
    sops_config = raw.get("sopsConfig")
    return CheckConfig(
        base_dir=base_dir,
        allow_unmatched=allow,
        rules=rules,
        checks=_checks(raw.get("checks") or {}, name),
        sops_config=(base_dir / str(sops_config)) if sops_config else None,
        source=source,
    )


def _parse_rule(raw: object, where: str, default_id: str, name: str, top: bool) -> Rule:
    if not isinstance(raw, dict):
        raise CheckConfigError(f"{name}: {where} must be a mapping")
    unknown = set(raw) - set(CONDITIONS) - set(_RULE_META)
    if unknown:
        raise CheckConfigError(
            f"{name}: {where} has unknown key(s) {', '.join(sorted(map(str, unknown)))}"
        )
    # An empty string or list counts as "not set", as in sops-check.
    present = [c for c in CONDITIONS if raw.get(c) not in (None, "", [], {})]
    if len(present) != 1:
        raise CheckConfigError(
            f"{name}: {where} needs exactly one condition "
            f"({', '.join(CONDITIONS)}), found {len(present)}"
        )
    kind = present[0]
    rule_id = str(raw.get("id") or default_id)
    if not _ID_PATTERN.match(rule_id):
        raise CheckConfigError(f"{name}: {where} has an invalid id {rule_id!r}")
    if "level" in raw and not top:
        raise CheckConfigError(
            f"{name}: {where}: level is only allowed on top-level rules"
        )
    rule = Rule(
        kind=kind,
        rule_id=rule_id,
        description=str(raw.get("description") or ""),
        url=str(raw.get("url") or ""),
        paths=_paths(raw.get("paths"), where, name),
        level=_level(raw.get("level", "error"), where, name),
    )
    value = raw[kind]
    if kind in ("match", "matchRegex"):
        if not isinstance(value, str):
            raise CheckConfigError(f"{name}: {where}.{kind} must be a string")
        rule.value = value
        if kind == "matchRegex":
            try:
                rule.regex = re.compile(value)
            except re.error as err:
                raise CheckConfigError(
                    f"{name}: {where}.matchRegex {value!r} is not a valid regex: {err}"
                ) from err
    elif kind in ("allOf", "anyOf", "oneOf"):
        if not isinstance(value, list):
            raise CheckConfigError(f"{name}: {where}.{kind} must be a list of rules")
        rule.children = [
            _parse_rule(c, f"{where}.{kind}[{i}]", f"{rule_id}.{i + 1}", name, False)
            for i, c in enumerate(value)
        ]
    elif kind == "not":
        rule.children = [
            _parse_rule(value, f"{where}.not", f"{rule_id}.not", name, False)
        ]
    else:
        _parse_n_of(rule, value, where, name)
    return rule


def _parse_n_of(rule: Rule, value: object, where: str, name: str) -> None:
    if not isinstance(value, dict) or set(value) - {"min", "rules"}:
        raise CheckConfigError(f"{name}: {where}.nOf takes exactly min and rules")
    minimum, children = value.get("min"), value.get("rules")
    if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 1:
        raise CheckConfigError(f"{name}: {where}.nOf.min must be a positive integer")
    if not isinstance(children, list) or len(children) < minimum:
        raise CheckConfigError(
            f"{name}: {where}.nOf.rules must list at least min rules"
        )
    rule.minimum = minimum
    rule.children = [
        _parse_rule(
            c, f"{where}.nOf.rules[{i}]", f"{rule.rule_id}.{i + 1}", name, False
        )
        for i, c in enumerate(children)
    ]


def _paths(raw: object, where: str, name: str) -> list[str] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw or not all(isinstance(p, str) for p in raw):
        raise CheckConfigError(
            f"{name}: {where}.paths must be a non-empty list of patterns"
        )
    return list(raw)


def _level(raw: object, where: str, name: str) -> Level:
    try:
        return Level(str(raw))
    except ValueError as err:
        raise CheckConfigError(
            f"{name}: {where}: level must be error, warning or note, not {raw!r}"
        ) from err


def _checks(raw: object, name: str = "config") -> dict[str, BuiltinCheck]:
    if not isinstance(raw, dict):
        raise CheckConfigError(f"{name}: checks must be a mapping")
    unknown = set(raw) - set(BUILTIN_CHECKS)
    if unknown:
        raise CheckConfigError(
            f"{name}: unknown check(s) {', '.join(sorted(map(str, unknown)))}; "
            f"known: {', '.join(BUILTIN_CHECKS)}"
        )
    checks = {}
    for check, options in BUILTIN_CHECKS.items():
        body = raw.get(check)
        if body is None or isinstance(body, bool):
            body = {"enabled": body} if isinstance(body, bool) else {}
        if not isinstance(body, dict):
            raise CheckConfigError(
                f"{name}: checks.{check} must be a mapping or a boolean"
            )
        extra = set(body) - options - {"enabled", "level"}
        if extra:
            raise CheckConfigError(
                f"{name}: checks.{check} has unknown key(s) {', '.join(sorted(map(str, extra)))}"
            )
        enabled = body.get(
            "enabled", check in _DEFAULT_ON if check not in raw else True
        )
        level = _level(
            body.get("level", _DEFAULT_LEVEL.get(check, Level.ERROR).value),
            f"checks.{check}",
            name,
        )
        checks[check] = BuiltinCheck(
            check, bool(enabled), level, {k: v for k, v in body.items() if k in options}
        )
    _validate_options(checks, name)
    return checks


def _validate_options(checks: dict[str, BuiltinCheck], name: str) -> None:
    recovery = checks["recoveryRecipient"]
    recipients = recovery.options.get("recipients")
    if recovery.enabled and (
        not isinstance(recipients, list)
        or not recipients
        or not all(isinstance(r, str) and r for r in recipients)
    ):
        raise CheckConfigError(
            f"{name}: checks.recoveryRecipient.recipients must list at least one anchor"
        )
    if recovery.options.get("paths") is not None:
        _paths(recovery.options["paths"], "checks.recoveryRecipient", name)
    stale = checks["staleDataKey"]
    days = stale.options.get("maxAgeDays", 180)
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise CheckConfigError(
            f"{name}: checks.staleDataKey.maxAgeDays must be a positive integer"
        )
    stale.options["maxAgeDays"] = days


def parse_config_text(text: str, base_dir: Path) -> CheckConfig:
    """Parse config text (for tests and embedding); paths are relative to ``base_dir``."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise CheckConfigError("config: not valid YAML") from err
    return parse_config(raw or {}, base_dir.resolve())
