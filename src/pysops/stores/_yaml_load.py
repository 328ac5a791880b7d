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

The tree is read from the nodes libyaml composes in one C call, visited in
the order of the events they came from.  Streams that node path cannot
mirror exactly (aliases, errors, a few rare layouts) are re-read from the
event stream; both paths feed the same placement rules.
"""

from __future__ import annotations

import copy
import functools
import gc
import re
from typing import Any

from yaml.nodes import MappingNode, ScalarNode

from ..errors import StoreError
from ..tree import Branch, Comment, Tagged
from ._yaml_comments import (
    _ALIAS,
    _DOC_END,
    _DOC_START,
    _MAP_END,
    _MAP_START,
    _NEVER,
    _SCALAR,
    _SEQ_END,
    _SEQ_START,
    _STREAM_END,
    _Comment,
    _CommentPlacement,
    _Frame,
    _scan_comments,
)
from ._yaml_scalar import _HINT_CHARS, resolve_plain, resolve_tagged, tag_collection

# properties that end in the non-specific tag, which libyaml hides from nodes
_DOC_MARKER = re.compile(r"^(?:---|\.\.\.)(?=[ \t\r\n]|\Z)", re.M)
_BARE_TAG = re.compile(r"(?:&[^\s,\[\]{}]+\s+)?!")


class _Fallback(Exception):
    """The node path cannot mirror the event stream here."""


@functools.cache
def _composer_type() -> type:
    """libyaml's composer with tag resolution left to pysops (nodes keep ``None``)."""
    from yaml import _yaml

    class Composer(_yaml.CParser):
        def descend_resolver(self, parent: Any, index: Any) -> None:
            return None

        def ascend_resolver(self) -> None:
            return None

        def resolve(self, kind: Any, value: Any, implicit: Any) -> None:
            return None

    return Composer


_UNSET = object()


class Loader(_CommentPlacement):
    """Turns one YAML stream into a list of branches (one per document)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.comments = _scan_comments(text) if "#" in text else []
        self._reset()

    def _reset(self) -> None:
        self.ci = 0
        # index of the next comment not yet collected
        self.next_at = self.comments[0].index if self.comments else _NEVER
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

        collecting = gc.isenabled()
        # the tree is acyclic; collector passes over it only cost time
        gc.disable()
        try:
            try:
                return self._from_nodes()
            except (_Fallback, yaml.YAMLError):
                self._reset()
            return self._from_events()
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            line = mark.line + 1 if mark is not None else None
            problem = err.problem or err.context or "invalid YAML"
            raise StoreError(f"invalid YAML: {problem}", line=line) from None
        except yaml.YAMLError as err:
            raise StoreError(f"invalid YAML: {err}") from None
        finally:
            if collecting:
                gc.enable()

    # -- reading composed nodes ----------------------------------------------

    def _from_nodes(self) -> list[Branch]:
        if "*" in self.text:
            # nodes share what aliases point to and lose where the alias stood
            raise _Fallback
        parser = _composer_type()(self.text)
        docs: list[Branch] = []
        end = 0
        while parser.check_node():
            node = parser.get_node()
            start = node.start_mark.index
            if self.next_at < start:
                self._between_documents(end, start)
            self._node(node)
            docs.append(self._document(None))
            end = node.end_mark.index
        return docs

    def _between_documents(self, end: int, start: int) -> None:
        """Comments between two documents, in the batches the events give them.

        The document markers end a batch; nothing is open, so every comment
        waits for the next collection (those on a marker's line first).
        """
        for marker in _DOC_MARKER.finditer(self.text, end, start):
            if self.next_at < marker.start():
                self._collect(marker.start())
                self._flush(_DOC_START, marker.start())
        self._collect(start)
        self._flush(_DOC_START, start)

    def _node(self, node: Any) -> None:
        if node.__class__ is ScalarNode:
            self._scalar_node(node)
        else:
            self._collection_node(node)

    def _scalar_node(self, node: Any) -> None:
        start_mark = node.start_mark
        end_mark = node.end_mark
        start = start_mark.index
        end = end_mark.index
        header: list[_Comment] = []
        if self.next_at < end:
            if self.next_at < start:
                self._collect(start)
                self._flush(_SCALAR, start)
            if self.next_at < end:
                header = self._skip_scalar(node.style, start, end)

        value = self._value_of(node)
        self._add(value, end_mark.line if end > start else -1, start_mark.line)
        if header:
            self._place_header(header)

    def _value_of(self, node: Any) -> Any:
        """A scalar node's value, typed as its tag or its plain text says."""
        if node.tag is not None:
            return resolve_tagged(node.tag, node.value, not node.style)
        if node.style:
            return node.value
        start = node.start_mark.index
        if self.text[start] in "!&" and _BARE_TAG.match(self.text, start):
            return node.value
        return resolve_plain(node.value)

    def _collection_node(self, node: Any) -> None:
        if self.next_at >= node.end_mark.index and not self.for_next:
            line = self._tail_line(node)
            if line is not None:
                self._add(self._build(node), line, node.end_mark.line)
                return
        is_map = node.__class__ is MappingNode
        start_mark = node.start_mark
        start = start_mark.index
        if self.next_at < start:
            self._collect(start)
            self._flush(_MAP_START if is_map else _SEQ_START, start)
        tag = node.tag
        if tag is None and self.text[start] in "!&" \
                and _BARE_TAG.match(self.text, start):  # fmt: skip
            tag = "!"
        flow = bool(node.flow_style)
        self._open(is_map, start_mark.line, start_mark.column, flow, None, tag)

        # comments only after the last item (say before the next key): the
        # items are built straight and the state after them settled
        frame = self.stack[-1]
        last = (node.value[-1][1] if is_map else node.value[-1]) if node.value else None
        line = None
        if last is not None and self.next_at >= last.end_mark.index:
            line = self._tail_line(last)
        if line is not None:
            self._fill(node, frame.items, frame.keys)
            self._settle(frame.items[-1][1] if is_map else frame.items[-1], line)
        elif is_map:
            self._pairs(node.value, frame)
        else:
            self._items(node.value, frame)

        end_mark = node.end_mark
        end = end_mark.index
        # the end event of a flow collection spans its closing bracket
        closing = end - 1 if flow and self._has_bracket(node, is_map, start) else end
        if self.next_at < closing:
            self._collect(closing)
            self._flush(_MAP_END if is_map else _SEQ_END, closing)
        self._close(end_mark.line if end > closing else -1, end_mark.line)

    def _pairs(self, pairs: list[Any], frame: _Frame) -> None:
        """Read a mapping's pairs.

        A key with no comment up to its end, and then a scalar value with no
        comment up to its end, take a short way with the same result as
        :meth:`_scalar_node`; what comment placement tracks is settled before
        any other step and at the end.
        """
        items = frame.items
        keys = frame.keys
        hints = _HINT_CHARS
        scalar_t = ScalarNode
        last: Any = _UNSET
        line = -1
        for key, value in pairs:
            if key.__class__ is not scalar_t:
                raise _Fallback
            key_end = key.end_mark
            if not self.next_at >= key_end.index > key.start_mark.index:
                if last is not _UNSET:
                    self._settle(last, line)
                    last = _UNSET
                self._scalar_node(key)
                self._node(value)
                continue

            name = key.value
            if key.tag is not None or not name or name[0] in hints:
                name = self._value_of(key)
            if name.__class__ is not str or name in keys:
                self._set_key(frame, name, key.start_mark.line)
            keys.add(name)
            if value.__class__ is scalar_t:
                end_mark = value.end_mark
                end = end_mark.index
                if self.next_at >= end > value.start_mark.index:
                    last = value.value
                    if value.tag is not None or not last or last[0] in hints:
                        last = self._value_of(value)
                    line = end_mark.line
                    items.append((name, last))
                    continue

            last = _UNSET
            self.value_line = key_end.line
            self.last_value = name
            self.after_value = False
            frame.key = name
            frame.has_key = True
            self._node(value)
        if last is not _UNSET:
            self._settle(last, line)

    def _items(self, nodes: list[Any], frame: _Frame) -> None:
        """Read a sequence's items, scalars the short way as in :meth:`_pairs`."""
        items = frame.items
        hints = _HINT_CHARS
        scalar_t = ScalarNode
        last: Any = _UNSET
        line = -1
        for node in nodes:
            if node.__class__ is scalar_t:
                end_mark = node.end_mark
                end = end_mark.index
                if self.next_at >= end > node.start_mark.index:
                    last = node.value
                    if node.tag is not None or not last or last[0] in hints:
                        last = self._value_of(node)
                    line = end_mark.line
                    items.append(last)
                    continue
            if last is not _UNSET:
                self._settle(last, line)
                last = _UNSET
            self._node(node)
        if last is not _UNSET:
            self._settle(last, line)

    def _settle(self, value: Any, line: int) -> None:
        """The state :meth:`_add` leaves after ``value``, which ended on ``line``."""
        self.value_line = line
        self.last_value = value
        self.after_value = True

    def _build(self, node: Any) -> Any:
        """A collection with no comment up to its end, built straight from its nodes."""
        items: Any = Branch() if node.__class__ is MappingNode else []
        self._fill(node, items, set())
        tag = node.tag
        start = node.start_mark.index
        if tag is None and self.text[start] in "!&" \
                and _BARE_TAG.match(self.text, start):  # fmt: skip
            tag = "!"
        return items if tag is None else tag_collection(tag, items)

    def _fill(self, node: Any, items: Any, keys: set[str]) -> None:
        """Add a collection's items, which hold no comment, to ``items``."""
        hints = _HINT_CHARS
        scalar_t = ScalarNode
        if node.__class__ is MappingNode:
            for key, value in node.value:
                if key.__class__ is not scalar_t:
                    raise _Fallback
                name = key.value
                if key.tag is not None or not name or name[0] in hints:
                    name = self._value_of(key)
                if name.__class__ is not str or name in keys:
                    frame = _Frame(True, 0, False, None, 0, False)
                    frame.keys = keys
                    self._set_key(frame, name, key.start_mark.line)
                keys.add(name)
                if value.__class__ is scalar_t:
                    text = value.value
                    if value.tag is not None or not text or text[0] in hints:
                        text = self._value_of(value)
                    items.append((name, text))
                else:
                    items.append((name, self._build(value)))
            return
        for item in node.value:
            if item.__class__ is scalar_t:
                text = item.value
                if item.tag is not None or not text or text[0] in hints:
                    text = self._value_of(item)
                items.append(text)
            else:
                items.append(self._build(item))

    def _tail_line(self, node: Any) -> int | None:
        """The line the events of a collection last moved to (``None``: not simple).

        That is the end of its last scalar or flow bracket; block collections
        end on a zero-width event.
        """
        while True:
            start = node.start_mark.index
            end = node.end_mark.index
            end_line: int = node.end_mark.line
            if node.__class__ is ScalarNode:
                return end_line if end > start else None
            is_map = node.__class__ is MappingNode
            if node.flow_style:
                return end_line if self._has_bracket(node, is_map, start) else None
            if not node.value:
                return None
            node = node.value[-1][1] if is_map else node.value[-1]

    def _has_bracket(self, node: Any, is_map: bool, start: int) -> bool:
        """Whether a flow collection ends with its own bracket.

        A single ``key: value`` pair inside a flow sequence is a mapping that
        ends where the pair ends.
        """
        if not is_map:
            return True
        first = self.text[start]
        if first == "{":
            return True
        if first == "?":
            return False
        return not (node.value and node.value[0][0].start_mark.index == start)

    # -- reading events --------------------------------------------------------

    def _from_events(self) -> list[Branch]:
        from yaml import _yaml
        from yaml import events as ev

        parser = _yaml.CParser(self.text)
        kinds = {
            ev.ScalarEvent: _SCALAR, ev.AliasEvent: _ALIAS,
            ev.MappingStartEvent: _MAP_START, ev.SequenceStartEvent: _SEQ_START,
            ev.MappingEndEvent: _MAP_END, ev.SequenceEndEvent: _SEQ_END,
            ev.DocumentStartEvent: _DOC_START, ev.DocumentEndEvent: _DOC_END,
            ev.StreamEndEvent: _STREAM_END, ev.StreamStartEvent: -1,
        }  # fmt: skip
        docs: list[Branch] = []
        while True:
            event: Any = parser.get_event()
            kind = kinds[event.__class__]
            start_mark, end_mark = event.start_mark, event.end_mark
            if self.next_at < start_mark.index:
                self._collect(start_mark.index)
                self._flush(kind, start_mark.index)
            end_line = end_mark.line if end_mark.index > start_mark.index else -1
            if kind == _SCALAR:
                header: list[_Comment] = []
                if self.next_at < end_mark.index:
                    header = self._skip_scalar(
                        event.style, start_mark.index, end_mark.index
                    )
                value = self._scalar(event)
                if event.anchor is not None:
                    self.anchors[event.anchor] = value
                self._add(value, end_line, start_mark.line)
                if header:
                    self._place_header(header)
            elif kind == _MAP_START or kind == _SEQ_START:
                self._open(kind == _MAP_START, start_mark.line, start_mark.column,
                           bool(event.flow_style), event.anchor, event.tag)  # fmt: skip
            elif kind == _MAP_END or kind == _SEQ_END:
                self._close(end_line, start_mark.line)
            elif kind == _ALIAS:
                self._add(self._alias(event), end_line, start_mark.line)
            elif kind == _DOC_START:
                self.root = _UNSET
                self.anchors = {}
            elif kind == _DOC_END:
                docs.append(self._document(start_mark.line + 1))
            elif kind == _STREAM_END:
                return docs

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

    # -- building the tree -----------------------------------------------------

    def _open(self, is_map: bool, line: int, column: int, flow: bool,
              anchor: str | None, tag: str | None) -> None:  # fmt: skip
        parent = self.stack[-1] if self.stack else None
        seq_item = parent is not None and not parent.is_map
        col = column + 1 if flow else column
        frame = _Frame(is_map, col, flow, anchor, line, seq_item)
        frame.tag = tag
        self.stack.append(frame)
        for text in self.for_next:
            frame.add_comment(text)
        self.for_next = []
        self.after_value = False

    def _close(self, end_line: int, line: int) -> None:
        frame = self.stack.pop()
        value = frame.items
        if frame.tag is not None:
            value = tag_collection(frame.tag, value)
        if frame.anchor is not None:
            self.anchors[frame.anchor] = value
        self._add(value, end_line, line)

    def _add(self, value: Any, end_line: int, line: int) -> None:
        """Put a finished value in place; ``end_line`` is -1 for a zero-width end.

        Block collections end at the next token, not on their last line.
        """
        if end_line >= 0:
            self.value_line = end_line
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
            self._set_key(frame, value, line)
            return
        if frame.after:
            for text in frame.after:
                frame.add_comment(text)
            frame.after = []

    def _set_key(self, frame: _Frame, key: Any, line: int) -> None:
        if not isinstance(key, str):
            raise StoreError("only string keys are supported in YAML mappings",
                             line=line + 1)  # fmt: skip
        if key in frame.keys:
            raise StoreError(f"mapping key {key!r} is defined twice", line=line + 1)
        frame.keys.add(key)
        frame.key = key
        frame.has_key = True
        self.after_value = False

    def _document(self, line: int | None) -> Branch:
        """The finished document; ``line`` (1-based) is where it ends, if known."""
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
        if line is None:
            raise _Fallback
        if isinstance(root, list):
            raise StoreError("YAML documents that are sequences are not supported",
                             line=line)  # fmt: skip
        raise StoreError("YAML documents that are values are not supported", line=line)
