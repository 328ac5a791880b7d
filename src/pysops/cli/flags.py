"""Command-line flags in Go sops' syntax.

Go sops parses flags the Go way: ``-flag`` and ``--flag`` are the same,
values come as ``--flag value`` or ``--flag=value``, booleans may be written
``--flag=false``, and parsing stops at the first positional argument (or
``--``).  Scripts depend on each of these forms, so this small parser keeps
them exactly instead of bending a POSIX-style parser.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from enum import Enum
from typing import NamedTuple, cast

from ..errors import SopsError
from ..exitcodes import GENERIC


class Kind(Enum):
    BOOL = "bool"
    VALUE = "value"
    LIST = "list"  # may be repeated; every occurrence is kept


class Flag(NamedTuple):
    """One flag: its names (long first), kind, help line and help grouping.

    A named tuple rather than a dataclass: ``--help`` then never imports
    :mod:`dataclasses` (and :mod:`inspect` behind it).
    """

    names: tuple[str, ...]
    kind: Kind
    help: str
    metavar: str = ""
    group: str = "options"
    env: str = ""

    @property
    def dest(self) -> str:
        return self.names[0].replace("-", "_")


class FlagError(SopsError):
    """A flag is unknown, lacks its value, or has a malformed one."""

    exit_code = GENERIC


class Parsed:
    """Flag values by destination name, and the positional arguments."""

    __slots__ = ("values", "positionals")

    def __init__(
        self,
        values: dict[str, object] | None = None,
        positionals: list[str] | None = None,
    ) -> None:
        self.values = {} if values is None else values
        self.positionals = [] if positionals is None else positionals

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Parsed)
            and other.values == self.values
            and other.positionals == self.positionals
        )

    def __repr__(self) -> str:
        return f"Parsed(values={self.values!r}, positionals={self.positionals!r})"

    def get(self, name: str, default: object = None) -> object:
        return self.values.get(name, default)

    def str(self, name: str) -> str | None:
        value = self.values.get(name)
        return value if isinstance(value, str) else None

    def bool(self, name: builtins.str, default: builtins.bool = False) -> builtins.bool:
        value = self.values.get(name)
        return default if value is None else bool(value)

    def list(self, name: builtins.str) -> builtins.list[builtins.str]:
        value = self.values.get(name)
        return list(value) if isinstance(value, list) else []


_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}


def parse(
    argv: list[str], flags: list[Flag], *, stop_at_positional: bool = True
) -> Parsed:
    """Parse ``argv`` against ``flags``; the rest after the first positional is kept."""
    table = {name: flag for flag in flags for name in flag.names}
    out = Parsed()
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            out.positionals.extend(argv[i + 1 :])
            break
        if not arg.startswith("-") or arg == "-":
            if stop_at_positional:
                out.positionals.extend(argv[i:])
                break
            out.positionals.append(arg)
            i += 1
            continue
        name, eq, inline = arg.lstrip("-").partition("=")
        flag = table.get(name)
        if flag is None or (arg.startswith("---")):
            raise FlagError(f"flag provided but not defined: {arg.split('=')[0]}")
        if flag.kind is Kind.BOOL:
            if eq:
                if inline not in _TRUE and inline not in _FALSE:
                    raise FlagError(
                        f"invalid boolean value {inline!r} for flag -{name}"
                    )
                out.values[flag.dest] = inline in _TRUE
            else:
                out.values[flag.dest] = True
            i += 1
            continue
        if eq:
            value = inline
            i += 1
        else:
            if i + 1 >= len(argv):
                raise FlagError(f"flag needs an argument: -{name}")
            value = argv[i + 1]
            i += 2
        if flag.kind is Kind.LIST:
            items = out.values.setdefault(flag.dest, [])
            cast("list[str]", items).append(value)
        else:
            out.values[flag.dest] = value
    return out


def render_help(
    usage: str, summary: str, flags: list[Flag], examples: Sequence[str] = ()
) -> str:
    """Help text: usage, summary, flags by group, examples."""
    lines = [f"usage: {usage}", "", summary]
    groups: dict[str, list[Flag]] = {}
    for flag in flags:
        groups.setdefault(flag.group, []).append(flag)
    for group, members in groups.items():
        lines += ["", f"{group}:"]
        for flag in members:
            names = ", ".join(("-" if len(n) == 1 else "--") + n for n in flag.names)
            if flag.kind is not Kind.BOOL:
                names += f" {flag.metavar or 'VALUE'}"
            text = flag.help + (f" [${flag.env}]" if flag.env else "")
            lines.append(
                f"  {names:<38} {text}"
                if len(names) < 38
                else f"  {names}\n  {'':<38} {text}"
            )
    if examples:
        lines += ["", "examples:"] + [f"  {e}" for e in examples]
    return "\n".join(lines) + "\n"
