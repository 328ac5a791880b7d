"""Which values get encrypted: the suffix and regex rules of a file."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from .errors import UsageError

DEFAULT_UNENCRYPTED_SUFFIX = "_unencrypted"


@dataclass(frozen=True)
class EncryptionRules:
    """At most one of the six rules is set; none means the default suffix.

    Regexes follow Go's ``regexp.Match``: searched anywhere in a key or comment.
    """

    unencrypted_suffix: str = ""
    encrypted_suffix: str = ""
    unencrypted_regex: str = ""
    encrypted_regex: str = ""
    unencrypted_comment_regex: str = ""
    encrypted_comment_regex: str = ""

    def __post_init__(self) -> None:
        active = [f.name for f in fields(self) if getattr(self, f.name)]
        if len(active) > 1:
            raise UsageError(
                "only one of "
                + ", ".join(f"--{n.replace('_', '-')}" for n in active)
                + " may be set"
            )

    @classmethod
    def from_mapping(cls, values: dict[str, object]) -> EncryptionRules:
        return cls(**{f.name: str(values.get(f.name) or "") for f in fields(cls)})

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))

    def with_default(self) -> EncryptionRules:
        """The rules in force: the default suffix when nothing is set."""
        return EncryptionRules(DEFAULT_UNENCRYPTED_SUFFIX) if self.is_empty() else self

    def items(self) -> list[tuple[str, str]]:
        """The set rule as ``(metadata field, value)`` pairs, in Go's field order."""
        return [
            (f.name, getattr(self, f.name))
            for f in fields(self)
            if getattr(self, f.name)
        ]


def compile_go_regex(pattern: str) -> re.Pattern[str]:
    """Compile a Go RE2 pattern with Python's ``re`` (the common subset)."""
    translated = pattern.replace(r"\z", r"\Z").replace("(?P<", "(?P<")
    try:
        return re.compile(translated)
    except re.error as err:
        raise UsageError(f"invalid regular expression {pattern!r}: {err}") from None
