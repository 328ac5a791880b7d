"""Choosing master keys and rules for a new file: flags first, then ``.sops.yaml``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from .. import exitcodes
from ..errors import MasterKeyError, SopsError, UsageError
from ..keys import KeyGroup, MasterKey, key_class
from ..rules import EncryptionRules
from .common import rules_from_flags
from .flags import Parsed

#: key flag -> (metadata type, environment variable)
KEY_FLAGS = {
    "age": ("age", "SOPS_AGE_RECIPIENTS"),
    "pgp": ("pgp", "SOPS_PGP_FP"),
    "kms": ("kms", "SOPS_KMS_ARN"),
    "gcp_kms": ("gcp_kms", "SOPS_GCP_KMS_IDS"),
    "azure_kv": ("azure_kv", "SOPS_AZURE_KEYVAULT_URLS"),
    "hc_vault_transit": ("hc_vault", "SOPS_VAULT_URIS"),
    "hckms": ("hckms", "SOPS_HUAWEICLOUD_KMS_IDS"),
}


@dataclass
class Recipe:
    """How to encrypt a new file: key groups, threshold and rules."""

    key_groups: list[KeyGroup]
    shamir_threshold: int = 0
    rules: EncryptionRules = field(default_factory=EncryptionRules)
    mac_only_encrypted: bool = False


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_encryption_context(text: str | None) -> dict[str, str]:
    """``key:value,key2:value2`` as Go sops reads ``--encryption-context``."""
    if not text:
        return {}
    from ..keys.kms import parse_encryption_context as parse

    return parse(text)


def make_key(type_id: str, text: str, **options: Any) -> MasterKey:
    """One master key from its flag or config text.

    A malformed key is a usage problem (exit code 1, as in Go sops), not a
    failure to reach the key.
    """
    try:
        return key_class(type_id).from_string(text, **options)
    except MasterKeyError as err:
        raise SopsError(
            err.message, hint=err.hint, exit_code=exitcodes.GENERIC
        ) from None


def keys_from_flags(args: Parsed, prefix: str = "") -> list[MasterKey]:
    """The keys named by ``--age``/``--pgp``/... (or ``--add-age``... with a prefix).

    Without a prefix, the environment variables count as the flags do.
    """
    keys: list[MasterKey] = []
    context = parse_encryption_context(args.str("encryption_context"))
    profile = args.str("aws_profile") or ""
    for flag, (type_id, env) in KEY_FLAGS.items():
        dest = f"{prefix}{flag}"
        text = args.str(dest)
        if text is None and not prefix:
            text = os.environ.get(env)
        for item in split_list(text or ""):
            options: dict[str, Any] = {}
            if type_id == "kms":
                options = {"context": context, "aws_profile": profile}
            keys.append(make_key(type_id, item, **options))
    return keys


def keys_from_spec_groups(
    groups: list[list[Any]],
    aws_profile: str = "",
    context: dict[str, str] | None = None,
) -> list[KeyGroup]:
    """Master keys for the ``KeySpec`` groups of a creation rule."""
    out: list[KeyGroup] = []
    for group in groups:
        built: KeyGroup = []
        for spec in group:
            options = dict(spec.extra)
            if spec.type_id == "kms":
                options.setdefault("aws_profile", aws_profile)
                if context and not options.get("context"):
                    options["context"] = context
            built.append(make_key(spec.type_id, spec.value, **options))
        out.append(built)
    return out


def parse_threshold(args: Parsed) -> int:
    text = args.str("shamir_secret_sharing_threshold")
    if not text:
        return 0
    try:
        return int(text)
    except ValueError:
        raise UsageError(
            f"--shamir-secret-sharing-threshold takes a number, not {text!r}"
        ) from None


def load_config_for(args: Parsed) -> Any:
    """The ``.sops.yaml`` in force (``--config``, ``SOPS_CONFIG`` or found upward), or None."""
    from ..config import find_config, load_config

    explicit = args.str("config") or os.environ.get("SOPS_CONFIG")
    if explicit:
        return load_config(explicit)
    found = find_config(os.getcwd())
    return load_config(found) if found else None


def recipe_for(args: Parsed, name: str, config: Any) -> Recipe:
    """Keys and rules for encrypting ``name``: flags win over the config's rule."""
    flag_rules = rules_from_flags(args)
    threshold = parse_threshold(args)
    mac_only = args.bool("mac_only_encrypted")
    flag_keys = keys_from_flags(args)
    rule = None
    if config is not None and config.has_creation_rules:
        try:
            rule = config.creation_rule_for(name)
        except SopsError:
            if not flag_keys:
                raise
    if flag_keys:
        groups: list[KeyGroup] = [flag_keys]
    elif rule is not None:
        groups = keys_from_spec_groups(
            rule.key_groups,
            rule.aws_profile,
            parse_encryption_context(args.str("encryption_context")),
        )
        groups = [g for g in groups if g]
    else:
        groups = []
    if not groups:
        raise SopsError(
            "no master keys: the config file was not found or has no creation rules, "
            "and no keys were given on the command line",
            hint="pass --age RECIPIENT (or another key flag), or add a creation rule to .sops.yaml",
        )
    rules = flag_rules
    if rules.is_empty() and rule is not None:
        rules = EncryptionRules.from_mapping(vars(rule))
    return Recipe(
        key_groups=groups,
        shamir_threshold=threshold or (rule.shamir_threshold if rule else 0),
        rules=rules,
        mac_only_encrypted=mac_only or bool(rule and rule.mac_only_encrypted),
    )
