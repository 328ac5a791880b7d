"""Changing an opened document: new values, new master keys, a new data key.

These are the operations behind ``edit``, ``set``, ``rotate``, ``updatekeys``
and ``groups``, kept free of the command line so that other callers (a
Python API, disaster recovery) can run them on a :class:`SopsFile`.  None of
them writes a file; the caller seals and emits the document.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .cipher import ValueCipher
from .datakey import new_data_key, wrap_data_key
from .errors import AlreadyEncrypted, SopsError
from .keys import KeyGroup, MasterKey
from .metadata import FORMAT_VERSION
from .sopsfile import SopsFile
from .tree import Branch, Comment, has_metadata_key

log = logging.getLogger(__name__)

WELCOME = "Welcome to SOPS! Edit this file as you please!"


def key_id(key: MasterKey) -> tuple[str, str]:
    """What makes two master keys the same key: type and identifier."""
    return (key.type_id, key.identifier)


# -- key groups -----------------------------------------------------------------


@dataclass
class GroupDiff:
    """How one key group changes: keys kept, added and removed (in order)."""

    kept: list[MasterKey] = field(default_factory=list)
    added: list[MasterKey] = field(default_factory=list)
    removed: list[MasterKey] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return bool(self.added or self.removed)


def diff_key_groups(
    old: Sequence[KeyGroup], new: Sequence[KeyGroup]
) -> list[GroupDiff]:
    """Compare key groups position by position, as ``updatekeys`` shows them."""
    diffs: list[GroupDiff] = []
    for index in range(max(len(old), len(new))):
        before = old[index] if index < len(old) else []
        after = new[index] if index < len(new) else []
        before_ids = {key_id(k) for k in before}
        after_ids = {key_id(k) for k in after}
        diff = GroupDiff()
        for key in after:
            (diff.kept if key_id(key) in before_ids else diff.added).append(key)
        diff.removed = [k for k in before if key_id(k) not in after_ids]
        diffs.append(diff)
    return diffs


def _checked_threshold(groups: Sequence[KeyGroup], threshold: int) -> int:
    if not groups or not any(groups):
        raise SopsError("a file needs at least one master key")
    if len(groups) > 1 and threshold > len(groups):
        raise SopsError(
            f"the Shamir threshold is {threshold}, but there are only {len(groups)} key groups",
            hint="lower --shamir-secret-sharing-threshold or add key groups",
        )
    if len(groups) <= 1:
        return 0
    # Go sops stores the threshold explicitly once there are several groups.
    return threshold or len(groups)


def update_keys(doc: SopsFile, groups: Sequence[KeyGroup], threshold: int) -> None:
    """Give ``doc`` these key groups and threshold, wrapping its current data key.

    Values, MAC and ``lastmodified`` stay as they are: only the metadata's
    keys change.  Raises SopsError if a key cannot wrap the data key or the
    threshold cannot be met.
    """
    threshold = _checked_threshold(groups, threshold)
    new_groups = [list(g) for g in groups]
    wrap_data_key(doc.data_key, new_groups, threshold or 1)
    doc.metadata.key_groups = new_groups
    doc.metadata.shamir_threshold = threshold
    log.debug("re-wrapped the data key for %d key group(s)", len(new_groups))


def add_group(doc: SopsFile, group: KeyGroup, threshold: int = 0) -> None:
    """Append a key group; ``threshold`` (when not 0) becomes the Shamir threshold."""
    groups = [*doc.metadata.key_groups, list(group)]
    update_keys(doc, groups, threshold or doc.metadata.shamir_threshold)


def delete_group(doc: SopsFile, index: int, threshold: int = 0) -> None:
    """Remove the key group at ``index`` (0-based).

    Raises SopsError when there is no such group or the threshold would be
    higher than the number of groups left.
    """
    groups = list(doc.metadata.key_groups)
    if not 0 <= index < len(groups):
        raise SopsError(
            f"there is no key group {index}; the file has {len(groups)} (counted from 0)"
        )
    del groups[index]
    wanted = threshold or doc.metadata.shamir_threshold
    if len(groups) < wanted:
        raise SopsError(
            f"removing this key group leaves {len(groups)} group(s), "
            f"fewer than the Shamir threshold {wanted}",
            hint="lower the threshold with --shamir-secret-sharing-threshold",
        )
    update_keys(doc, groups, wanted)


def rotate(
    doc: SopsFile,
    *,
    add: Sequence[MasterKey] = (),
    remove: Sequence[MasterKey] = (),
) -> None:
    """Give ``doc`` a new data key, after adding keys to its first group and removing others.

    Every value is encrypted with fresh IVs when the document is sealed next.
    Keys in ``remove`` are matched by type and identifier in every group.
    """
    groups = [list(g) for g in doc.metadata.key_groups] or [[]]
    groups[0].extend(add)
    gone = {key_id(k) for k in remove}
    groups = [[k for k in g if key_id(k) not in gone] for g in groups]
    data_key = new_data_key()
    threshold = _checked_threshold(groups, doc.metadata.shamir_threshold)
    wrap_data_key(data_key, groups, threshold or 1)
    doc.metadata.key_groups = groups
    doc.metadata.shamir_threshold = threshold
    doc.data_key = data_key
    doc.cipher = ValueCipher(data_key)
    log.debug("new data key wrapped for %d master key(s)", sum(len(g) for g in groups))


# -- values ---------------------------------------------------------------------


def replace_branches(
    doc: SopsFile,
    branches: list[Branch],
    is_reserved: Callable[[Branch], bool] = has_metadata_key,
) -> None:
    """Put new plaintext branches into ``doc``, keeping its data key and IVs.

    Values that are equal, of the same type and at the same path as in the
    opened document get their old ciphertext back when sealed.  Raises
    AlreadyEncrypted if a branch has a top-level ``sops`` key (``is_reserved``
    is the store's own test, e.g. dotenv also reserves ``sops_`` keys).
    """
    for branch in branches:
        if is_reserved(branch):
            raise AlreadyEncrypted(
                "the document has a top-level sops key, which is reserved for the metadata"
            )
    doc.branches = branches


def reencrypt_reusing(
    old_doc: SopsFile,
    new_branches: list[Branch],
    is_reserved: Callable[[Branch], bool] = has_metadata_key,
) -> SopsFile:
    """A document holding ``new_branches`` with ``old_doc``'s data key, keys and rules.

    ``old_doc`` must have been opened (its cipher knows the old IVs); values
    unchanged since then keep their exact ciphertext once the result is
    sealed, so a re-encrypted file differs from the old one only where the
    plaintext did.
    """
    doc = SopsFile(old_doc.branches, old_doc.metadata, old_doc.data_key, old_doc.cipher)
    replace_branches(doc, new_branches, is_reserved)
    refresh_version(doc)
    return doc


def refresh_version(doc: SopsFile) -> None:
    """Stamp the document with our format version if its own is older."""
    if _version_tuple(doc.metadata.version) < _version_tuple(FORMAT_VERSION):
        doc.metadata.version = FORMAT_VERSION


def _version_tuple(text: str) -> tuple[int, ...]:
    parts: list[int] = []
    for piece in text.split("-")[0].split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


# -- starter content for a new file ---------------------------------------------


def example_branches(store_name: str) -> list[Branch]:
    """The content a new file starts with in the editor, per store.

    Nested formats get a small tree of every kind of value, INI one section,
    dotenv flat strings; the same shapes Go sops offers, so both tools greet
    a user with the same file.
    """
    if store_name == "ini":
        section = Branch(
            [
                (Comment(" This is an example file."), None),
                ("hello", WELCOME),
                ("example_key", "example_value"),
            ]
        )
        return [Branch([("Welcome!", section)])]
    if store_name == "dotenv":
        return [
            Branch(
                [
                    (Comment(" This is an example file."), None),
                    ("hello", WELCOME),
                    ("example_key", "example_value"),
                    ("example_multiline", "foo\nbar\nbaz"),
                ]
            )
        ]
    if store_name == "binary":
        return [Branch([("data", WELCOME)])]
    items: list[tuple[Any, Any]] = [
        ("hello", WELCOME),
        ("example_key", "example_value"),
        (Comment(" Example comment"), None),
        ("example_array", ["example_value1", "example_value2"]),
        ("example_number", 1234.56789),
        ("example_booleans", [True, False]),
    ]
    return [Branch(items)]
