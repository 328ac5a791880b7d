"""Adding and replacing the recovery recipient in .sops.yaml and .sops-check.yaml."""

from __future__ import annotations

from pathlib import Path

from pysops.check import parse_config_text
from pysops.config import parse_config
from pysops.dr import configedit, keygen

TEAM = keygen.generate().recipient
DR = keygen.generate().recipient
NEW = keygen.generate().recipient

SOPS_YAML = f"""\
# the team's rules; keep this comment
creation_rules:
  # production first
  - path_regex: prod/.*
    key_groups:
      - kms:
          - arn: arn:aws:kms:us-east-1:123456789012:key/abc
      - age:
          - {TEAM}
    shamir_threshold: 2
  - path_regex: dev/.*  # developers
    age: {TEAM}
  - path_regex: public/.*
"""


def _rules(text: str) -> list:  # type: ignore[type-arg]
    return parse_config(text.encode(), Path("/repo/.sops.yaml")).creation_rules or []


def test_recipient_reaches_every_group_and_comments_stay() -> None:
    text, changed = configedit.add_recipient(SOPS_YAML, DR)

    assert changed == 2
    for line in (
        "# the team's rules; keep this comment",
        "# production first",
        "# developers",
    ):
        assert line in text
    assert text.index("prod/") < text.index("dev/") < text.index("public/")
    prod, dev, public = _rules(text)
    assert all(DR in [s.value for s in group] for group in prod.key_groups)
    assert [s.value for s in dev.key_groups[0]] == [TEAM, DR]
    assert not any(public.key_groups)
    assert configedit.add_recipient(text, DR) == (text, 0)


def test_replace_recipient_changes_only_that_string() -> None:
    text, _ = configedit.add_recipient(SOPS_YAML, DR)
    replaced, count = configedit.replace_recipient(text, DR, NEW)
    assert count == 3
    assert replaced == text.replace(DR, NEW) and DR not in replaced


def test_check_config_is_created_or_extended_and_stays_valid(tmp_path: Path) -> None:
    fresh = configedit.record_recipient(None, DR)
    config = parse_config_text(fresh, tmp_path)
    assert config.checks["recoveryRecipient"].enabled
    assert config.checks["recoveryRecipient"].options["recipients"] == [DR]

    existing = "# ours\nchecks:\n  staleDataKey:\n    maxAgeDays: 30\n"
    extended = configedit.record_recipient(existing, DR)
    assert extended.startswith("# ours\n")
    config = parse_config_text(extended, tmp_path)
    assert config.checks["staleDataKey"].options["maxAgeDays"] == 30
    assert configedit.recorded_age_recipients(extended) == [DR]
