"""The INI store: sections of ``key = value`` lines, read and written like go-ini.

Go sops uses go-ini v1.67 with default options; this module reproduces its
reading (key delimiters ``=`` and ``:``, quote stripping, backtick and triple
quote values, ``\\`` continuation lines, ``-`` auto-numbered keys) and its
writing (``=`` aligned per section, a blank line between sections, quoting of
values that need it).  Keys before the first header form the section
``DEFAULT``, always present in the tree and written back without a header.

A comment line above a section header becomes the section's comment (the
first item of its branch); one above a key becomes the key's comment (the
item after the key).  pysops difference: only whole lines are comments, so
``#`` and ``;`` inside a value are part of the value (``password = left#right``);
go-ini would cut them off as an inline comment.

Values are written so that pysops reads them back unchanged.  In an encrypted
file (where values in clear are read by Go sops too) a value is quoted as
go-ini quotes it (backticks around ``#`` and ``;``).  A plaintext file (the
output of ``decrypt``) is meant for INI readers at large, which mostly take
``#`` and ``;`` inside a value literally (Python's configparser does): such a
value is written bare and only quoted when pysops could not read it back
otherwise (surrounding spaces or quotes, a final ``\\``, a newline...).
Where go-ini's own quoting would not read back (``" a"b "``), a form that
does is used instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import EmitError, MetadataNotFound, StoreError
from ..tree import METADATA_KEY, Branch, Comment
from .flatten import flatten_metadata, scalar_to_text, unflatten_metadata
from .interface import Store
from .json import dumps

DEFAULT_SECTION = "DEFAULT"

# Go's unicode.IsSpace, which go-ini trims with.
_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(
    map(chr, range(0x2000, 0x200B))
)
_DELIMITERS = "=:"


@dataclass
class _Key:
    value: str
    comment: str = ""


@dataclass
class _Section:
    name: str
    comment: str = ""
    keys: dict[str, _Key] = field(default_factory=dict)

    def set(self, name: str, value: str) -> _Key:
        # A repeated key keeps its first position and takes the new value.
        key = self.keys.get(name)
        if key is None:
            key = self.keys[name] = _Key(value)
        else:
            key.value = value
        return key


class IniStore(Store):
    """INI files; see :class:`~pysops.stores.interface.Store`.

    Only two levels exist: sections holding string values.
    """

    name = "ini"

    def load_plain(self, data: bytes) -> list[Branch]:
        return [_to_branch(_Parser(data).parse())]

    def load_encrypted(self, data: bytes) -> tuple[list[Branch], dict[str, Any]]:
        sections = _Parser(data).parse()
        holder = next((s for s in sections if s.name == METADATA_KEY), None)
        if holder is None:
            raise MetadataNotFound()
        flat = {
            name: key.value.replace("\\n", "\n") for name, key in holder.keys.items()
        }
        rest = [s for s in sections if s.name != METADATA_KEY]
        return [_to_branch(rest)], unflatten_metadata(flat)

    def emit_plain(self, branches: list[Branch]) -> bytes:
        return _write(_from_branches(branches), for_go=False)

    def emit_encrypted(self, branches: list[Branch], metadata: Branch) -> bytes:
        sections = _from_branches(branches)
        holder = _Section(METADATA_KEY)
        for name, text in flatten_metadata(metadata):
            holder.set(name, text.replace("\n", "\\n"))
        sections.append(holder)
        return _write(sections)

    def emit_value(self, value: Any) -> bytes:
        return dumps(value, None)


def _trim(text: str) -> str:
    return text.strip(_SPACE)


def _strip_comment_mark(comment: str) -> str:
    if comment.startswith(";"):
        return comment.lstrip("; ")
    if comment.startswith("#"):
        return comment.lstrip("# ")
    return comment


def _to_branch(sections: list[_Section]) -> Branch:
    branch = Branch()
    for section in sections:
        items = Branch()
        if section.comment:
            items.append((Comment(_strip_comment_mark(section.comment)), None))
        for name, key in section.keys.items():
            items.append((name, key.value))
            if key.comment:
                items.append((Comment(_strip_comment_mark(key.comment)), None))
        branch.append((section.name, items))
    return branch


def _from_branches(branches: list[Branch]) -> list[_Section]:
    sections: list[_Section] = []
    for branch in branches:
        for name, value in branch:
            if isinstance(name, Comment):
                continue
            if not name:
                raise EmitError("an INI section name cannot be empty")
            if not isinstance(value, Branch):
                raise EmitError(f"the INI value of {name!r} must be a section (a map)")
            sections.append(_section_from_branch(name, value))
    return sections


def _section_from_branch(name: str, branch: Branch) -> _Section:
    section = _Section(name)
    items = list(branch)
    if items and isinstance(items[0][0], Comment):
        section.comment = items[0][0].text
        items = items[1:]
    last: _Key | None = None
    for key, value in items:
        if isinstance(key, Comment):
            if last is not None:
                last.comment = key.text
            continue
        if not key:
            raise EmitError(f"an INI key name in section {name!r} is empty")
        if isinstance(value, list):
            raise EmitError(
                f"cannot write the nested value of {key!r} in section {name!r} as INI"
            )
        last = section.set(key, scalar_to_text(value))
    return section


def _byte_length(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text.encode("utf-8", "surrogateescape"))


def _comment_lines(comment: str, trim_plain: bool) -> list[str]:
    lines = []
    for line in comment.split("\n"):
        if line[:1] in ("#", ";") and line:
            lines.append(line[0] + " " + _trim(line[1:]) + "\n")
        else:
            lines.append("; " + (_trim(line) if trim_plain else line) + "\n")
    return lines


def _quoted_key(name: str) -> str:
    # NOTE: go-ini writes a key starting with "#" or ";" (such as the "#1" it
    # makes of a "-" key) bare, and then reads that line back as a comment, so
    # Go sops loses the value; quoting keeps it, and go-ini reads it as a key.
    if '"' in name or any(d in name for d in _DELIMITERS) or name[:1] in ("#", ";"):
        return "`" + name + "`"
    if "`" in name:
        return '"""' + name + '"""'
    return name


def _go_quoted_value(value: str) -> str:
    """The form go-ini's writer gives a value."""
    if "\n" in value or "`" in value:
        return '"""' + value + '"""'
    if "#" in value or ";" in value:
        return "`" + value + "`"
    if len(_trim(value)) != len(value):
        return '"' + value + '"'
    return value


def _reads_back_bare(value: str) -> bool:
    """Whether ``key = value`` reads back as ``value`` (inline ``#``/``;`` kept)."""
    if not value:
        return True
    if value[0] in _SPACE or value[-1] in _SPACE or "\n" in value:
        return False
    if value[0] == "`" or value[-1] == "\\" or value.startswith('"""'):
        return False
    return not (_surrounded_by(value, "'") or _surrounded_by(value, '"'))


def _reads_back_quoted(quoted: str, value: str) -> bool:
    try:
        sections = _Parser(("k = " + quoted).encode("utf-8", "surrogateescape")).parse()
    except StoreError:
        return False
    key = sections[0].keys.get("k")
    return key is not None and key.value == value and len(sections) == 1


def _quoted_value(value: str, for_go: bool) -> str:
    """The text of a value that pysops reads back unchanged.

    ``for_go``: prefer go-ini's own quoting (``#`` and ``;`` in backticks),
    otherwise write the value bare wherever that reads back.
    """
    if not for_go and _reads_back_bare(value):
        return value
    quoted = _go_quoted_value(value)
    if quoted is value:
        if _reads_back_bare(value):
            return value
        quoted = "`" + value + "`"
    if _reads_back_quoted(quoted, value):
        return quoted
    for candidate in ("`" + value + "`", '"""' + value + '"""'):
        if _reads_back_quoted(candidate, value):
            return candidate
    raise EmitError("an INI value cannot be written so that it reads back unchanged")


def _write(sections: list[_Section], for_go: bool = True) -> bytes:
    out: list[str] = []
    last = len(sections) - 1
    for index, section in enumerate(sections):
        if section.comment:
            out.extend(_comment_lines(section.comment, trim_plain=False))
        if index > 0 or section.name.upper() != DEFAULT_SECTION:
            out.append("[" + section.name + "]\n")
        elif not section.keys:
            continue
        names = {name: _quoted_key(name) for name in section.keys}
        width = max((_byte_length(q) for q in names.values()), default=0)
        for name, key in section.keys.items():
            if key.comment:
                out.extend(_comment_lines(key.comment, trim_plain=True))
            quoted = names[name]
            padding = " " * (width - _byte_length(quoted))
            text = _quoted_value(key.value, for_go)
            out.append(quoted + padding + " = " + text + "\n")
        if index != last:
            out.append("\n")
    return "".join(out).encode("utf-8", "surrogateescape")


class _Parser:
    """Reads INI text line by line the way go-ini v1.67 does."""

    def __init__(self, data: bytes) -> None:
        if data[:3] == b"\xef\xbb\xbf":
            data = data[3:]
        elif data[:2] in (b"\xfe\xff", b"\xff\xfe"):
            data = data[2:]
        pieces = data.decode("utf-8", "surrogateescape").split("\n")
        self.lines = [p + "\n" for p in pieces[:-1]] + [pieces[-1]]
        self.next = 0
        self.comment: list[str] = []

    def error(self, message: str) -> StoreError:
        return StoreError(f"invalid INI line {self.next}: {message}", line=self.next)

    def read_line(self) -> str | None:
        if self.next >= len(self.lines):
            return None
        self.next += 1
        return self.lines[self.next - 1]

    def take_comment(self) -> str:
        text = _trim("".join(self.comment))
        self.comment.clear()
        return text

    def parse(self) -> list[_Section]:
        section = _Section(DEFAULT_SECTION)
        sections = [section]
        counter = 1
        while (raw := self.read_line()) is not None:
            line = raw.lstrip(_SPACE)
            if not line:
                continue
            if line[0] in "#;":
                self.comment.append(line)
                continue
            if line[0] == "[":
                section = self.parse_header(line)
                sections.append(section)
                counter = 1
                continue
            name, offset = self.parse_key_name(line)
            if name == "-":
                name = f"#{counter}"
                counter += 1
            value = self.parse_value(line[offset:])
            if not name:
                raise self.error("empty key name")
            section.set(name, value).comment = self.take_comment()
        return sections

    def parse_header(self, line: str) -> _Section:
        close = line.rfind("]")
        if close == -1:
            raise self.error("unclosed section header")
        name = line[1:close]
        if not name:
            raise self.error("empty section name")
        inline = _from_comment_mark(line[close + 1 :])
        if inline:
            self.comment.append(inline)
        return _Section(name, comment=self.take_comment())

    def parse_key_name(self, line: str) -> tuple[str, int]:
        quote = ""
        if line[0] == '"':
            quote = '"""' if len(line) > 6 and line.startswith('"""') else '"'
        elif line[0] == "`":
            quote = "`"
        if quote:
            start = len(quote)
            close = line.find(quote, start)
            if close == -1:
                raise self.error("missing closing quote of the key name")
            found = _index_any(line, _DELIMITERS, close + start)
            if found == -1:
                raise self.error("no key-value delimiter ('=' or ':') found")
            return _trim(line[start:close]), found + 1
        found = _index_any(line, _DELIMITERS, 0)
        if found == -1:
            raise self.error("no key-value delimiter ('=' or ':') found")
        if found == 0:
            raise self.error("empty key name")
        return _trim(line[:found]), found + 1

    def parse_value(self, text: str) -> str:
        line = text.lstrip(_SPACE)
        if not line:
            return ""
        quote = ""
        if len(line) > 3 and line.startswith('"""'):
            quote = '"""'
        elif line[0] == "`":
            quote = "`"
        if quote:
            start = len(quote)
            close = line.rfind(quote, start)
            if close == -1:
                return self.parse_multiline(line[start:], quote)
            return line[start:close]

        line = _trim(line)
        if line[-1] == "\\":
            return self.parse_continuation(line[:-1])
        # NOTE: go-ini cuts an inline comment here; pysops keeps '#' and ';'.
        if _surrounded_by(line, "'") or _surrounded_by(line, '"'):
            line = line[1:-1]
        return line

    def parse_multiline(self, value: str, quote: str) -> str:
        while True:
            following = self.read_line()
            if following is None:
                raise self.error("missing closing quote of a multi-line value")
            close = following.rfind(quote)
            if close != -1:
                inline = _from_comment_mark(following[close:])
                if inline:
                    self.comment.append(_trim(inline))
                return value + following[:close]
            value += following
            if self.next == len(self.lines):
                raise self.error("missing closing quote of a multi-line value")

    def parse_continuation(self, value: str) -> str:
        while (following := self.read_line()) is not None:
            piece = _trim(following)
            if not piece:
                break
            value += piece
            if value[-1] != "\\":
                break
            value = value[:-1]
        return value


def _index_any(text: str, chars: str, start: int) -> int:
    found = [i for i in (text.find(c, start) for c in chars) if i != -1]
    return min(found) if found else -1


def _from_comment_mark(text: str) -> str:
    found = _index_any(text, "#;", 0)
    return text[found:] if found != -1 else ""


def _surrounded_by(text: str, quote: str) -> bool:
    return (
        len(text) >= 2
        and text[0] == quote
        and text[-1] == quote
        and text.find(quote, 1) == len(text) - 1
    )
