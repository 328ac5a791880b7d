"""Compliance checking of SOPS files in a repository, without keys or decryption.

Rules use sops-check's ``.sops-check.yaml`` format; built-in checks add
broken-metadata, plaintext, drift, recovery-key and stale-key findings.
"""

from .config import (
    CheckConfig,
    CheckConfigError,
    default_config,
    load_config,
    parse_config_text,
)
from .model import Finding, Level, Position, Report, RuleInfo
from .reader import read_metadata
from .runner import run_check

__all__ = [
    "CheckConfig",
    "CheckConfigError",
    "Finding",
    "Level",
    "Position",
    "Report",
    "RuleInfo",
    "default_config",
    "load_config",
    "parse_config_text",
    "read_metadata",
    "run_check",
]
