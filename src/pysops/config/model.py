"""The ``.sops.yaml`` model: creation rules, destination rules, store options."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import exitcodes
from ..errors import ConfigError, NoMatchingRule
from ._re2 import UnsupportedPattern, translate


@dataclass(frozen=True)
class KeySpec:
    """A master key described by the config, not yet created.

    ``type_id`` is the metadata list name (age, pgp, kms, gcp_kms, azure_kv,
    hc_vault, hckms).  ``value`` is what identifies the key: the recipient,
    fingerprint, ARN, resource id, Azure key URL, Vault key URI or HuaweiCloud
    key id.  ``extra`` holds the other fields:

    * kms: ``role``, ``aws_profile`` and, in key groups only, ``context``
      (flat rules take the encryption context from the command line, as Go does);
    * azure_kv: ``vault_url``, ``name``, ``version`` (may be empty: latest);
    * hc_vault: ``vault_address``, ``engine_path``, ``key_name``.
    """

    type_id: str
    value: str
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def dedup_key(self) -> tuple[str, str]:
        """What makes two specs the same key (Go compares type and ``ToString``)."""
        role = self.extra.get("role") if self.type_id == "kms" else None
        return (self.type_id, f"{self.value}+{role}" if role else self.value)


@dataclass(frozen=True)
class CreationRule:
    """One entry of ``creation_rules``.

    ``problems`` lists errors Go sops reports only when this rule is the one
    chosen (bad recipients, two suffix options, malformed URLs); they are
    raised by :meth:`Config.creation_rule_for`.
    """

    path_regex: str = ""
    key_groups: list[list[KeySpec]] = field(default_factory=list)
    shamir_threshold: int = 0
    unencrypted_suffix: str = ""
    encrypted_suffix: str = ""
    unencrypted_regex: str = ""
    encrypted_regex: str = ""
    unencrypted_comment_regex: str = ""
    encrypted_comment_regex: str = ""
    mac_only_encrypted: bool = False
    aws_profile: str = ""
    problems: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class DestinationRule:
    """One entry of ``destination_rules`` (where ``publish`` sends a file)."""

    path_regex: str = ""
    s3_bucket: str = ""
    s3_prefix: str = ""
    gcs_bucket: str = ""
    gcs_prefix: str = ""
    vault_path: str = ""
    vault_address: str = ""
    vault_kv_mount_name: str = ""
    vault_kv_version: int = 0
    recreation_rule: CreationRule = field(default_factory=CreationRule)
    omit_extensions: bool = False

    @property
    def destination(self) -> str:
        """``s3``, ``gcs`` or ``vault``; empty when the rule names none."""
        if self.s3_bucket:
            return "s3"
        if self.gcs_bucket:
            return "gcs"
        if self.vault_path:
            return "vault"
        return ""


@dataclass(frozen=True)
class StoresConfig:
    """``stores:`` options; ``None`` means not set (the store's default applies)."""

    yaml_indent: int | None = None
    json_indent: int | None = None
    json_binary_indent: int | None = None


@dataclass(frozen=True)
class Config:
    """A parsed ``.sops.yaml``.

    ``creation_rules`` is None when the file has no ``creation_rules`` key;
    Go sops then behaves as if there were no config file at all for keys.
    ``path`` is the file it was read from (rule paths are relative to it).
    """

    creation_rules: list[CreationRule] | None = None
    destination_rules: list[DestinationRule] = field(default_factory=list)
    stores: StoresConfig = field(default_factory=StoresConfig)
    path: Path | None = None

    @property
    def has_creation_rules(self) -> bool:
        return self.creation_rules is not None

    def creation_rule_for(self, file_path: str | os.PathLike[str]) -> CreationRule:
        """The first creation rule whose ``path_regex`` is found in ``file_path``.

        The path is taken relative to the config file's directory when inside
        it, else absolute.  Raises NoMatchingRule when no rule matches (or the
        file has no ``creation_rules``) and ConfigError when the chosen rule,
        or a regex tried on the way, is invalid.
        """
        relative = self._relative(file_path)
        for rule in self.creation_rules or []:
            if not rule.path_regex or self._search(rule.path_regex, relative):
                if rule.problems:
                    raise self._error(rule.problems[0])
                return rule
        raise NoMatchingRule(
            f"{self._name()}: no creation rule matches {relative}",
            hint="add a creation rule for this path, or give keys on the command line",
            exit_code=exitcodes.GENERIC,
        )

    def destination_rule_for(
        self, file_path: str | os.PathLike[str]
    ) -> DestinationRule:
        """The first destination rule matching ``file_path`` as given.

        Raises NoMatchingRule when none matches, ConfigError when the rule
        names more than one destination or its recreation rule is invalid.
        """
        for rule in self.destination_rules:
            if rule.path_regex and not self._search(
                rule.path_regex, os.fspath(file_path), lenient=True
            ):
                continue
            named = [rule.s3_bucket, rule.gcs_bucket, rule.vault_path]
            if sum(1 for item in named if item) > 1:
                raise self._error("a destination rule names more than one destination")
            if rule.recreation_rule.problems:
                raise self._error(rule.recreation_rule.problems[0])
            return rule
        raise NoMatchingRule(
            f"{self._name()}: no destination rule matches {os.fspath(file_path)}",
            exit_code=exitcodes.GENERIC,
        )

    def _relative(self, file_path: str | os.PathLike[str]) -> str:
        absolute = os.path.abspath(file_path)
        if self.path is None:
            return absolute
        directory = os.path.abspath(os.path.dirname(self.path))
        # exactly Go's TrimPrefix: a config at "/" leaves paths absolute
        prefix = directory + os.sep
        return absolute[len(prefix) :] if absolute.startswith(prefix) else absolute

    def _search(self, pattern: str, text: str, lenient: bool = False) -> bool:
        try:
            return compile_go_regex(pattern).search(text) is not None
        except ValueError as err:
            if lenient:
                # Go ignores the error of a destination rule's regex: no match
                return False
            raise self._error(f"invalid path_regex {pattern!r}: {err}") from err

    def _name(self) -> str:
        return str(self.path) if self.path is not None else ".sops.yaml"

    def _error(self, message: str) -> ConfigError:
        return ConfigError(f"{self._name()}: {message}", exit_code=exitcodes.GENERIC)


@functools.lru_cache(maxsize=256)
def compile_go_regex(pattern: str) -> re.Pattern[str]:
    """Compile a Go (RE2) pattern for Python; raises ValueError if impossible."""
    try:
        return re.compile(translate(pattern))
    except UnsupportedPattern:
        raise
    except re.error as err:
        raise ValueError(f"invalid regular expression: {err}") from err
