"""Write pysops trees as YAML, byte for byte as Go sops (go-yaml v3) does.

Layout facts reproduced here: block style everywhere, ``indent`` spaces per
level rounded up to a multiple of ``indent`` (go-yaml's regular
indentation), sequences indented inside their parent key, a mapping inside a
sequence item starting on the dash line, comments written as ``#text`` at the
indentation of the item that follows them (or of the last item for trailing
comments), no line wrapping.
"""

from __future__ import annotations

import base64
import datetime as _dt
import re
from typing import Any

from ..errors import EmitError
from ..tree import DOTENV_LINES_TAG, Branch, Comment, Tagged, Timestamp
from ._yaml_scalar import _HINT_CHARS, format_yaml_float, needs_quotes

# Strings made only of these characters are plain in any position.
_SAFE = re.compile(
    r"[A-Za-z0-9_/=+][A-Za-z0-9_/=+.@%()-]*(?: [A-Za-z0-9_/=+.@%()-]+)*\Z"
)
# Encrypted values (base64 fields, a type word) are plain too.
_ENC_VALUE = re.compile(
    r"ENC\[AES256_GCM,data:[A-Za-z0-9+/=]*,iv:[A-Za-z0-9+/=]*,"
    r"tag:[A-Za-z0-9+/=]*,type:[a-z]+\]\Z"
)
# go-yaml's printable set (4-byte UTF-8 characters are not printable to it).
_SPECIAL = re.compile("[^\n\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd]")
_BREAKS = re.compile("[\r\n\x85\u2028\u2029]")
_FIRST_BOTH = frozenset("#,[]{}&*!|>'\"%@`")
_ESCAPES = {
    "\0": "\\0", "\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v",
    "\f": "\\f", "\r": "\\r", "\x1b": "\\e", '"': '\\"', "\\": "\\\\",
    "\x85": "\\N", "\xa0": "\\_", "\u2028": "\\L", "\u2029": "\\P",
}  # fmt: skip
_NEEDS_ESCAPE = re.compile(
    '["\\\\\r\n\x85\u2028\u2029\ufeff]|[^\n\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd]'
)

PLAIN, SINGLE, DOUBLE, LITERAL = "plain", "single", "double", "literal"


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02X}"
    if code <= 0xFFFF:
        return f"\\u{code:04X}"
    return f"\\U{code:08X}"


def _allowed(s: str) -> tuple[bool, bool, bool]:
    """(plain allowed, single quotes allowed, literal block allowed) in block context."""
    plain = single = block = True
    first = s[0]
    follow_blank = len(s) == 1 or s[1] in " \t"
    if first in _FIRST_BOTH or (first in "?:-" and follow_blank):
        plain = False
    if s.startswith(("---", "...")):
        plain = False
    if ": " in s or ":\t" in s or s.endswith(":") or " #" in s or "\t#" in s:
        plain = False
    if first in " \r\n\x85\u2028\u2029" or s[-1] in " \r\n\x85\u2028\u2029":
        plain = False
    if s[-1] == " ":
        block = False
    has_break = _BREAKS.search(s) is not None
    if has_break:
        plain = False
        if re.search("[\r\n\x85\u2028\u2029] ", s):
            single = False
        if re.search(" [\r\n\x85\u2028\u2029]", s):
            single = block = False
    if "\t" in s:
        plain = single = False
    if _SPECIAL.search(s.replace("\t", " ")):
        plain = single = block = False
    return plain, single, block


def is_plain_at_once(s: str) -> bool:
    """Whether ``s`` is plain without the full analysis (most keys and values)."""
    return (_SAFE.match(s) is not None or _ENC_VALUE.match(s) is not None) \
        and not needs_quotes(s)  # fmt: skip


def scalar_style(s: str, key: bool) -> str:
    """The style go-yaml picks for a string (``key``: in a simple-key position)."""
    if _SAFE.match(s) is not None:
        # nothing in these needs more than double quotes, if it needs quotes
        return DOUBLE if needs_quotes(s) else PLAIN
    if _ENC_VALUE.match(s) is not None:
        return PLAIN
    if not s:
        return DOUBLE
    style = LITERAL if "\n" in s else (DOUBLE if needs_quotes(s) else PLAIN)
    plain_ok, single_ok, block_ok = _allowed(s)
    if key and _BREAKS.search(s):
        style = DOUBLE
    if style == PLAIN and not plain_ok:
        style = SINGLE
    if style == SINGLE and not single_ok:
        style = DOUBLE
    if style == LITERAL and (not block_ok or key):
        style = DOUBLE
    return style


def _quoted(s: str, style: str) -> str:
    if style == SINGLE:
        return "'" + s.replace("'", "''") + "'"
    return '"' + _NEEDS_ESCAPE.sub(_escape, s) + '"'


class Emitter:
    """Serialises branches; ``indent`` is the spaces per nesting level."""

    def __init__(self, indent: int = 4, for_go: bool = False) -> None:
        if indent < 0:
            raise EmitError("YAML indentation cannot be negative")
        self.indent = indent or 4
        self.out: list[str] = []
        # keys written so far, as written (``None``: long form)
        self.key_texts: dict[str, str | None] = {}
        # an encrypted file: integers in clear must be readable by Go sops
        self.for_go = for_go

    def documents(self, branches: list[Branch]) -> str:
        for i, branch in enumerate(branches):
            if i:
                self.out.append("---\n")
            self._root(branch)
        return "".join(self.out)

    def value(self, value: Any) -> str:
        if isinstance(value, Tagged) and isinstance(value.value, (Branch, list)):
            value = value.value
        if isinstance(value, Branch):
            self._root(value)
        elif isinstance(value, list):
            if value:
                self._seq(value, 0, None)
            else:
                self.out.append("[]\n")
        else:
            self._scalar_line("", value, 0, True)
        return "".join(self.out)

    def _root(self, branch: Branch) -> None:
        if not any(not isinstance(k, Comment) for k, _ in branch):
            self._comments([k.text for k, _ in branch], 0)
            self.out.append("{}\n")
            return
        self._map(branch, 0, None)

    def _child(self, indent: int) -> int:
        step = self.indent
        return step * ((indent + step) // step)

    def _comments(self, texts: list[str], indent: int) -> None:
        pad = " " * indent
        self.out.extend(f"{pad}#{text}\n" for text in texts)

    def _map(self, branch: Branch, indent: int, first_prefix: str | None) -> None:
        """Write a non-empty mapping; ``first_prefix`` replaces the first key's indent.

        An item whose key was written before and whose value is a plain
        scalar is written at once; :meth:`_item` does the rest.
        """
        out = self.out
        key_texts = self.key_texts
        pending: list[str] = []
        pad = " " * indent
        prefix = first_prefix
        for key, value in branch:
            if key.__class__ is str and prefix is None and not pending:
                key_text = key_texts.get(key)
                if key_text is not None:
                    text = _plain_scalar_text(value)
                    if text is not None:
                        out.append(f"{pad}{key_text}: {text}\n")
                        continue
            if isinstance(key, Comment):
                pending.append(key.text)
                continue
            if pending:
                self._comments(pending, indent if prefix is None else indent - 2)
                pending = []
            lead = pad if prefix is None else prefix
            prefix = None
            self._item(lead, key, value, indent)
        if pending:
            self._comments(pending, indent)

    def _item(self, lead: str, key: Any, value: Any, indent: int) -> None:
        if not isinstance(key, str):
            raise EmitError("only string keys can be written to YAML")
        key_text = self._key(key)
        if key_text is None:
            self.out.append(f"{lead}? {self._plain_or_quoted(key)}\n")
            lead, key_text = " " * indent, ""
        if isinstance(value, Tagged) and isinstance(value.value, (Branch, list)):
            self._tagged_collection(f"{lead}{key_text}:", value, self._child(indent))
        elif isinstance(value, Branch) and any(
            not isinstance(k, Comment) for k, _ in value
        ):
            self.out.append(f"{lead}{key_text}:\n")
            self._map(value, self._child(indent), None)
        elif isinstance(value, list) and any(not isinstance(v, Comment) for v in value):
            self.out.append(f"{lead}{key_text}:\n")
            self._seq(value, self._child(indent), None)
        elif isinstance(value, (Branch, list)):
            empty = "{}" if isinstance(value, Branch) else "[]"
            texts = [k.text for k, _ in value] if isinstance(value, Branch) \
                else [v.text for v in value]  # fmt: skip
            self._comments(texts, indent)
            self.out.append(f"{lead}{key_text}: {empty}\n")
        else:
            self._scalar_line(f"{lead}{key_text}: ", value, self._child(indent), False)

    def _seq(self, items: list[Any], indent: int, first_prefix: str | None) -> None:
        out = self.out
        pending: list[str] = []
        pad = " " * indent
        prefix = first_prefix
        for item in items:
            if isinstance(item, Comment):
                pending.append(item.text)
                continue
            lead = pad if prefix is None else prefix
            if pending:
                self._comments(pending, indent if prefix is None else indent - 2)
                pending = []
            prefix = None
            text = _plain_scalar_text(item)
            if text is not None:
                out.append(f"{lead}- {text}\n")
                continue
            self._seq_item(lead, item, indent)
        if pending:
            self._comments(pending, indent)

    def _seq_item(self, lead: str, item: Any, indent: int) -> None:
        inner = indent + 2
        if isinstance(item, Tagged) and isinstance(item.value, (Branch, list)):
            self._tagged_collection(f"{lead}-", item, inner)
        elif isinstance(item, Branch) and any(
            not isinstance(k, Comment) for k, _ in item
        ):
            head: list[str] = []
            while item and isinstance(item[len(head)][0], Comment):
                head.append(item[len(head)][0].text)
            if head:
                self._comments(head, indent)
                lead = " " * indent
            self._map(Branch(item[len(head) :]), inner, lead + "- ")
        elif isinstance(item, list) and any(not isinstance(v, Comment) for v in item):
            self._seq(item, inner, lead + "- ")
        elif isinstance(item, (Branch, list)):
            self.out.append(f"{lead}- {'{}' if isinstance(item, Branch) else '[]'}\n")
        else:
            self._scalar_line(f"{lead}- ", item, inner, False)

    def _tagged_collection(self, head: str, value: Tagged, indent: int) -> None:
        """A map or sequence with an explicit tag: the tag ends the head line."""
        inner = value.value
        tag = _tag_text(value.tag)
        is_map = isinstance(inner, Branch)
        if is_map and any(not isinstance(k, Comment) for k, _ in inner):
            self.out.append(f"{head} {tag}\n")
            self._map(inner, indent, None)
        elif not is_map and any(not isinstance(v, Comment) for v in inner):
            self.out.append(f"{head} {tag}\n")
            self._seq(inner, indent, None)
        else:
            self.out.append(f"{head} {tag} {'{}' if is_map else '[]'}\n")

    def _key(self, key: str) -> str | None:
        """A key as text, or ``None`` when it needs the ``? `` long form."""
        if key in self.key_texts:
            return self.key_texts[key]
        if len(key.encode("utf-8")) > 128 or _BREAKS.search(key):
            text = None
        elif key == "<<":
            text = "!!merge <<"
        else:
            style = scalar_style(key, True)
            text = key if style == PLAIN else _quoted(key, style)
        self.key_texts[key] = text
        return text

    def _plain_or_quoted(self, s: str) -> str:
        style = scalar_style(s, False)
        if style == LITERAL:
            style = DOUBLE
        return s if style == PLAIN else _quoted(s, style)

    def _scalar_line(self, lead: str, value: Any, body_indent: int, top: bool) -> None:
        tag = ""
        if isinstance(value, Tagged):
            if value.tag != DOTENV_LINES_TAG:
                tag = _tag_text(value.tag) + " "
            value = value.value
        if isinstance(value, str) and not tag and _has_raw_bytes(value):
            self.out.append(lead + self._binary(value, body_indent))
            return
        if isinstance(value, str):
            if value == "<<":
                self.out.append(f"{lead}{tag or '!!merge '}<<\n")
                return
            style = scalar_style(value, False)
            if tag and style != PLAIN and tag[1] != "!" and "\n" not in value \
                    and value and _allowed(value)[0]:  # fmt: skip
                # a custom-tagged scalar is a string whatever it looks like
                style = PLAIN
            if style == LITERAL:
                self.out.append(lead + tag + self._literal(value, body_indent))
                return
            text = value if style == PLAIN else _quoted(value, style)
        else:
            text = _format_other(value)
            if self.for_go and value.__class__ is int and _is_uint64_only(value):
                # Go reads these as uint64, which its tree walk rejects; as a
                # float it reads them as it reads every other wide integer.
                tag, text = "!!float ", text + ".0"
        self.out.append(f"{lead}{tag}{text}\n")

    def _binary(self, s: str, indent: int) -> str:
        """Bytes that are not UTF-8, written as go-yaml writes them: ``!!binary``.

        The base64 text is cut into lines of 70 characters; when there is more
        than one line each ends with a newline, and the value becomes a block.
        """
        encoded = base64.b64encode(s.encode("utf-8", "surrogateescape")).decode("ascii")
        if len(encoded) < _BINARY_LINE:
            return f"!!binary {encoded}\n"
        lines = [
            encoded[i : i + _BINARY_LINE] for i in range(0, len(encoded), _BINARY_LINE)
        ]
        return "!!binary " + self._literal("\n".join(lines) + "\n", indent)

    def _literal(self, s: str, indent: int) -> str:
        header = "|"
        if s[0] in " \n\r\x85\u2028\u2029":
            header += str(self.indent)
        if not s.endswith("\n"):
            header += "-"
        elif s == "\n" or s.endswith("\n\n"):
            header += "+"
        pad = " " * indent
        body = "\n".join(pad + line if line else "" for line in s.split("\n"))
        if not body.endswith("\n"):
            body += "\n"
        return f"{header}\n{body}"


def _plain_scalar_text(value: Any) -> str | None:
    """The text of a scalar that needs no quotes, tag or block (else ``None``)."""
    cls = value.__class__
    if cls is str:
        if _SAFE.match(value) is None and _ENC_VALUE.match(value) is None:
            return None
        return value if value[0] not in _HINT_CHARS or not needs_quotes(value) else None
    if cls is float:
        return format_yaml_float(value)
    if cls is int:
        return str(value) if -_INT64_MAX <= value <= _INT64_MAX else None
    if cls is bool:
        return "true" if value else "false"
    if value is None:
        return "null"
    return None


_BINARY_LINE = 70


def _has_raw_bytes(s: str) -> bool:
    """Whether a string carries bytes that are not UTF-8 (kept as surrogates)."""
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _is_uint64_only(value: int) -> bool:
    return _INT64_MAX < value <= _UINT64_MAX


def _tag_text(tag: str) -> str:
    """A tag as written: local and shorthand tags as they are, URIs verbatim."""
    if tag.startswith("!"):
        return tag
    if tag.startswith(_STD_TAG_PREFIX) and _SHORT_TAG.match(tag, len(_STD_TAG_PREFIX)):
        return "!!" + tag[len(_STD_TAG_PREFIX) :]
    return f"!<{tag}>"


_STD_TAG_PREFIX = "tag:yaml.org,2002:"
_INT64_MAX = 2**63 - 1
_UINT64_MAX = 2**64 - 1
_SHORT_TAG = re.compile(r"[A-Za-z0-9-]+\Z")


def _format_other(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_yaml_float(value)
    if isinstance(value, Timestamp):
        return value.text
    if isinstance(value, _dt.datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, bytes):
        return _quoted(value.decode("utf-8", "replace"), DOUBLE)
    raise EmitError(f"cannot write a value of type {type(value).__name__} to YAML")
