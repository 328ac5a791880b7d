"""Build pysops trees from YAML text, placing comments where Go sops puts them.

libyaml (through PyYAML's C binding) parses the structure but drops
comments, so they are recovered from the text between node positions and
placed by the indentation rules that go-yaml v3 ends up applying:

* a comment on the line of a value goes before that item (inside a flow
  collection when it follows a map's flow value);
* a block of comment lines is split into runs of equal indentation; the last
  run goes before the next item when it has that item's indentation, the
  first run stays with the previous item, and any other run goes to the
  deepest open collection that is not indented deeper than the run.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from ..errors import StoreError
from ..tree import Branch, Comment, Tagged
from ._yaml_scalar import resolve_plain, resolve_tagged, tag_collection

# A '#' at the start of a line or after a blank starts a comment unless it
# lies inside a scalar; those candidates are skipped by position.
_COMMENT_START = re.compile(r"(?:^|(?<=[ \t]))#", re.M)


class _Frame:
    """A mapping or sequence whose events are being read."""

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
    found = []
    line = 0
    last = 0
    for m in _COMMENT_START.finditer(text):
        index = m.start()
        line += text.count("\n", last, index)
        last = index
        line_start = text.rfind("\n", 0, index) + 1
        end = text.find("\n", index)
        body = text[index + 1 : end if end >= 0 else len(text)].rstrip("\r")
        inline = bool(text[line_start:index].strip())
        found.append(_Comment(index, line, index - line_start, body, inline))
    return found


_UNSET = object()


class Loader:
    """Turns one YAML stream into a list of branches (one per document)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.comments = _scan_comments(text) if "#" in text else []
        self.ci = 0
        self.pending: list[_Comment] = []
        self.stack: list[_Frame] = []
        self.anchors: dict[str, Any] = {}
        self.root: Any = _UNSET
        self.for_next: list[str] = []
        self.value_line = -1
        self.last_value: Any = None
        self.after_value = False

    def load(self) -> list[Branch]:
        """Parse every document; raises :class:`StoreError` on bad input."""
        import yaml
        from yaml import _yaml

        try:
            return self._documents(_yaml.CParser(self.text))
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            line = mark.line + 1 if mark is not None else None
            problem = err.problem or err.context or "invalid YAML"
            raise StoreError(f"invalid YAML: {problem}", line=line) from None
        except yaml.YAMLError as err:
            raise StoreError(f"invalid YAML: {err}") from None

    def _documents(self, parser: Any) -> list[Branch]:
        from yaml import events as ev

        scalar_t, alias_t = ev.ScalarEvent, ev.AliasEvent
        map_t, seq_t = ev.MappingStartEvent, ev.SequenceStartEvent
        map_end_t, seq_end_t = ev.MappingEndEvent, ev.SequenceEndEvent
        doc_start_t, doc_end_t = ev.DocumentStartEvent, ev.DocumentEndEvent
        stream_end_t = ev.StreamEndEvent
        docs: list[Branch] = []
        comments = self.comments
        while True:
            event = parser.get_event()
            kind = event.__class__
            if comments:
                self._collect(event.start_mark.index)
                if self.pending:
                    self._flush(event, kind)
            if kind is scalar_t:
                header: list[_Comment] = []
                if comments:
                    header = self._skip_scalar(event)
                value = self._scalar(event)
                if event.anchor is not None:
                    self.anchors[event.anchor] = value
                self._add(value, event)
                if header and self.stack:
                    frame = self.stack[-1]
                    for comment in header:
                        frame.insert_comment(max(len(frame.items) - 1, 0), comment.text)
            elif kind is map_t or kind is seq_t:
                self._open(event, kind is map_t)
            elif kind is map_end_t or kind is seq_end_t:
                frame = self.stack.pop()
                value = frame.items
                if frame.tag is not None:
                    value = tag_collection(frame.tag, value)
                if frame.anchor is not None:
                    self.anchors[frame.anchor] = value
                self._add(value, event)
            elif kind is alias_t:
                self._add(self._alias(event), event)
            elif kind is doc_start_t:
                self.root = _UNSET
                self.anchors = {}
            elif kind is doc_end_t:
                docs.append(self._document(event))
            elif kind is stream_end_t:
                return docs

    # -- values -------------------------------------------------------------

    def _scalar(self, event: Any) -> Any:
        if event.tag is None:
            return event.value if event.style else resolve_plain(event.value)
        return resolve_tagged(event.tag, event.value, not event.style)

    def _alias(self, event: Any) -> Any:
        try:
            return copy.deepcopy(self.anchors[event.anchor])
        except KeyError:
            raise StoreError(
                f"unknown anchor {event.anchor!r} referenced",
                line=event.start_mark.line + 1,
            ) from None

    def _open(self, event: Any, is_map: bool) -> None:
        mark = event.start_mark
        parent = self.stack[-1] if self.stack else None
        seq_item = parent is not None and not parent.is_map
        flow = bool(event.flow_style)
        col = mark.column + 1 if flow else mark.column
        frame = _Frame(is_map, col, flow, event.anchor, mark.line, seq_item)
        frame.tag = event.tag
        self.stack.append(frame)
        for text in self.for_next:
            frame.add_comment(text)
        self.for_next = []
        self.after_value = False

    def _add(self, value: Any, event: Any) -> None:
        if event.end_mark.index > event.start_mark.index:
            # block collections end at the next token, not on their last line
            self.value_line = event.end_mark.line
        self.last_value = value
        self.after_value = True
        if not self.stack:
            self.root = value
            return
        frame = self.stack[-1]
        if not frame.is_map:
            frame.items.append(value)
        elif frame.has_key:
            frame.items.append((frame.key, value))
            frame.has_key = False
        else:
            self._set_key(frame, value, event)
            return
        if frame.after:
            for text in frame.after:
                frame.add_comment(text)
            frame.after = []

    def _set_key(self, frame: _Frame, key: Any, event: Any) -> None:
        line = event.start_mark.line + 1
        if not isinstance(key, str):
            raise StoreError("only string keys are supported in YAML mappings",
                             line=line)  # fmt: skip
        if key in frame.keys:
            raise StoreError(f"mapping key {key!r} is defined twice", line=line)
        frame.keys.add(key)
        frame.key = key
        frame.has_key = True
        self.after_value = False

    def _document(self, event: Any) -> Branch:
        root, self.root = self.root, _UNSET
        if isinstance(root, Tagged):
            # a tag on the document itself has no place in a tree: dropped
            root = root.value
        if isinstance(root, Branch):
            return root
        if root is None or root is _UNSET:
            branch = Branch((Comment(text), None) for text in self.for_next)
            self.for_next = []
            return branch
        line = event.start_mark.line + 1
        if isinstance(root, list):
            raise StoreError("YAML documents that are sequences are not supported",
                             line=line)  # fmt: skip
        raise StoreError("YAML documents that are values are not supported", line=line)

    # -- comments -----------------------------------------------------------

    def _collect(self, before: int) -> None:
        comments = self.comments
        while self.ci < len(comments) and comments[self.ci].index < before:
            self.pending.append(comments[self.ci])
            self.ci += 1

    def _skip_scalar(self, event: Any) -> list[_Comment]:
        """Skip '#' inside a scalar; return comments on a block scalar's header."""
        comments = self.comments
        header_end = -1
        if event.style in ("|", ">"):
            header_end = self.text.find("\n", event.start_mark.index)
        header = []
        end = event.end_mark.index
        while self.ci < len(comments) and comments[self.ci].index < end:
            if comments[self.ci].index < header_end:
                header.append(comments[self.ci])
            self.ci += 1
        return header

    def _flush(self, event: Any, kind: type) -> None:
        pending, self.pending = self.pending, []
        block = []
        for comment in pending:
            if comment.inline:
                self._place_inline(comment)
            else:
                block.append(comment)
        if block:
            self._place_block(block, event, kind)

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

    def _place_block(self, block: list[_Comment], event: Any, kind: type) -> None:
        from yaml import events as ev

        runs: list[list[_Comment]] = []
        for comment in block:
            if runs and runs[-1][0].col == comment.col:
                runs[-1].append(comment)
            else:
                runs.append([comment])

        ends_doc = kind is ev.DocumentEndEvent or kind is ev.StreamEndEvent
        next_col = -1 if ends_doc else self._indent_at(event.start_mark.index)
        for i, run in enumerate(runs):
            if i == len(runs) - 1 and run[0].col == next_col:
                target = self._next_container(event, kind, next_col)
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

    def _next_container(self, event: Any, kind: type, col: int) -> _Frame | None:
        """The collection the next item belongs to (``None``: one not yet open)."""
        from yaml import events as ev

        if kind is ev.MappingStartEvent or kind is ev.SequenceStartEvent:
            return None
        if not self.stack:
            return None
        if kind is not ev.MappingEndEvent and kind is not ev.SequenceEndEvent:
            return self.stack[-1]
        if self.stack[-1].flow:
            return self.stack[-1]
        index = event.start_mark.index
        is_dash = self.text[index : index + 1] == "-"
        for frame in reversed(self.stack):
            if frame.col < col or (frame.col == col and (frame.is_map or is_dash)):
                return frame
        return self.stack[0]
