"""What the subcommands share: input, output, stores, keys and config."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from .. import exitcodes
from ..errors import SopsError, UsageError
from ..rules import EncryptionRules
from ..stores import get_store, resolve_store_name
from ..stores.interface import Store
from .flags import Parsed


def file_error(path: str | None, err: SopsError) -> SopsError:
    """Prefix an error's message with the file it concerns (once)."""
    name = path or "<stdin>"
    line = getattr(err, "line", None)
    where = f"{name}:{line}" if line else name
    if not err.message.startswith(where):
        err.message = f"{where}: {err.message}"
    return err


@dataclass
class Source:
    """The file a command works on, or standard input."""

    path: str | None
    display_name: str
    data: bytes


def input_path(args: Parsed, *, required: bool = True) -> str | None:
    if args.positionals:
        return args.positionals[0]
    if required:
        raise SopsError("no file specified", exit_code=exitcodes.NO_FILE_SPECIFIED)
    return None


def read_source(path: str | None) -> Source:
    """Read the input file (or stdin when ``path`` is None)."""
    if path is None:
        return Source(None, "<stdin>", sys.stdin.buffer.read())
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise SopsError(
            f"cannot operate on non-existent file {path!r}",
            exit_code=exitcodes.NO_FILE_SPECIFIED,
        ) from None
    except IsADirectoryError:
        raise SopsError(
            f"{path}: is a directory", exit_code=exitcodes.COULD_NOT_READ_INPUT_FILE
        ) from None
    except OSError as err:
        raise SopsError(
            f"{path}: cannot read file: {err.strerror}",
            exit_code=exitcodes.COULD_NOT_READ_INPUT_FILE,
        ) from None
    return Source(path, path, data)


def name_for_rules(args: Parsed, path: str | None) -> str:
    """The file name that chooses the format and the creation rule."""
    return args.str("filename_override") or path or ""


def parse_indent(args: Parsed) -> int | None:
    text = args.str("indent")
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"--indent takes a number, not {text!r}") from None


def stores_for(args: Parsed, name: str, config: Any = None) -> tuple[Store, Store]:
    """The input and output stores for a file name and the type flags."""
    in_name = resolve_store_name(args.str("input_type"), name)
    out_name = resolve_store_name(args.str("output_type"), name)
    return _store(in_name, args, config), _store(out_name, args, config)


def _store(store_name: str, args: Parsed, config: Any) -> Store:
    indent = parse_indent(args)
    if indent is None and config is not None:
        indent = config_indent(config, store_name)
    if indent is not None and indent < 0 and store_name == "yaml":
        raise UsageError("YAML indentation cannot be negative")
    return get_store(store_name, indent=indent)


def config_indent(config: Any, store_name: str) -> int | None:
    """The indent the ``stores`` section of ``.sops.yaml`` sets for a store."""
    stores = getattr(config, "stores", None)
    field = {
        "yaml": "yaml_indent",
        "json": "json_indent",
        "binary": "json_binary_indent",
    }.get(store_name)
    if stores is None or field is None:
        return None
    return getattr(stores, field, None)


def rules_from_flags(args: Parsed) -> EncryptionRules:
    values = {
        name: args.str(name) or ""
        for name in (
            "unencrypted_suffix",
            "encrypted_suffix",
            "unencrypted_regex",
            "encrypted_regex",
            "unencrypted_comment_regex",
            "encrypted_comment_regex",
        )
    }
    try:
        return EncryptionRules(**values)
    except UsageError as err:
        raise UsageError(f"cannot use more than one encryption rule: {err}") from None


def decryption_order(args: Parsed) -> tuple[str, ...]:
    from ..datakey import DEFAULT_DECRYPTION_ORDER, parse_decryption_order

    text = args.str("decryption_order") or os.environ.get("SOPS_DECRYPTION_ORDER", "")
    return parse_decryption_order(text) if text else DEFAULT_DECRYPTION_ORDER


def check_output_flags(args: Parsed) -> None:
    if args.bool("in_place") and args.str("output"):
        raise UsageError("cannot use both --output and --in-place")


def write_atomic(path: str, data: bytes) -> None:
    """Replace the file at ``path`` with ``data`` so that it is never half written.

    The bytes go to a private temporary file beside the real file (symlinks
    are followed, so the link stays a link and its target changes), are
    flushed to disk and renamed over it, keeping mode and owner: a crash
    leaves the old content or the new one.  Two cases cannot be renamed over
    without harm, and are rewritten in place instead, with the old content
    put back if the write fails: a file with other hard links (a rename would
    leave the old, perhaps plaintext, content under the other names) and a
    file that is itself a mount point (Docker ``-v file:file``, Kubernetes
    ``subPath``), where the rename is refused.
    """
    target = Path(os.path.realpath(path))
    try:
        info = target.stat()
    except FileNotFoundError:
        info = None
    if info is not None and info.st_nlink > 1:
        _write_in_place(path, target, data)
        return
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if info is not None:
            os.chmod(tmp, info.st_mode & 0o7777)
            if os.geteuid() == 0 and (info.st_uid, info.st_gid) != (0, 0):
                os.chown(tmp, info.st_uid, info.st_gid)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except OSError as err:
        _discard(tmp)
        if info is not None and err.errno in (errno.EBUSY, errno.EXDEV):
            _write_in_place(path, target, data)
            return
        raise SopsError(
            f"{path}: cannot write file: {err.strerror}",
            exit_code=exitcodes.COULD_NOT_WRITE_OUTPUT_FILE,
        ) from None
    except BaseException:
        _discard(tmp)
        raise


def _write_in_place(path: str, target: Path, data: bytes) -> None:
    """Overwrite ``target`` in place; on failure write its old bytes back."""
    try:
        old = target.read_bytes()
    except OSError as err:
        raise SopsError(
            f"{path}: cannot read file: {err.strerror}",
            exit_code=exitcodes.COULD_NOT_WRITE_OUTPUT_FILE,
        ) from None
    try:
        _overwrite(target, data)
    except OSError as err:
        try:
            _overwrite(target, old)
        except OSError:
            raise SopsError(
                f"{path}: cannot write file, and restoring it failed too: {err.strerror}",
                exit_code=exitcodes.COULD_NOT_WRITE_OUTPUT_FILE,
            ) from None
        raise SopsError(
            f"{path}: cannot write file (left unchanged): {err.strerror}",
            exit_code=exitcodes.COULD_NOT_WRITE_OUTPUT_FILE,
        ) from None


def _overwrite(target: Path, data: bytes) -> None:
    with open(target, "r+b") as handle:
        handle.write(data)
        handle.truncate()
        handle.flush()
        os.fsync(handle.fileno())


def _discard(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def emit_result(args: Parsed, path: str | None, data: bytes) -> None:
    """Send a command's result to stdout, ``--output`` or back into the file."""
    if args.bool("in_place"):
        if path is None:
            raise UsageError("cannot use --in-place with standard input")
        write_atomic(path, data)
    elif args.str("output"):
        write_atomic(args.str("output") or "", data)
    else:
        out = sys.stdout.buffer
        out.write(data)
        out.flush()


def key_services(args: Parsed) -> tuple[Any, ...]:
    """This machine's key sources (unless disabled) and any ``--keyservice``."""
    from ..datakey import LocalAccess

    enabled = args.get("enable_local_keyservice")
    if enabled is None:
        env = os.environ.get("SOPS_ENABLE_LOCAL_KEYSERVICE", "")
        enabled = env.lower() not in ("false", "0", "f")
    uris = args.list("keyservice")
    if not uris and os.environ.get("SOPS_KEYSERVICE"):
        uris = [
            u.strip() for u in os.environ["SOPS_KEYSERVICE"].split(",") if u.strip()
        ]
    services: list[Any] = [LocalAccess()] if enabled else []
    if uris:
        from ..keyservice import KeyServiceClient

        services.extend(KeyServiceClient(uri) for uri in uris)
    if not services:
        raise UsageError(
            "no key service to use: the local one is disabled and no --keyservice was given"
        )
    return tuple(services)


class _Terminated(BaseException):
    """SIGTERM or SIGHUP arrived while plaintext was on disk."""


@contextlib.contextmanager
def terminations_raise(message: str) -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into an error, so ``finally`` blocks run.

    Without this a terminated pysops would skip the clean-up that removes
    plaintext from disk.  The error carries the shell's exit code (128 + N).
    """

    def stop(signum: int, frame: FrameType | None) -> None:
        raise _Terminated(signum)

    previous = {
        sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)
    }
    try:
        yield
    except _Terminated as caught:
        raise SopsError(message, exit_code=128 + int(caught.args[0])) from None
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
