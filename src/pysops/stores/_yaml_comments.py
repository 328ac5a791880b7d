"""Where comments go in a tree read from YAML, the way go-yaml v3 places them.

The loader reports each node or event as it goes; the comments met before it
are collected from a scan of the text and placed by indentation, as the
module docstring of :mod:`._yaml_load` describes.
"""

from __future__ import annotations

import sys
from typing import Any

from ..tree import Branch, Comment

# the event at hand, as far as comment placement cares
(_SCALAR, _ALIAS, _MAP_START, _SEQ_START, _MAP_END, _SEQ_END, _DOC_START,
 _DOC_END, _STREAM_END) = range(9)  # fmt: skip
_NEVER = sys.maxsize


class _Frame:
    """A mapping or sequence being read."""

    __slots__ = ("items", "is_map", "col", "flow", "has_key", "key", "keys",
                 "anchor", "start_line", "seq_item", "after", "tag")  # fmt: skip

    def __init__(self, is_map: bool, col: int, flow: bool, anchor: str | None,
                 start_line: int, seq_item: bool) -> None:  # fmt: skip
        self.items: Any = Branch() if is_map else []
        self.is_map = is_map
        self.col = col
        self.flow = flow
        self.has_key = False
        self.key: str = ""
        self.keys: set[str] = set()
        self.anchor = anchor
        self.start_line = start_line
        self.seq_item = seq_item
        # comments that belong after the item still being read
        self.after: list[str] = []
        self.tag: str | None = None

    def add_comment(self, text: str) -> None:
        self.items.append((Comment(text), None) if self.is_map else Comment(text))

    def insert_comment(self, index: int, text: str) -> None:
        self.items.insert(
            index, (Comment(text), None) if self.is_map else Comment(text)
        )


class _Comment:
    __slots__ = ("index", "line", "col", "text", "inline")

    def __init__(self, index: int, line: int, col: int, text: str, inline: bool):
        self.index = index
        self.line = line
        self.col = col
        self.text = text
        self.inline = inline


def _scan_comments(text: str) -> list[_Comment]:
    """Every "#" at a line start or after a blank (skipped later inside scalars)."""
    found = []
    line = 0
    last = 0
    index = text.find("#")
    while index >= 0:
        if index == 0 or text[index - 1] in " \t\n":
            line += text.count("\n", last, index)
            last = index
            line_start = text.rfind("\n", 0, index) + 1
            end = text.find("\n", index)
            body = text[index + 1 : end if end >= 0 else len(text)].rstrip("\r")
            inline = bool(text[line_start:index].strip())
            found.append(_Comment(index, line, index - line_start, body, inline))
        index = text.find("#", index + 1)
    return found


class _CommentPlacement:
    """Comment placement for :class:`._yaml_load.Loader`, which owns the state."""

    text: str
    comments: list[_Comment]
    ci: int
    next_at: int
    pending: list[_Comment]
    stack: list[_Frame]
    for_next: list[str]
    value_line: int
    last_value: Any
    after_value: bool

    def _collect(self, before: int) -> None:
        comments = self.comments
        ci = self.ci
        while ci < len(comments) and comments[ci].index < before:
            self.pending.append(comments[ci])
            ci += 1
        self.ci = ci
        self.next_at = comments[ci].index if ci < len(comments) else _NEVER

    def _skip_scalar(self, style: str | None, start: int, end: int) -> list[_Comment]:
        """Skip '#' inside a scalar; return comments on a block scalar's header."""
        comments = self.comments
        header_end = -1
        if style in ("|", ">"):
            header_end = self.text.find("\n", start)
        header = []
        ci = self.ci
        while ci < len(comments) and comments[ci].index < end:
            if comments[ci].index < header_end:
                header.append(comments[ci])
            ci += 1
        self.ci = ci
        self.next_at = comments[ci].index if ci < len(comments) else _NEVER
        return header

    def _place_header(self, header: list[_Comment]) -> None:
        if self.stack:
            frame = self.stack[-1]
            for comment in header:
                frame.insert_comment(max(len(frame.items) - 1, 0), comment.text)

    def _flush(self, kind: int, index: int) -> None:
        pending, self.pending = self.pending, []
        block = []
        for comment in pending:
            if comment.inline:
                self._place_inline(comment)
            else:
                block.append(comment)
        if block:
            self._place_block(block, kind, index)

    def _place_inline(self, comment: _Comment) -> None:
        if not self.stack:
            self.for_next.append(comment.text)
            return
        frame = self.stack[-1]
        if not (self.after_value and comment.line == self.value_line):
            frame.add_comment(comment.text)
            return
        value = self.last_value
        if frame.is_map and isinstance(value, list) and frame.items \
                and frame.items[-1][1] is value:  # fmt: skip
            text = comment.text
            value.insert(0, (Comment(text), None) if isinstance(value, Branch)
                         else Comment(text))  # fmt: skip
            return
        if frame.is_map and frame.seq_item and comment.line == frame.start_line \
                and len(self.stack) > 1:  # fmt: skip
            self.stack[-2].add_comment(comment.text)
            return
        frame.insert_comment(max(len(frame.items) - 1, 0), comment.text)

    def _place_block(self, block: list[_Comment], kind: int, index: int) -> None:
        runs: list[list[_Comment]] = []
        for comment in block:
            if runs and runs[-1][0].col == comment.col:
                runs[-1].append(comment)
            else:
                runs.append([comment])

        ends_doc = kind == _DOC_END or kind == _STREAM_END
        next_col = -1 if ends_doc else self._indent_at(index)
        for i, run in enumerate(runs):
            if i == len(runs) - 1 and run[0].col == next_col:
                target = self._next_container(kind, index, next_col)
            elif i == 0 and self.after_value and self.stack:
                target = self.stack[-1]
            elif not self.stack:
                target = None
            else:
                target = self._container_at(run[0].col)
            for comment in run:
                if target is None:
                    self.for_next.append(comment.text)
                elif target is not self.stack[-1]:
                    target.after.append(comment.text)
                else:
                    target.add_comment(comment.text)

    def _indent_at(self, index: int) -> int:
        text = self.text
        start = text.rfind("\n", 0, index) + 1
        pos = start
        while pos < index and text[pos] == " ":
            pos += 1
        return pos - start

    def _container_at(self, col: int) -> _Frame:
        for frame in reversed(self.stack):
            if frame.col <= col and not frame.flow:
                return frame
        return self.stack[0]

    def _next_container(self, kind: int, index: int, col: int) -> _Frame | None:
        """The collection the next item belongs to (``None``: one not yet open)."""
        if kind == _MAP_START or kind == _SEQ_START:
            return None
        if not self.stack:
            return None
        if kind != _MAP_END and kind != _SEQ_END:
            return self.stack[-1]
        if self.stack[-1].flow:
            return self.stack[-1]
        is_dash = self.text[index : index + 1] == "-"
        for frame in reversed(self.stack):
            if frame.col < col or (frame.col == col and (frame.is_map or is_dash)):
                return frame
        return self.stack[0]
