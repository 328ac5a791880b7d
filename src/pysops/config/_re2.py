"""Translate Go (RE2) regular expressions of ``.sops.yaml`` into Python ``re``.

Go sops matches ``path_regex`` with Go's ``regexp`` package.  Most patterns
mean the same in both dialects; where they differ we either rewrite the
pattern so Python matches exactly what Go matches, or refuse it with a
message naming the construct:

* ``\\d \\w \\s \\b`` are ASCII-only in RE2 (Unicode in Python): rewritten.
* ``$`` without ``(?m)`` matches only at the very end in RE2 (Python also
  before a final newline): rewritten to ``\\Z``; RE2's ``\\z`` likewise.
* ``(?<name>...)`` becomes ``(?P<name>...)``; ``\\Q...\\E`` is escaped;
  ``\\x{HHHH}`` becomes the character; POSIX classes ``[[:alpha:]]`` are
  expanded; ``x{,n}`` is literal text in RE2.
* Look-around, back-references, atomic groups, possessive quantifiers,
  ``\\p{...}`` classes and the ``U`` flag exist in only one dialect: refused.
"""

from __future__ import annotations

import re

_POSIX_CLASSES = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7f",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}
_PERL_CLASSES = {"d": "0-9", "w": "0-9A-Za-z_", "s": "\\t\\n\\f\\r "}
_WORD = "[0-9A-Za-z_]"
_WORD_BOUNDARY = f"(?:(?<={_WORD})(?!{_WORD})|(?<!{_WORD})(?={_WORD}))"
_NOT_WORD_BOUNDARY = f"(?:(?<={_WORD})(?={_WORD})|(?<!{_WORD})(?!{_WORD}))"
_SIMPLE_ESCAPES = set("afnrtv.\\+*?()|[]{}^$-/#&~ \"',:;<=>@`!%_")
_REPEAT = re.compile(r"\{(\d+)(,(\d*))?\}")
_FLAGS = set("imsU")


class UnsupportedPattern(ValueError):
    """The pattern uses syntax RE2 rejects or Python cannot express the same way."""


def translate(pattern: str) -> str:
    """The Python ``re`` pattern matching the same strings as RE2 ``pattern``.

    Raises UnsupportedPattern with a sentence naming the construct.
    """
    return _Translator(pattern).run()


class _Translator:
    def __init__(self, pattern: str) -> None:
        self.src = pattern
        self.pos = 0
        self.out: list[str] = []
        # per open group: the "(?flags:" groups opened for inline flags
        self.groups: list[list[str]] = [[]]
        self.multiline = [False]

    def run(self) -> str:
        while self.pos < len(self.src):
            char = self.src[self.pos]
            if char == "\\":
                self._escape()
            elif char == "[":
                self._char_class()
            elif char == "(":
                self._open_group()
            elif char == ")":
                self._close_group()
            elif char == "|":
                # an alternative ends the scope of inline flags; reopen them after
                inline = self.groups[-1]
                self.out.append(")" * len(inline) + "|" + "".join(inline))
                self.pos += 1
            elif char == "$":
                self.out.append("$" if self.multiline[-1] else r"\Z")
                self.pos += 1
            elif char == "{":
                self._brace()
            elif char in "*+?":
                self._quantifier_suffix(char)
            else:
                self.out.append(char)
                self.pos += 1
        self.out.append(")" * len(self.groups[-1]))
        return "".join(self.out)

    def _fail(self, what: str, *, valid_in_go: bool = False) -> UnsupportedPattern:
        where = f"at offset {self.pos}"
        if valid_in_go:
            return UnsupportedPattern(
                f"{what} ({where}) has no exact Python equivalent"
            )
        return UnsupportedPattern(
            f"{what} ({where}) is not valid in Go regular expressions"
        )

    def _quantifier_suffix(self, char: str) -> None:
        self.out.append(char)
        self.pos += 1
        if self.pos < len(self.src) and self.src[self.pos] == "+":
            raise self._fail("a possessive quantifier")
        if self.pos < len(self.src) and self.src[self.pos] == "?":
            self.out.append("?")
            self.pos += 1

    def _brace(self) -> None:
        match = _REPEAT.match(self.src, self.pos)
        if match is None:
            # RE2 reads a brace that starts no repetition as a literal
            self.out.append(r"\{")
            self.pos += 1
            return
        low, high = int(match.group(1)), match.group(3)
        if low > 1000 or (high and int(high) > 1000):
            raise self._fail("a repetition count above 1000")
        self.out.append(match.group(0))
        self.pos = match.end()
        if self.pos < len(self.src) and self.src[self.pos] == "+":
            raise self._fail("a possessive quantifier")
        if self.pos < len(self.src) and self.src[self.pos] == "?":
            self.out.append("?")
            self.pos += 1

    def _escape(self) -> None:
        if self.pos + 1 >= len(self.src):
            raise self._fail("a trailing backslash")
        char = self.src[self.pos + 1]
        self.pos += 2
        if char in _PERL_CLASSES:
            self.out.append(f"[{_PERL_CLASSES[char]}]")
        elif char.lower() in _PERL_CLASSES:
            self.out.append(f"[^{_PERL_CLASSES[char.lower()]}]")
        elif char == "b":
            self.out.append(_WORD_BOUNDARY)
        elif char == "B":
            self.out.append(_NOT_WORD_BOUNDARY)
        elif char == "A":
            self.out.append(r"\A")
        elif char == "z":
            self.out.append(r"\Z")
        elif char == "Q":
            self._quoted()
        elif char == "x":
            self.out.append(re.escape(self._hex_char()))
        elif char in "01234567":
            self.out.append(re.escape(self._octal(char)))
        elif char in _SIMPLE_ESCAPES:
            self.out.append("\\" + char)
        elif char in "pP":
            raise self._fail("a Unicode class \\p", valid_in_go=True)
        elif char.isdigit():
            raise self._fail("a back-reference")
        else:
            raise self._fail(f"the escape \\{char}")

    def _octal(self, first: str) -> str:
        if first != "0" and not (
            self.pos < len(self.src) and self.src[self.pos] in "01234567"
        ):
            raise self._fail("a back-reference")
        digits = first
        while (
            len(digits) < 3
            and self.pos < len(self.src)
            and self.src[self.pos] in "01234567"
        ):
            digits += self.src[self.pos]
            self.pos += 1
        return chr(int(digits, 8))

    def _hex_char(self) -> str:
        if self.src.startswith("{", self.pos):
            end = self.src.find("}", self.pos)
            digits = self.src[self.pos + 1 : end] if end > 0 else ""
            self.pos = end + 1 if end > 0 else len(self.src)
        else:
            digits = self.src[self.pos : self.pos + 2]
            self.pos += 2
        try:
            code = int(digits, 16)
            if len(digits) == 0 or code > 0x10FFFF:
                raise ValueError(digits)
        except ValueError:
            raise self._fail("a malformed \\x escape") from None
        return chr(code)

    def _quoted(self) -> None:
        end = self.src.find(r"\E", self.pos)
        end = len(self.src) if end < 0 else end
        self.out.append(re.escape(self.src[self.pos : end]))
        self.pos = end + 2

    def _char_class(self) -> None:
        out = ["["]
        self.pos += 1
        if self.src.startswith("^", self.pos):
            out.append("^")
            self.pos += 1
        first = True
        while True:
            if self.pos >= len(self.src):
                raise self._fail("an unterminated character class")
            char = self.src[self.pos]
            if char == "]" and not first:
                self.pos += 1
                break
            first = False
            if self.src.startswith("[:", self.pos):
                end = self.src.find(":]", self.pos + 2)
                name = self.src[self.pos + 2 : end] if end > 0 else ""
                if name.startswith("^"):
                    raise self._fail("a negated POSIX class", valid_in_go=True)
                if name not in _POSIX_CLASSES:
                    raise self._fail("an unknown POSIX class")
                out.append(_POSIX_CLASSES[name])
                self.pos = end + 2
            elif char == "\\":
                out.append(self._class_escape())
            elif char == "[":
                out.append(r"\[")
                self.pos += 1
            elif char == "]":
                out.append(r"\]")
                self.pos += 1
            else:
                out.append(re.escape(char) if char in "&~|" else char)
                self.pos += 1
        out.append("]")
        self.out.append("".join(out))

    def _class_escape(self) -> str:
        if self.pos + 1 >= len(self.src):
            raise self._fail("a trailing backslash")
        char = self.src[self.pos + 1]
        self.pos += 2
        if char in _PERL_CLASSES:
            return _PERL_CLASSES[char]
        if char.lower() in _PERL_CLASSES:
            raise self._fail("a negated class escape inside brackets", valid_in_go=True)
        if char == "x":
            return re.escape(self._hex_char())
        if char in "01234567":
            return re.escape(self._octal(char))
        if char in _SIMPLE_ESCAPES:
            return "\\" + char
        if char in "pP":
            raise self._fail("a Unicode class \\p", valid_in_go=True)
        raise self._fail(f"the escape \\{char}")

    def _open_group(self) -> None:
        rest = self.src[self.pos :]
        if not rest.startswith("(?"):
            self._push_group("(", 1)
            return
        if rest.startswith(("(?=", "(?!", "(?<=", "(?<!")):
            raise self._fail("look-around")
        if rest.startswith("(?>"):
            raise self._fail("an atomic group")
        if rest.startswith("(?P=") or rest.startswith("(?#"):
            raise self._fail("this group syntax")
        named = re.match(r"\(\?P?<([A-Za-z0-9_]+)>", rest)
        if named:
            self._push_group(f"(?P<{named.group(1)}>", named.end())
            return
        flags = re.match(r"\(\?([A-Za-z]*)(?:-([A-Za-z]*))?([:)])", rest)
        if not flags:
            raise self._fail("this group syntax")
        on, off, end = flags.group(1), flags.group(2) or "", flags.group(3)
        if set(on + off) - _FLAGS:
            raise self._fail(f"the flag set {on}-{off}".rstrip("-"))
        if "U" in on + off:
            raise self._fail("the ungreedy flag U", valid_in_go=True)
        spec = on + (f"-{off}" if off else "")
        multiline = ("m" in on) or (self.multiline[-1] and "m" not in off)
        if end == ":":
            self._push_group(f"(?{spec}:", flags.end(), multiline)
            return
        # "(?i)" in RE2 applies to the rest of the enclosing group; Python
        # only allows global flags at the start, so open a scoped group.
        opened = f"(?{spec}:" if spec else "(?:"
        self.out.append(opened)
        self.groups[-1].append(opened)
        self.multiline[-1] = multiline
        self.pos += flags.end()

    def _push_group(
        self, text: str, length: int, multiline: bool | None = None
    ) -> None:
        self.out.append(text)
        self.groups.append([])
        self.multiline.append(self.multiline[-1] if multiline is None else multiline)
        self.pos += length

    def _close_group(self) -> None:
        if len(self.groups) == 1:
            raise self._fail("an unmatched ')'")
        self.out.append(")" * len(self.groups.pop()) + ")")
        self.multiline.pop()
        self.pos += 1
