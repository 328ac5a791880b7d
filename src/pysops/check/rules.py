"""Evaluate sops-check style rules against the trust anchors of one file.

Semantics follow sops-check with two deliberate fixes (see the README):
a ``not`` rule accounts for no anchors, so it never hides unknown anchors;
and a failed compound rule still accounts for the anchors its satisfied
parts matched, so legitimate keys are not listed as unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .config import CheckConfig, Rule
from .model import Finding, Level, SopsMetadata

PathFilter = Callable[[list[str]], bool]


@dataclass
class Outcome:
    """The verdict of one rule on one file."""

    rule: Rule
    ok: bool
    allowed: frozenset[str] = frozenset()
    hits: frozenset[str] = frozenset()
    children: list[Outcome] = field(default_factory=list)


def evaluate(
    rule: Rule, anchors: frozenset[str], applies: PathFilter
) -> Outcome | None:
    """Evaluate ``rule``; None when its ``paths`` (or all its children's) exclude the file."""
    if rule.paths is not None and not applies(rule.paths):
        return None
    if rule.kind == "match":
        ok = rule.value in anchors
        hit = frozenset({rule.value}) if ok else frozenset()
        return Outcome(rule, ok, hit, hit)
    if rule.kind == "matchRegex":
        assert rule.regex is not None
        hits = frozenset(a for a in anchors if rule.regex.search(a))
        return Outcome(rule, bool(hits), hits, hits)

    children = [o for c in rule.children if (o := evaluate(c, anchors, applies))]
    if not children:
        return None
    passed = [c for c in children if c.ok]
    allowed = frozenset().union(*(c.allowed for c in passed))
    if rule.kind == "not":
        return Outcome(rule, not children[0].ok, frozenset(), frozenset(), children)
    if rule.kind == "allOf":
        ok = len(passed) == len(children)
    elif rule.kind == "anyOf":
        ok = bool(passed)
    elif rule.kind == "oneOf":
        ok = len(passed) == 1
    else:
        ok = len(passed) >= rule.minimum
    return Outcome(rule, ok, allowed, frozenset(), children)


def check_rules(
    config: CheckConfig, path: str, meta: SopsMetadata, applies: PathFilter
) -> list[Finding]:
    """Findings for the configured rules and for anchors no rule allows."""
    anchors = meta.anchors
    findings: list[Finding] = []
    allowed: set[str] = set()
    for rule in config.rules:
        outcome = evaluate(rule, anchors, applies)
        if outcome is None:
            continue
        # A failing warning rule must not make its partial matches acceptable.
        if outcome.ok or rule.level is Level.ERROR:
            allowed |= outcome.allowed
        if not outcome.ok:
            findings.append(_rule_finding(outcome, path, meta))

    if not config.allow_unmatched:
        for anchor in sorted(anchors - allowed):
            findings.append(
                Finding(
                    path=path,
                    position=meta.position_of(anchor),
                    rule_id="unmatched-anchor",
                    level=Level.ERROR,
                    message=f"trust anchor {anchor} is not allowed by any rule",
                    description="Every master key must be allowed by a rule "
                    "(allowUnmatched is false).",
                    fix="remove this key (edit .sops.yaml, then run `sops updatekeys`), "
                    "or add a rule that allows it",
                )
            )
    return findings


def _rule_finding(outcome: Outcome, path: str, meta: SopsMetadata) -> Finding:
    rule = outcome.rule
    forbidden = sorted(_forbidden(outcome))
    position = meta.position_of(forbidden[0]) if forbidden else meta.position
    add, remove = _fixes(outcome)
    hints = []
    if add:
        hints.append("add " + "; ".join(sorted(add)))
    if remove:
        hints.append("remove " + ", ".join(sorted(remove)))
    fix = " and ".join(hints) or "change the file's keys so that the rule holds"
    return Finding(
        path=path,
        position=position,
        rule_id=rule.rule_id,
        level=rule.level,
        message=rule.description or _summary(outcome),
        description=rule.description,
        url=rule.url,
        fix=fix + " (edit .sops.yaml, then run `sops updatekeys`)",
        detail="\n".join(explain(outcome)),
    )


def _forbidden(outcome: Outcome) -> set[str]:
    """Anchors present that a failing ``not`` or an over-full ``oneOf`` objects to."""
    if outcome.ok:
        return set()
    if outcome.rule.kind == "not":
        return set(_all_hits(outcome.children[0]))
    found: set[str] = set()
    for child in outcome.children:
        found |= _forbidden(child)
    return found


def _all_hits(outcome: Outcome) -> set[str]:
    hits = set(outcome.hits)
    for child in outcome.children:
        if child.ok and outcome.rule.kind != "not":
            hits |= _all_hits(child)
    return hits


def _fixes(outcome: Outcome) -> tuple[set[str], set[str]]:
    """What to add (missing anchors or patterns) and remove, for a failed rule."""
    rule = outcome.rule
    if outcome.ok:
        return set(), set()
    if rule.kind == "match":
        return {f"master key {rule.value}"}, set()
    if rule.kind == "matchRegex":
        return {f"a master key matching /{rule.value}/"}, set()
    if rule.kind == "not":
        return set(), _all_hits(outcome.children[0])
    add: set[str] = set()
    remove: set[str] = set()
    failed = [c for c in outcome.children if not c.ok]
    if rule.kind == "allOf" or (rule.kind == "nOf"):
        for child in failed:
            a, r = _fixes(child)
            add |= a
            remove |= r
    elif rule.kind in ("anyOf", "oneOf") and not any(c.ok for c in outcome.children):
        add.add("the keys of one of the alternatives listed")
    return add, remove


def _summary(outcome: Outcome) -> str:
    rule = outcome.rule
    if rule.kind == "match":
        return f"required trust anchor {rule.value} is missing"
    if rule.kind == "matchRegex":
        return f"no trust anchor matches /{rule.value}/"
    if rule.kind == "not":
        return "a forbidden trust anchor is present"
    return f"rule {rule.rule_id} ({rule.kind}) is not satisfied"


def explain(outcome: Outcome, depth: int = 0) -> list[str]:
    """An indented, human-readable account of why ``outcome`` failed."""
    pad = "  " * depth
    rule = outcome.rule
    lines = [f"{pad}[{rule.kind}] {rule.description}".rstrip()]
    if rule.url:
        lines.append(f"{pad}  more: {rule.url}")
    passed = [c for c in outcome.children if c.ok]
    failed = [c for c in outcome.children if not c.ok]
    if rule.kind == "match":
        lines.append(f"{pad}  anchor {rule.value} is required but absent")
    elif rule.kind == "matchRegex":
        lines.append(f"{pad}  no anchor matches /{rule.value}/")
    elif rule.kind == "not":
        hits = ", ".join(sorted(_all_hits(outcome.children[0]))) or "(none)"
        lines.append(
            f"{pad}  the nested rule must not hold, but it does (matched: {hits}):"
        )
        lines += _nested(outcome.children[0], depth)
    elif rule.kind == "allOf":
        lines.append(f"{pad}  all nested rules must hold; {len(failed)} did not:")
        for child in failed:
            lines += explain(child, depth + 1)
    elif rule.kind in ("anyOf", "oneOf") and not passed:
        lines.append(f"{pad}  one nested rule must hold; none did:")
        for child in failed:
            lines += explain(child, depth + 1)
    elif rule.kind == "oneOf":
        lines.append(f"{pad}  exactly one nested rule must hold; {len(passed)} did:")
        for child in passed:
            lines += _nested(child, depth)
    else:
        lines.append(
            f"{pad}  at least {rule.minimum} nested rules must hold; only {len(passed)} did:"
        )
        for child in failed:
            lines += explain(child, depth + 1)
    return lines


def _nested(outcome: Outcome, depth: int) -> list[str]:
    pad = "  " * (depth + 1)
    hits = ", ".join(sorted(_all_hits(outcome))) or "(none)"
    label = outcome.rule.description or outcome.rule.value or outcome.rule.kind
    return [f"{pad}[{outcome.rule.kind}] {label} (matched: {hits})"]
