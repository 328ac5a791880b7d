"""Check the data part of a SOPS file: values that Go sops would refuse to decrypt.

Go sops walks every leaf of the tree and, where the file's encryption rule
(``unencrypted_suffix`` and friends, stored in the metadata) says the leaf
is encrypted, parses it as ``ENC[AES256_GCM,...]``.  A leaf left in clear
there makes ``sops decrypt`` fail (exit 25, or a crash for numbers and
booleans), and usually means a secret was committed in clear.  Empty strings
and nulls are never encrypted, so they pass.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import yaml

from .model import MetadataProblem, Position, SopsMetadata

log = logging.getLogger(__name__)

# The position may be computed lazily: only findings need it.
Leaf = tuple[Sequence[str], object, "Position | Callable[[], Position]"]

# Go's parser (aes/cipher.go) plus the value types it knows how to restore.
_ENC_VALUE = re.compile(
    r"^ENC\[AES256_GCM,data:.+,iv:.+,tag:.+,"
    r"type:(?:str|int|float|bool|time|comment|bytes)\]"
)
_COMMENT_SELECTORS = frozenset({"unencrypted_comment_regex", "encrypted_comment_regex"})
# YAML 1.2 plain scalars that go-yaml resolves to a non-string mapping key.
_NON_STRING_KEY = re.compile(
    r"^(?:[-+]?[0-9]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|true|True|TRUE|false|False|FALSE|null|Null|NULL|~)$"
)
_CLEAR_FIX = (
    "re-encrypt the value with sops (`sops set` or `sops edit`) and rotate the "
    "secret, it was committed in clear"
)


def is_encrypted(value: object) -> bool:
    """True when ``value`` is an ``ENC[...]`` string Go sops can parse."""
    return isinstance(value, str) and _ENC_VALUE.match(value) is not None


def encryption_rule(meta: SopsMetadata) -> Callable[[Sequence[str]], bool] | None:
    """A predicate telling whether the value at a key path must be encrypted.

    None when the file's rule cannot be judged without its comments (comment
    regexes) or is ambiguous, so no value is checked.
    """
    if meta.selector is None:
        return None
    name, pattern = meta.selector
    if name in _COMMENT_SELECTORS:
        # TODO: comment regexes need the comments above each value, which the
        # YAML parser we use drops; such files are not checked for clear values.
        return None
    if name.endswith("_suffix"):
        suffix = pattern
        hit: Callable[[str], bool] = lambda key: key.endswith(suffix)  # noqa: E731
    else:
        try:
            compiled = re.compile(pattern)
        except re.error:
            log.debug(
                "encryption regex %r is not valid in Python: not checked", pattern
            )
            return None
        hit = lambda key: compiled.search(key) is not None  # noqa: E731

    if name.startswith("unencrypted"):
        return lambda path: not any(hit(key) for key in path)
    return lambda path: any(hit(key) for key in path)


def check_leaves(meta: SopsMetadata, leaves: Iterable[Leaf]) -> None:
    """Add a problem to ``meta`` for each leaf left in clear where it must not be.

    Nothing is added when the document has a syntax problem: Go stops there,
    and values read past a syntax error are not what sops would read.
    """
    must_encrypt = encryption_rule(meta)
    if must_encrypt is None:
        return
    clear = [leaf for leaf in leaves if not _is_quiet(leaf[1])]
    if any(p.rule_id == "syntax" for p in meta.problems):
        return
    rule = f"{meta.selector[0]} {meta.selector[1]!r}" if meta.selector else ""
    for path, _value, position in clear:
        if not must_encrypt(path):
            continue
        shown = ".".join(path) or "(top level)"
        meta.problems.append(
            MetadataProblem(
                f"the value of {shown} is not encrypted, but the file's rule "
                f"({rule}) says it must be",
                position if isinstance(position, Position) else position(),
                rule_id="cleartext-value",
                fix=_CLEAR_FIX,
            )
        )


def _is_quiet(value: object) -> bool:
    # Nulls and empty strings are never encrypted by sops.
    return value is None or value == "" or is_encrypted(value)


def syntax_problem(kind: str, reason: str, position: Position) -> MetadataProblem:
    """A document Go sops cannot parse at all."""
    return MetadataProblem(
        f"the file is not valid {kind}: {reason}",
        position,
        rule_id="syntax",
        fix="fix the syntax at this line (compare with the last good version in "
        "version control)",
    )


# --- YAML -----------------------------------------------------------------


def yaml_leaves(documents: Sequence[yaml.Node], meta: SopsMetadata) -> Iterator[Leaf]:
    """Every leaf of every document, the ``sops`` keys left out.

    Also reports what go-yaml or sops reject in the structure: a document
    that is not a mapping, a duplicate top-level key, a non-string key.
    """
    for number, document in enumerate(documents):
        if isinstance(document, yaml.ScalarNode) and document.tag.endswith(":null"):
            continue
        if not isinstance(document, yaml.MappingNode):
            meta.problems.append(
                syntax_problem(
                    "SOPS YAML",
                    "a document is not a mapping",
                    _mark(document),
                )
            )
            continue
        seen: set[str] = set()
        for key_node, value_node in document.value:
            key = str(key_node.value)
            if key == "sops":
                continue
            if number == 0 and key in seen:
                meta.problems.append(
                    syntax_problem(
                        "SOPS YAML", f"duplicate key {key!r}", _mark(key_node)
                    )
                )
            seen.add(key)
            _check_key(key_node, meta)
            yield from _yaml_walk(value_node, (key,), meta)


def _yaml_walk(
    node: yaml.Node, path: tuple[str, ...], meta: SopsMetadata
) -> Iterator[Leaf]:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            _check_key(key_node, meta)
            yield from _yaml_walk(value_node, (*path, str(key_node.value)), meta)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _yaml_walk(item, path, meta)
    elif node.tag.endswith(":null"):
        return
    elif node.tag.endswith(":str"):
        yield path, node.value, _mark(node)
    else:
        # A number, boolean or timestamp: never an ENC[...] string.
        yield path, node, _mark(node)


def _check_key(key_node: yaml.Node, meta: SopsMetadata) -> None:
    if isinstance(key_node, yaml.ScalarNode) and (
        key_node.style or not _NON_STRING_KEY.match(key_node.value)
    ):
        return
    meta.problems.append(
        syntax_problem(
            "SOPS YAML",
            "a mapping key is not a string (sops supports string keys only)",
            _mark(key_node),
        )
    )


def _mark(node: yaml.Node) -> Position:
    mark = node.start_mark
    return Position(mark.line + 1, mark.column + 1)


# --- JSON -------------------------------------------------------------------


class JsonObject(dict):  # type: ignore[type-arg]
    """A JSON object that also keeps its members in order, duplicates included."""

    pairs: list[tuple[str, Any]]


def json_object(pairs: list[tuple[str, Any]]) -> JsonObject:
    """``object_pairs_hook`` for :func:`json.loads` (Go keeps duplicate members)."""
    obj = JsonObject(pairs)
    obj.pairs = pairs
    return obj


def json_leaves(document: JsonObject, text: str) -> Iterator[Leaf]:
    """Every leaf of a JSON document, the ``sops`` member left out."""
    for key, value in document.pairs:
        if key != "sops":
            yield from _json_walk(value, (key,), text)


def _json_walk(value: object, path: tuple[str, ...], text: str) -> Iterator[Leaf]:
    if isinstance(value, JsonObject):
        for key, child in value.pairs:
            yield from _json_walk(child, (*path, key), text)
    elif isinstance(value, list):
        for item in value:
            yield from _json_walk(item, path, text)
    elif value is not None and not is_encrypted(value):
        yield path, value, lambda: _json_position(text, path)


def _json_position(text: str, path: Sequence[str]) -> Position:
    # Only called for findings: follow the keys of the path through the text.
    import json

    offset = 0
    for key in path:
        found = re.compile(re.escape(json.dumps(key)) + r"\s*:").search(text, offset)
        if found is None:
            break
        offset = found.start()
    line = text.count("\n", 0, offset) + 1
    return Position(line, offset - (text.rfind("\n", 0, offset) + 1) + 1)


# --- dotenv and INI -----------------------------------------------------------


def dotenv_leaves(lines: Sequence[str], meta: SopsMetadata) -> Iterator[Leaf]:
    """The values of a dotenv file; a line Go cannot parse is a syntax problem."""
    for number, line in enumerate(lines, start=1):
        if not line or line[0] == "#":
            continue
        key, sep, value = line.partition("=")
        if not sep:
            meta.problems.append(
                syntax_problem(
                    "dotenv",
                    "a line has no '=' (and is not a comment)",
                    Position(number),
                )
            )
            continue
        if not key.startswith("sops_"):
            yield (key,), value, Position(number)


_INI_QUOTES = ('"""', '"', "'", "`")


def ini_leaves(lines: Sequence[str], meta: SopsMetadata) -> Iterator[Leaf]:
    """The values of an INI file outside ``[sops]``, as go-ini reads them."""
    section = "DEFAULT"
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        column = len(raw) - len(raw.lstrip()) + 1
        if line[0] == "[":
            close = line.find("]")
            if close < 0:
                meta.problems.append(
                    syntax_problem(
                        "INI", "unclosed section header", Position(number, column)
                    )
                )
                return
            section = line[1:close]
            continue
        cut = min((i for i in (line.find("="), line.find(":")) if i >= 0), default=-1)
        if cut < 0:
            meta.problems.append(
                syntax_problem(
                    "INI",
                    "a line has no '=' or ':' delimiter",
                    Position(number, column),
                )
            )
            continue
        if section == "sops":
            continue
        key, value = line[:cut].strip(), line[cut + 1 :].strip()
        for quote in _INI_QUOTES:
            if (
                len(value) >= 2 * len(quote)
                and value.startswith(quote)
                and value.endswith(quote)
            ):
                value = value[len(quote) : -len(quote)]
                break
        yield (section, key), value, Position(number, column)
