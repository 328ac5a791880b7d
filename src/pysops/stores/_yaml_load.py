"""Build pysops trees from YAML text, placing comments where Go sops puts them.

libyaml (through PyYAML's C binding) parses the structure; it drops
comments, so they are recovered from the text between node positions and
placed by the indentation rules go-yaml v3 applies (see ``_place_block``).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from ..errors import StoreError
from ..tree import Branch, Comment
from ._yaml_scalar import resolve_plain, resolve_tagged

# A '#' starts a comment at the start of a line or after a blank; inside
# scalars such matches are discarded (they fall inside a scalar's span).
_COMMENT_START = re.compile(r"(?:^|(?<=[ \t]))#", re.M)


class _Frame:
    """An open mapping or sequence while its events are read."""

    __slots__ = ("items", "is_map", "col", "key", "key_line", "keys", "dash_line",
                 "in_seq_item", "first_key_line", "flow")  # fmt: skip

    def __init__(self, is_map: bool, col: int, flow: bool) -> None:
        self.items: Any = Branch() if is_map else []
        self.is_map = is_map
        self.col = col
        self.flow = flow
        self.key: Any = None
        self.key_line = -1
        self.keys: set[str] = set()
        self.dash_line = -1
        self.in_seq_item = False
        self.first_key_line = -1


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
    for m in _COMMENT_START.finditer(text):
        index = m.start()
        line_start = text.rfind("\n", 0, index) + 1
        end = text.find("\n", index)
        if end < 0:
            end = len(text)
        body = text[index + 1 : end]
        if body.endswith("\r"):
            body = body[:-1]
        inline = bool(text[line_start:index].strip())
        line = text.count("\n", 0, index)
        found.append(_Comment(index, line, index - line_start, body, inline))
    return found


def _line_indent(text: str, index: int) -> int:
    start = text.rfind("\n", 0, index) + 1
    pos = start
    while pos < len(text) and text[pos] == " ":
        pos += 1
    return pos - start


class Loader:
    """Turns one YAML stream into a list of branches."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.comments = _scan_comments(text) if "#" in text else []
        self.ci = 0
        self.pending: list[_Comment] = []
        self.stack: list[_Frame] = []
        self.anchors: dict[str, Any] = {}
        self.last_end_line = -1
        self.last_kind = ""

    def load(self) -> list[Branch]:
        """Parse every document; raises :class:`StoreError` on bad input."""
        import yaml
        from yaml import _yaml

        parser = _yaml.CParser(self.text)
        try:
            return self._documents(parser)
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            line = mark.line + 1 if mark is not None else None
            problem = err.problem or err.context or "invalid YAML"
            raise StoreError(f"invalid YAML: {problem}", line=line) from None
        except yaml.YAMLError as err:
            raise StoreError(f"invalid YAML: {err}") from None

    # -- events -----------------------------------------------------------

    def _documents(self, parser: Any) -> list[Branch]:
        from yaml import events as ev

        scalar_t, map_t, seq_t = ev.ScalarEvent, ev.MappingStartEvent, ev.SequenceStartEvent
        map_end_t, seq_end_t, alias_t = ev.MappingEndEvent, ev.SequenceEndEvent, ev.AliasEvent
        doc_start_t, doc_end_t, stream_end_t = (
            ev.DocumentStartEvent, ev.DocumentEndEvent, ev.StreamEndEvent)  # fmt: skip
        docs: list[Branch] = []
        comments = self.comments
        root: Any = _UNSET
        while True:
            event = parser.get_event()
            kind = event.__class__
            start = event.start_mark.index
            if comments and self.ci < len(comments) and comments[self.ci].index < start:
                self._collect(start)
            if self.pending:
                self._flush(event, kind is map_end_t or kind is seq_end_t
                            or kind is doc_end_t or kind is stream_end_t,
                            kind is map_t or kind is seq_t)  # fmt: skip
            if kind is scalar_t:
                if comments:
                    self._skip_inside(event.end_mark.index)
                value = self._scalar(event)
                if event.anchor is not None:
                    self.anchors[event.anchor] = value
                self._add(value, event)
            elif kind is map_t or kind is seq_t:
                self._open(event, kind is map_t)
            elif kind is map_end_t or kind is seq_end_t:
                frame = self.stack.pop()
                self._close(frame, event)
            elif kind is alias_t:
                try:
                    value = copy.deepcopy(self.anchors[event.anchor])
                except KeyError:
                    raise StoreError(
                        f"unknown anchor {event.anchor!r} referenced",
                        line=event.start_mark.line + 1,
                    ) from None
                self._add(value, event)
            elif kind is doc_start_t:
                root = _UNSET
                self.anchors = {}
            elif kind is doc_end_t:
                docs.append(self._document_root(self._root, event))
                self._root = _UNSET
            elif kind is stream_end_t:
                return docs
            del root

    _root: Any = None

    def _document_root(self, root: Any, event: Any) -> Branch:
        if isinstance(root, Branch):
            return root
        if root is None or root is _UNSET:
            branch = Branch()
            for c in self.pending_root:
                branch.append((Comment(c), None))
            self.pending_root = []
            return branch
        line = event.start_mark.line + 1
        if isinstance(root, list):
            raise StoreError("YAML documents that are sequences are not supported",
                             line=line)  # fmt: skip
        raise StoreError("YAML documents that are values are not supported", line=line)

    pending_root: list[str] = []

    def _scalar(self, event: Any) -> Any:
        tag = event.tag
        if tag is None:
            if event.style:
                return event.value
            return resolve_plain(event.value)
        return resolve_tagged(tag, event.value, not event.style)

    def _open(self, event: Any, is_map: bool) -> None:
        mark = event.start_mark
        flow = bool(event.flow_style)
        col = mark.column
        frame = _Frame(is_map, col, flow)
        parent = self.stack[-1] if self.stack else None
        if parent is not None and not parent.is_map:
            frame.in_seq_item = True
            frame.first_key_line = mark.line
        self.stack.append(frame)
        if self.pending_open:
            for c in self.pending_open:
                frame.items.append((Comment(c), None) if is_map else Comment(c))
            self.pending_open = []

    pending_open: list[str] = []

    def _close(self, frame: _Frame, event: Any) -> None:
        value = frame.items
        if event.end_mark is not None:
            pass
        anchor = getattr(self, "_anchor_of", None)
        del anchor
        self._add(value, event, closing=frame)

    def _add(self, value: Any, event: Any, closing: _Frame | None = None) -> None:
        if closing is not None and closing.anchor is not None:
            pass
        self.last_end_line = event.end_mark.line
        if not self.stack:
            self._root = value
            return
        frame = self.stack[-1]
        if frame.is_map:
            if frame.key is _NO_KEY:
                pass
            if frame.key is None and not frame.awaiting:
                self._set_key(frame, value, event)
                return
            frame.items.append((frame.key, value))
            frame.key = None
            frame.awaiting = False
        else:
            frame.items.append(value)
