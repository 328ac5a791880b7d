"""Find and read the ``sops`` metadata of a file of any store, without decrypting.

A file is recognised by its content, not its name: a cheap byte scan for the
metadata marker of each store comes first, and only files that pass it are
parsed (YAML with PyYAML's C loader where available).  The whole document is
parsed, because Go sops refuses a file with a syntax error anywhere or with a
value left in clear (see :mod:`.document`).
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from .document import (
    JsonObject,
    check_leaves,
    dotenv_leaves,
    ini_leaves,
    json_leaves,
    json_object,
    syntax_problem,
    yaml_leaves,
)
from .metadata import interpret
from .model import MetadataProblem, Position, SopsMetadata

_YAML_MARKER = re.compile(rb"(?m)^sops[ \t]*:")
_YAML_BLOCK_END = re.compile(rb"(?m)^[^\s#]")
_YAML_SOPSISH = re.compile(
    rb"(?m)^[ \t]+-?[ \t]*(lastmodified|mac|age|pgp|kms|gcp_kms|azure_kv|hc_vault"
    rb"|hckms|key_groups|version)[ \t]*:"
)
_INI_MARKER = re.compile(rb"(?m)^[ \t]*\[sops\][ \t]*\r?$")
_INI_SECTION = re.compile(rb"(?m)^[ \t]*\[[^\]\n]*\][ \t]*\r?$")
_DOTENV_MARKER = re.compile(rb"(?m)^sops_(mac|lastmodified|version)=")
_DOTENV_LINE = re.compile(r"^sops_([A-Za-z0-9_]+)=(.*)$")
_FLAT_SEGMENT = re.compile(r"^(list|map)_(.*)$")
_JSON_SOPS_KEY = re.compile(r'"sops"\s*:')
_ENC_MARK = b"ENC[AES256_GCM,"

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader


def read_metadata(data: bytes) -> SopsMetadata | None:
    """The metadata of a SOPS file, or None when ``data`` is not one.

    Broken files do not raise: the result comes back with ``problems``
    filled, for the metadata and for the data part (syntax errors and values
    left in clear where the file's rule says they must be encrypted).
    """
    if b"sops" not in data:
        return None
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{"):
        return _read_json(data)
    marker = _YAML_MARKER.search(data)
    if marker is not None:
        return _read_yaml(data, marker.start())
    ini = _INI_MARKER.search(data)
    if ini is not None:
        return _read_ini(data, ini.start())
    if _DOTENV_MARKER.search(data):
        return _read_dotenv(data)
    return None


def _position(data: bytes, offset: int) -> Position:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return Position(line, column)


# --- YAML -----------------------------------------------------------------


def _read_yaml(data: bytes, start: int) -> SopsMetadata | None:
    end_match = _YAML_BLOCK_END.search(data, data.find(b"\n", start) + 1 or len(data))
    end = end_match.start() if end_match else len(data)
    # Values in ENC[...] make a file with a mangled sops block still a SOPS file.
    if not _YAML_SOPSISH.search(data, start, end) and _ENC_MARK not in data:
        return None
    where = _position(data, start)

    try:
        documents = list(yaml.compose_all(data, Loader=_Loader))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = Position(mark.line + 1, mark.column + 1) if mark else where
        reason = getattr(err, "problem", None) or "invalid YAML"
        meta = _read_yaml_block(data[start:end], where)
        meta.problems = [p for p in meta.problems if p.rule_id != "syntax"]
        meta.problems.insert(0, syntax_problem("YAML", reason, at))
        return meta

    root = documents[0] if documents else None
    sops_node = None
    if isinstance(root, yaml.MappingNode):
        sops_node = next((v for k, v in root.value if k.value == "sops"), None)
    if sops_node is None:
        meta = _read_yaml_block(data[start:end], where)
        meta.problems.insert(
            0,
            MetadataProblem(
                "the sops metadata is not in the first YAML document", where
            ),
        )
    else:
        meta = _interpret_yaml(sops_node, where, 0)
    check_leaves(meta, yaml_leaves(documents, meta))
    return meta


def _read_yaml_block(block: bytes, where: Position) -> SopsMetadata:
    """Metadata from the ``sops:`` block alone, for files whose data is broken."""
    try:
        root = yaml.compose(block, Loader=_Loader)
    except yaml.YAMLError as err:
        meta = SopsMetadata(store="yaml", position=where)
        mark = getattr(err, "problem_mark", None)
        at = Position(mark.line + where.line, mark.column + 1) if mark else where
        reason = getattr(err, "problem", None) or "invalid YAML"
        meta.problems.append(syntax_problem("YAML", reason, at))
        return meta
    if isinstance(root, yaml.MappingNode) and root.value:
        return _interpret_yaml(root.value[0][1], where, where.line - 1)
    return interpret(None, "yaml", where, lambda _path: where)


def _interpret_yaml(node: yaml.Node, where: Position, line_offset: int) -> SopsMetadata:
    positions: dict[tuple[Any, ...], Position] = {}
    value = _yaml_value(node, (), positions, line_offset)

    def locate(path: tuple[Any, ...]) -> Position:
        return positions.get(path, where)

    return interpret(value, "yaml", where, locate)


def _yaml_value(
    node: yaml.Node,
    path: tuple[Any, ...],
    positions: dict[tuple[Any, ...], Position],
    offset: int,
) -> object:
    if isinstance(node, yaml.MappingNode):
        out: dict[str, object] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = (*path, key)
            mark = key_node.start_mark
            positions[child] = Position(mark.line + 1 + offset, mark.column + 1)
            out[key] = _yaml_value(value_node, child, positions, offset)
        return out
    if isinstance(node, yaml.SequenceNode):
        items: list[object] = []
        for index, item in enumerate(node.value):
            child = (*path, index)
            mark = item.start_mark
            positions[child] = Position(mark.line + 1 + offset, mark.column + 1)
            items.append(_yaml_value(item, child, positions, offset))
        return items
    tag = node.tag or ""
    if tag.endswith(":bool"):
        return str(node.value).lower() in ("true", "yes", "on")
    if tag.endswith(":int"):
        try:
            return int(node.value)
        except ValueError:
            return node.value
    if tag.endswith(":null"):
        return None
    return node.value


# --- JSON (also the binary store) -----------------------------------------


def _read_json(data: bytes) -> SopsMetadata | None:
    if b'"lastmodified"' not in data and b'"mac"' not in data and _ENC_MARK not in data:
        return None
    text = data.decode("utf-8", errors="replace")
    keys = list(_JSON_SOPS_KEY.finditer(text))
    if not keys:
        return None
    offset = keys[-1].start()
    where = _char_position(text, offset)
    try:
        document = json.loads(text, object_pairs_hook=json_object)
    except ValueError as err:
        meta = SopsMetadata(store="json", position=where)
        at = Position(getattr(err, "lineno", where.line), getattr(err, "colno", 1))
        reason = getattr(err, "msg", None) or str(err)
        meta.problems.append(syntax_problem("JSON", reason, at))
        return meta
    if not isinstance(document, JsonObject) or "sops" not in document:
        return None
    raw = document["sops"]

    def locate(path: tuple[Any, ...]) -> Position:
        value: Any = raw
        for part in path:
            try:
                value = value[part]
            except (KeyError, IndexError, TypeError):
                value = None
                break
        name = next((p for p in reversed(path) if isinstance(p, str)), None)
        if isinstance(value, str) and value:
            found = text.find(json.dumps(value), offset)
            if found >= 0:
                if name is not None:
                    key_at = text.rfind(json.dumps(name), offset, found)
                    if key_at >= 0:
                        return _char_position(text, key_at)
                return _char_position(text, found)
        if name is not None:
            found = text.find(json.dumps(name), offset + 1)
            if found >= 0:
                return _char_position(text, found)
        return where

    store = "binary" if set(document) == {"data", "sops"} else "json"
    meta = interpret(raw, store, where, locate)
    check_leaves(meta, json_leaves(document, text))
    return meta


def _char_position(text: str, offset: int) -> Position:
    line = text.count("\n", 0, offset) + 1
    return Position(line, offset - (text.rfind("\n", 0, offset) + 1) + 1)


# --- dotenv and INI: flattened metadata -------------------------------------


def _read_dotenv(data: bytes) -> SopsMetadata | None:
    text = data.decode("utf-8", errors="replace")
    crlf = "\r\n" in text
    if crlf:
        text = text.replace("\r\n", "\n")
    # Go splits on "\n" only; every other character belongs to the line.
    lines = text.split("\n")
    entries: list[tuple[str, str, Position]] = []
    for number, line in enumerate(lines, start=1):
        match = _DOTENV_LINE.match(line)
        if match:
            entries.append((match.group(1), match.group(2), Position(number, 1)))
    where = entries[0][2] if entries else Position()
    meta = _read_flat(entries, "dotenv", where)
    if crlf:
        meta.problems.insert(
            0,
            syntax_problem(
                "dotenv",
                "the file has CRLF line ends: sops reads each '\\r' as part of "
                "the value (lastmodified then does not parse)",
                Position(1),
            ),
        )
    check_leaves(meta, dotenv_leaves(lines, meta))
    return meta


def _read_ini(data: bytes, start: int) -> SopsMetadata | None:
    text_start = data.find(b"\n", start) + 1 or len(data)
    section_end = _INI_SECTION.search(data, text_start)
    body = data[text_start : section_end.start() if section_end else len(data)]
    where = _position(data, start)
    entries: list[tuple[str, str, Position]] = []
    for number, line in enumerate(body.decode("utf-8", "replace").splitlines()):
        stripped = line.strip()
        if not stripped or stripped[0] in ";#" or "=" not in stripped:
            continue
        key, _, value = stripped.partition("=")
        column = len(line) - len(line.lstrip()) + 1
        entries.append(
            (key.strip(), value.strip(), Position(where.line + 1 + number, column))
        )
    meta = _read_flat(entries, "ini", where)
    lines = data.decode("utf-8", "replace").splitlines()
    check_leaves(meta, ini_leaves(lines, meta))
    return meta


def _read_flat(
    entries: list[tuple[str, str, Position]], store: str, where: Position
) -> SopsMetadata:
    positions: dict[tuple[Any, ...], Position] = {}
    tree: dict[Any, Any] = {}
    problems: list[MetadataProblem] = []
    for key, value, position in entries:
        parts = key.split("__")
        path: list[Any] = [parts[0]]
        for segment in parts[1:]:
            match = _FLAT_SEGMENT.match(segment)
            if match is None:
                problems.append(
                    MetadataProblem(f"cannot read metadata key {key!r}", position)
                )
                break
            kind, name = match.groups()
            if kind == "list":
                if not name.isdigit():
                    problems.append(
                        MetadataProblem(f"bad list index in {key!r}", position)
                    )
                    break
                path.append(int(name))
            else:
                path.append(name)
        else:
            _store_flat(tree, path, value.replace("\\n", "\n"))
            for depth in range(1, len(path) + 1):
                positions.setdefault(tuple(path[:depth]), position)
    raw = _lists_from_dicts(tree, problems, where)

    def locate(path: tuple[Any, ...]) -> Position:
        return positions.get(path, where)

    meta = interpret(raw, store, where, locate)
    meta.problems[:0] = problems
    return meta


def _store_flat(tree: dict[Any, Any], path: list[Any], value: str) -> None:
    node = tree
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[path[-1]] = value


def _lists_from_dicts(
    node: Any, problems: list[MetadataProblem], where: Position
) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {k: _lists_from_dicts(v, problems, where) for k, v in node.items()}
    if converted and all(isinstance(k, int) for k in converted):
        indices = sorted(converted)
        if indices != list(range(len(indices))):
            problems.append(
                MetadataProblem("a metadata list has a gap in its indices", where)
            )
        return [converted[i] for i in indices]
    return converted
