"""Records shared by the compliance checker: master-key entries, metadata, findings."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Level(str, enum.Enum):
    """How serious a finding is; only errors make a run fail."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True)
class Position:
    """A 1-based line and column in a file."""

    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class MasterKeyEntry:
    """One master key of a file, seen without decrypting anything.

    ``anchor`` is the trust-anchor string sops-check compares against rules
    (for an AWS KMS key: ARN, ``+role``, ``|context`` and ``|profile`` as sops
    prints them).  ``group`` is the 0-based key group.
    """

    kind: str
    anchor: str
    group: int
    position: Position
    created_at: str | None = None
    has_enc: bool = True


@dataclass(frozen=True)
class MetadataProblem:
    """Something in a SOPS file that Go sops would refuse, or that we distrust.

    ``fatal`` problems make Go sops refuse to open the file (for everyone, or
    for the holder of one master key); the others are suspicious but opened.
    ``rule_id`` is ``metadata``, ``syntax`` or ``cleartext-value``; ``fix``
    says what to do about it (empty: the generic advice of the rule).
    """

    message: str
    position: Position
    fatal: bool = True
    rule_id: str = "metadata"
    fix: str = ""


@dataclass
class SopsMetadata:
    """The ``sops`` block of one file, with positions of its parts.

    ``selector`` is the rule that says which values are encrypted, as
    ``(field name, value)`` (Go's default ``unencrypted_suffix``
    ``_unencrypted`` when the file sets none), or None when it is ambiguous.
    """

    store: str
    position: Position
    keys: list[MasterKeyEntry] = field(default_factory=list)
    lastmodified: str | None = None
    lastmodified_position: Position | None = None
    mac: str | None = None
    mac_position: Position | None = None
    mac_only_encrypted: bool = False
    mac_only_encrypted_position: Position | None = None
    shamir_threshold: int | None = None
    version: str | None = None
    selector: tuple[str, str] | None = None
    problems: list[MetadataProblem] = field(default_factory=list)

    @property
    def anchors(self) -> frozenset[str]:
        """The set of trust-anchor strings, key groups flattened."""
        return frozenset(k.anchor for k in self.keys if k.anchor)

    def position_of(self, anchor: str) -> Position:
        """Where ``anchor`` first appears, or the ``sops`` block if nowhere."""
        for key in self.keys:
            if key.anchor == anchor:
                return key.position
        return self.position


@dataclass(frozen=True)
class Finding:
    """One problem in one file, with everything a person needs to fix it."""

    path: str
    position: Position
    rule_id: str
    level: Level
    message: str
    description: str = ""
    url: str = ""
    fix: str = ""
    detail: str = ""


@dataclass(frozen=True)
class RuleInfo:
    """A rule as reporters describe it (SARIF ``rules[]``, HTML legend)."""

    rule_id: str
    title: str
    description: str = ""
    url: str = ""
    level: Level = Level.ERROR


@dataclass
class Report:
    """The result of checking a set of paths."""

    root: str
    sops_files: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    rules: dict[str, RuleInfo] = field(default_factory=dict)
    files_scanned: int = 0

    @property
    def failed(self) -> bool:
        """True when some finding is an error."""
        return any(f.level is Level.ERROR for f in self.findings)

    def by_file(self) -> dict[str, list[Finding]]:
        """Findings grouped per path, paths sorted, findings by line."""
        grouped: dict[str, list[Finding]] = {}
        for finding in sorted(
            self.findings,
            key=lambda f: (f.path, f.position.line, f.position.column, f.rule_id),
        ):
            grouped.setdefault(finding.path, []).append(finding)
        return grouped

    def counts(self) -> dict[str, int]:
        """Numbers for summary lines."""
        return {
            "files_scanned": self.files_scanned,
            "sops_files": len(self.sops_files),
            "files_with_findings": len({f.path for f in self.findings}),
            "errors": sum(f.level is Level.ERROR for f in self.findings),
            "warnings": sum(f.level is Level.WARNING for f in self.findings),
            "notes": sum(f.level is Level.NOTE for f in self.findings),
        }
