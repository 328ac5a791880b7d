"""All-or-nothing writes of many files: stage every result, then rename them all.

Each new content goes to a temporary file beside its target, flushed to disk.
Only when every file of an operation is staged are they renamed over their
targets; on any failure the temporary files are removed and no target has
changed.  A rename within one directory is atomic, so each file is always
either wholly old or wholly new.
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
import weakref
from pathlib import Path
from typing import Any

from .. import exitcodes
from ..errors import SopsError


class Staging:
    """Temporary files waiting to replace their targets."""

    def __init__(self) -> None:
        self._pending: list[tuple[str, Path]] = []
        _LIVE.add(self)

    def __len__(self) -> int:
        return len(self._pending)

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    def stage(self, target: Path, data: bytes, mode: int | None = None) -> None:
        """Write ``data`` next to ``target``; ``mode`` defaults to the target's own.

        Raises SopsError when the directory is not writable.
        """
        if mode is None:
            try:
                mode = target.stat().st_mode & 0o7777
            except FileNotFoundError:
                mode = 0o644 & ~_umask()
        try:
            fd, tmp = tempfile.mkstemp(
                prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
            )
        except OSError as err:
            raise SopsError(
                f"{target}: cannot write beside it: {err.strerror}",
                exit_code=exitcodes.COULD_NOT_WRITE_OUTPUT_FILE,
            ) from None
        self._pending.append((tmp, target))
        try:
            os.fchmod(fd, mode)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as err:
            raise SopsError(
                f"{target}: cannot write: {err.strerror}",
                exit_code=exitcodes.COULD_NOT_WRITE_OUTPUT_FILE,
            ) from None

    def commit(self) -> list[Path]:
        """Rename every staged file over its target; returns the targets.

        Termination signals wait until every rename is done: the renames take
        milliseconds, and stopping halfway would leave some files re-keyed
        and others not.
        """
        done = []
        held = _hold_signals()
        try:
            for tmp, target in self._pending:
                os.replace(tmp, target)
                done.append(target)
            self._pending = []
        finally:
            _release_signals(held)
        return done

    def discard(self) -> None:
        """Remove the staged files; the targets stay as they were."""
        for tmp, _ in self._pending:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
        self._pending = []


_LIVE: weakref.WeakSet[Staging] = weakref.WeakSet()


def discard_all() -> None:
    """Remove what every staging still holds (after an interruption)."""
    for staging in list(_LIVE):
        staging.discard()


_HELD = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _hold_signals() -> dict[int, Any]:
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {sig: signal.signal(sig, signal.SIG_IGN) for sig in _HELD}


def _release_signals(held: dict[int, Any]) -> None:
    for sig, handler in held.items():
        signal.signal(sig, handler)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read (the envelope, a key file), atomically."""
    with Staging() as staging:
        staging.stage(path, data, mode=0o600)
        staging.commit()
