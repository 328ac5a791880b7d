"""Paths into a tree in Go sops' syntax: ``["key"][0]["other"]``."""

from __future__ import annotations

from typing import Any

from .errors import SopsError, TreePathError
from .tree import Branch, Comment

PathPart = str | int


def parse_path(text: str) -> list[PathPart]:
    """Parse ``["a"][0]['b']``: quoted parts are keys, bare ones list indices.

    Raises TreePathError (exit code 91) for anything else.
    """
    parts: list[PathPart] = []
    rest = text
    while rest:
        if not rest.startswith("["):
            raise TreePathError(f"invalid path {text!r}: expected '[' at {rest!r}")
        end = _component_end(rest)
        if end < 0:
            raise TreePathError(
                f"invalid path {text!r}: component {rest[1:]!r} does not end with ]"
            )
        inner = rest[1:end]
        rest = rest[end + 1 :]
        if len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "\"'":
            parts.append(inner[1:-1])
            continue
        try:
            parts.append(int(inner))
        except ValueError:
            raise TreePathError(
                f"invalid path {text!r}: {inner!r} is neither a quoted key nor an index"
            ) from None
    return parts


def _component_end(rest: str) -> int:
    if len(rest) > 1 and rest[1] in "\"'":
        close = rest.find(rest[1], 2)
        if close < 0:
            return -1
        return rest.find("]", close)
    return rest.find("]")


def _show(parts: list[PathPart]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f"[{p!r}]" for p in parts)


def get(tree: Any, parts: list[PathPart]) -> Any:
    """The value at ``parts``; SopsError (exit 1) when it does not exist."""
    node = tree
    for depth, part in enumerate(parts):
        if isinstance(node, Branch) and isinstance(part, str):
            index = node.index_of(part)
            if index < 0:
                raise SopsError(f"component {_show(parts[: depth + 1])} not found")
            node = node[index][1]
        elif (
            isinstance(node, list)
            and not isinstance(node, Branch)
            and isinstance(part, int)
        ):
            if not 0 <= part < len(node):
                raise SopsError(f"index {_show(parts[: depth + 1])} out of range")
            node = node[part]
        else:
            raise SopsError(f"component {_show(parts[: depth + 1])} not found")
    return node


def set_value(tree: Branch, parts: list[PathPart], value: Any) -> bool:
    """Set the value at ``parts``, creating what is missing; returns whether it changed.

    Follows Go sops: a missing key is appended, an index past the end of a
    list appends one item, and a scalar met on the way is replaced by a new
    mapping or list.
    """
    if not parts:
        raise TreePathError("the path must name at least one key")
    result, changed = _set(tree, parts, value)
    if result is not tree:
        raise TreePathError("the first component of the path must be a quoted key")
    return changed


def _set(node: Any, parts: list[PathPart], value: Any) -> tuple[Any, bool]:
    head, rest = parts[0], parts[1:]
    if isinstance(node, Branch) and isinstance(head, str):
        index = node.index_of(head)
        if index >= 0:
            if not rest:
                changed = not _same(node[index][1], value)
                node[index] = (head, value)
                return node, changed
            child, changed = _set(node[index][1], rest, value)
            node[index] = (head, child)
            return node, changed
        node.append((head, _build(rest, value)))
        return node, True
    if (
        isinstance(node, list)
        and not isinstance(node, Branch)
        and isinstance(head, int)
    ):
        if head < 0:
            raise TreePathError(f"negative index {head} in path")
        if head >= len(node):
            node.append(_build(rest, value))
            return node, True
        if not rest:
            changed = not _same(node[head], value)
            node[head] = value
            return node, changed
        node[head], changed = _set(node[head], rest, value)
        return node, changed
    built = _build(parts, value)
    return built, not _same(node, built)


def _build(parts: list[PathPart], leaf: Any) -> Any:
    """The value that holds ``leaf`` at ``parts`` when nothing of the path exists."""
    if not parts:
        return leaf
    inner = _build(parts[1:], leaf)
    if isinstance(parts[0], int):
        return [inner]
    return Branch([(parts[0], inner)])


def unset_value(tree: Branch, parts: list[PathPart]) -> None:
    """Remove the value at ``parts``; SopsError (exit 1) if it does not exist."""
    parent = get(tree, parts[:-1]) if len(parts) > 1 else tree
    last = parts[-1]
    if isinstance(parent, Branch) and isinstance(last, str):
        index = parent.index_of(last)
        if index >= 0:
            del parent[index]
            return
    elif isinstance(parent, list) and isinstance(last, int) and 0 <= last < len(parent):
        del parent[last]
        return
    raise SopsError(f"component {_show(parts)} not found")


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b and not isinstance(a, Comment)
