"""Edits of ``.sops.yaml`` and ``.sops-check.yaml`` that keep comments and order.

Adding a recipient goes through ruamel.yaml's round-trip mode; replacing one
recipient by another is a plain text substitution, since age recipients are
unique strings of one fixed length and nothing else in the file moves.
"""

from __future__ import annotations

import io
from typing import Any

from ..errors import ConfigError

_FLAT_KEY_FIELDS = (
    "age",
    "pgp",
    "kms",
    "gcp_kms",
    "azure_keyvault",
    "hc_vault_transit_uri",
    "hckms",
)


def _yaml(text: str) -> tuple[Any, Any]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.util import load_yaml_guess_indent

    try:
        data, indent, block_seq_indent = load_yaml_guess_indent(text)
    except YAMLError as err:
        raise ConfigError(f"not valid YAML: {err.__class__.__name__}") from None
    yaml = YAML()
    yaml.width = 4096
    yaml.preserve_quotes = True
    # ruamel.yaml's documented use of its own guess
    yaml.indent(mapping=indent or 2, sequence=indent or 2, offset=block_seq_indent or 0)
    return yaml, data


def _dump(yaml: Any, data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def add_recipient(text: str, recipient: str) -> tuple[str, int]:
    """``.sops.yaml`` text with ``recipient`` in every key group of every creation rule.

    Rules that name no key at all are left alone (they are not for encrypting).
    Returns the new text and the number of rules changed.  Raises ConfigError.
    """
    from ruamel.yaml.comments import CommentedSeq

    yaml, data = _yaml(text)
    rules = data.get("creation_rules") if hasattr(data, "get") else None
    if not isinstance(rules, list):
        raise ConfigError("has no creation_rules list to add the recovery recipient to")
    changed = 0
    for rule in rules:
        if not hasattr(rule, "get"):
            continue
        groups = rule.get("key_groups")
        if isinstance(groups, list) and groups:
            touched = False
            for group in groups:
                if not hasattr(group, "get"):
                    continue
                ages = group.get("age")
                if ages is None:
                    group["age"] = CommentedSeq([recipient])
                    touched = True
                elif isinstance(ages, list) and recipient not in ages:
                    ages.append(recipient)
                    touched = True
            changed += touched
        elif any(rule.get(name) for name in _FLAT_KEY_FIELDS):
            changed += _add_flat(rule, recipient)
    return _dump(yaml, data), changed


def _add_flat(rule: Any, recipient: str) -> bool:
    ages = rule.get("age")
    if not ages:
        rule["age"] = recipient
        return True
    if isinstance(ages, list):
        if recipient in ages:
            return False
        ages.append(recipient)
        return True
    current = [part.strip() for part in str(ages).split(",") if part.strip()]
    if recipient in current:
        return False
    separator = ", " if ", " in str(ages) else ","
    rule["age"] = f"{str(ages).rstrip().rstrip(',')}{separator}{recipient}"
    return True


def replace_recipient(text: str, old: str, new: str) -> tuple[str, int]:
    """``text`` with every occurrence of the recipient ``old`` replaced by ``new``."""
    return text.replace(old, new), text.count(old)


CHECK_CONFIG_TEMPLATE = """\
# pysops check: every SOPS file must carry the disaster-recovery recipient
# (written by `pysops dr init`; `pysops dr rotate` keeps it current).
checks:
  recoveryRecipient:
    recipients:
      - {recipient}
"""


def record_recipient(text: str | None, recipient: str) -> str:
    """``.sops-check.yaml`` text requiring ``recipient`` (the file is created if None)."""
    if text is None or not text.strip():
        return CHECK_CONFIG_TEMPLATE.format(recipient=recipient)
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    yaml, data = _yaml(text)
    if not hasattr(data, "get"):
        raise ConfigError("the top level must be a mapping")
    checks = data.get("checks")
    if not hasattr(checks, "get"):
        checks = data["checks"] = CommentedMap()
    recovery = checks.get("recoveryRecipient")
    if not hasattr(recovery, "get"):
        recovery = checks["recoveryRecipient"] = CommentedMap()
    recovery.pop("enabled", None)
    recipients = recovery.get("recipients")
    if not isinstance(recipients, list):
        recipients = recovery["recipients"] = CommentedSeq()
    if recipient not in recipients:
        recipients.append(recipient)
    return _dump(yaml, data)


def recorded_age_recipients(text: str) -> list[str]:
    """The age recipients ``.sops-check.yaml`` requires as recovery anchors."""
    import yaml

    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigError("not valid YAML") from err
    try:
        recipients = raw["checks"]["recoveryRecipient"]["recipients"]
    except (KeyError, TypeError):
        return []
    if not isinstance(recipients, list):
        return []
    return [r for r in recipients if isinstance(r, str) and r.startswith("age1")]
