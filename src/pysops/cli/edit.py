"""``pysops edit FILE`` (and the classic ``pysops FILE``): edit secrets in an editor.

The plaintext lives only in a private temporary directory (0700) holding one
0600 file named like the original, and is removed when the edit ends for any
reason: saved, unchanged, failed, interrupted or terminated.  The original
file is replaced only after the edited content encrypted cleanly.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from .. import editing, exitcodes, sopsfile
from ..datakey import wrap_data_key
from ..errors import SopsError
from ..metadata import parse_metadata
from ..stores.interface import Store
from .common import (
    file_error,
    input_path,
    name_for_rules,
    read_source,
    stores_for,
    terminations_raise,
    write_atomic,
)
from .flags import Parsed
from .keysel import load_config_for, recipe_for
from .opening import open_file

#: tried in this order when neither $SOPS_EDITOR nor $EDITOR is set (as Go sops)
FALLBACK_EDITORS = ("vim", "nano", "vi")


def run(command: str, args: Parsed) -> int:
    path = input_path(args)
    assert path is not None
    name = name_for_rules(args, path)
    try:
        data = _edit(args, path, name)
    except SopsError as err:
        raise file_error(path, err) from None
    write_atomic(path, data)
    return 0


def _edit(args: Parsed, path: str, name: str) -> bytes:
    config = load_config_for(args)
    store_in, store_out = stores_for(args, name, config)
    if os.path.exists(path):
        doc = open_file(args, store_in, read_source(path).data)
    else:
        doc = _new_document(args, name, config, store_in)
    session = EditSession(
        doc, store_in, store_out, show_master_keys=args.bool("show_master_keys")
    )
    return session.run(os.path.basename(path) or "file")


def _new_document(
    args: Parsed, name: str, config: object, store: Store
) -> sopsfile.SopsFile:
    """A document for a file that does not exist yet: starter content, keys from rules."""
    recipe = recipe_for(args, name, config)
    branches = store.load_plain(store.emit_plain(editing.example_branches(store.name)))
    return sopsfile.new_document(
        branches,
        recipe.key_groups,
        shamir_threshold=recipe.shamir_threshold,
        rules=recipe.rules,
        mac_only_encrypted=recipe.mac_only_encrypted,
    )


class EditSession:
    """One round of editing a document until its content is valid, or aborted."""

    def __init__(
        self,
        doc: sopsfile.SopsFile,
        store_in: Store,
        store_out: Store,
        *,
        show_master_keys: bool = False,
    ) -> None:
        self.doc = doc
        self.store_in = store_in
        self.store_out = store_out
        self.show_master_keys = show_master_keys

    def run(self, file_name: str) -> bytes:
        """Edit, then return the encrypted file; SopsError (200) if nothing changed."""
        if self.show_master_keys:
            shown = self.store_out.emit_encrypted(
                self.doc.branches, self.doc.metadata.to_branch()
            )
        else:
            shown = self.store_out.emit_plain(self.doc.branches)
        original = hashlib.sha256(shown).digest()
        kept = "terminated, the original file is kept"
        with terminations_raise(kept), private_file(file_name, shown) as tmp:
            while True:
                run_editor(tmp)
                edited = tmp.read_bytes()
                if hashlib.sha256(edited).digest() == original:
                    raise SopsError(
                        "file has not changed, exiting",
                        exit_code=exitcodes.FILE_HAS_NOT_BEEN_MODIFIED,
                    )
                try:
                    self._apply(edited)
                except SopsError as err:
                    _offer_retry(err)
                    continue
                break
        editing.refresh_version(self.doc)
        sopsfile.seal(self.doc)
        return self.store_out.emit_encrypted(
            self.doc.branches, self.doc.metadata.to_branch()
        )

    def _apply(self, edited: bytes) -> None:
        """Take the edited content into the document, or raise without touching it."""
        if not self.show_master_keys:
            editing.replace_branches(
                self.doc,
                self.store_in.load_plain(edited),
                self.store_in.has_metadata_key,
            )
            return
        branches, raw = self.store_in.load_encrypted(edited)
        metadata = parse_metadata(raw)
        if any(not key.enc for key in metadata.master_keys()):
            # A key added by hand has no wrapped data key yet.
            wrap_data_key(
                self.doc.data_key, metadata.key_groups, metadata.effective_threshold()
            )
        editing.replace_branches(self.doc, branches, self.store_in.has_metadata_key)
        metadata.mac_only_encrypted = (
            self.doc.metadata.mac_only_encrypted or metadata.mac_only_encrypted
        )
        self.doc.metadata = metadata


def _offer_retry(err: SopsError) -> None:
    """Explain why the content was refused; return to retry, raise to abort."""
    line = getattr(err, "line", None)
    where = f" (line {line})" if line else ""
    sys.stderr.write(
        f"pysops: the edited file cannot be used{where}: {err.message}\n"
        "  press Enter to return to the editor, or Ctrl+C to abort (the original file is kept)\n"
    )
    sys.stderr.flush()
    if not sys.stdin.readline():
        raise SopsError(
            f"edit aborted, the original file is kept: {err.message}",
            exit_code=err.exit_code,
        ) from None


# -- the editor -----------------------------------------------------------------


def editor_command() -> list[str]:
    """The editor to run: $SOPS_EDITOR, then $EDITOR (split as a shell would), then a fallback."""
    for variable in ("SOPS_EDITOR", "EDITOR"):
        value = os.environ.get(variable, "")
        if not value:
            continue
        try:
            parts = shlex.split(value)
        except ValueError:
            raise SopsError(
                f"invalid ${variable}: cannot split it into words",
                exit_code=exitcodes.NO_EDITOR_FOUND,
            ) from None
        if parts:
            return parts
    for name in FALLBACK_EDITORS:
        found = shutil.which(name)
        if found:
            return [found]
    raise SopsError(
        "no editor found: set $SOPS_EDITOR or $EDITOR, or install vim, nano or vi",
        exit_code=exitcodes.NO_EDITOR_FOUND,
    )


def run_editor(path: Path) -> None:
    """Run the editor on ``path``; SopsError (201) if it cannot start or fails.

    While the editor runs, Ctrl+C belongs to it (vim uses it), so pysops
    ignores SIGINT; the editor gets the default handling back when it starts.
    """
    command = [*editor_command(), str(path)]
    previous = signal.signal(signal.SIGINT, _ignore)
    try:
        status = subprocess.call(command)
    except OSError as err:
        raise SopsError(
            f"could not run the editor {command[0]!r}: {err.strerror}",
            exit_code=exitcodes.NO_EDITOR_FOUND,
        ) from None
    finally:
        signal.signal(signal.SIGINT, previous)
    if status == -signal.SIGINT:
        raise SopsError(
            "the editor was interrupted, the original file is kept",
            exit_code=exitcodes.KEYBOARD_INTERRUPT,
        )
    if status != 0:
        how = (
            f"was killed by signal {-status}"
            if status < 0
            else f"exited with status {status}"
        )
        raise SopsError(
            f"the editor {how}, the original file is kept",
            exit_code=exitcodes.NO_EDITOR_FOUND,
        )


def _ignore(signum: int, frame: FrameType | None) -> None:
    return None


@contextlib.contextmanager
def private_file(name: str, content: bytes) -> Iterator[Path]:
    """A 0600 file holding ``content`` in a new 0700 directory, both removed on exit."""
    directory = tempfile.mkdtemp(prefix="pysops-edit-")
    try:
        path = Path(directory) / name
        fd = os.open(
            path,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
            0o600,
        )
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(content)
        yield path
    finally:
        shutil.rmtree(directory, ignore_errors=True)


# -- encrypt --reuse-from -------------------------------------------------------


def reencrypt_file(args: Parsed, old_path: str, new_data: bytes, name: str) -> bytes:
    """Encrypt plaintext ``new_data`` reusing ``old_path``'s data key, keys and IVs.

    Values unchanged since the old encrypted file keep their ciphertext.
    """
    config = load_config_for(args)
    store_in, store_out = stores_for(args, name, config)
    old_store = (
        stores_for(args, old_path, config)[0]
        if not args.str("input_type")
        else store_in
    )
    try:
        old = open_file(args, old_store, read_source(old_path).data)
    except SopsError as err:
        raise file_error(old_path, err) from None
    doc = editing.reencrypt_reusing(
        old, store_in.load_plain(new_data), store_in.has_metadata_key
    )
    sopsfile.seal(doc)
    return store_out.emit_encrypted(doc.branches, doc.metadata.to_branch())
