"""``pysops exec-env FILE CMD`` and ``pysops exec-file FILE CMD``: run a program with secrets.

exec-env hands the secrets over as environment variables; exec-file as a
file whose path replaces ``{}`` in the command.  That file is a FIFO by
default, so the plaintext never touches a disk; with ``--no-fifo`` it is a
0600 file in a private 0700 directory, removed when the command ends.  The
command runs through ``/bin/sh -c`` and its exit status becomes ours.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from typing import Any

from .. import exitcodes
from ..errors import SopsError, UsageError
from ..tree import Branch, Comment
from ..values import type_and_text
from .common import (
    file_error,
    name_for_rules,
    read_source,
    stores_for,
    terminations_raise,
)
from .flags import Parsed
from .keysel import load_config_for
from .opening import open_file

#: the name of the file given to exec-file's command unless --filename says otherwise
DEFAULT_FILENAME = "tmp-file"


def run(command: str, args: Parsed) -> int:
    if len(args.positionals) != 2:
        raise SopsError(f"{command} needs exactly 2 arguments: FILE COMMAND")
    path, shell_command = args.positionals
    if command == "exec-env" and args.bool("background") and args.bool("same_process"):
        raise UsageError("--same-process cannot be used with --background")
    source = read_source(path)
    try:
        config = load_config_for(args) if args.str("indent") is None else None
        store_in, store_out = stores_for(args, name_for_rules(args, path), config)
        doc = open_file(args, store_in, source.data)
        if command == "exec-env":
            env = secrets_as_env(doc.branches[0])
        else:
            plaintext = store_out.emit_plain(doc.branches)
    except SopsError as err:
        raise file_error(path, err) from None
    if command == "exec-env":
        return exec_env(shell_command, env, args)
    return exec_file(shell_command, plaintext, args)


def secrets_as_env(branch: Branch) -> dict[str, str]:
    """Top-level items as variables; nested values cannot be variables."""
    env: dict[str, str] = {}
    for key, value in branch:
        if isinstance(key, Comment):
            continue
        if isinstance(value, (Branch, list)):
            raise SopsError(
                f"cannot put a nested value in the environment (key {key!r})"
            )
        if "=" in key:
            raise SopsError(
                f"cannot use a key with '=' as an environment variable: {key!r}"
            )
        env[key] = _env_text(value)
    return env


def _env_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return type_and_text(value)[1].decode("utf-8", "surrogateescape")


def _base_env(args: Parsed) -> dict[str, str]:
    return {} if args.bool("pristine") else dict(os.environ)


def exec_env(shell_command: str, secrets: dict[str, str], args: Parsed) -> int:
    env = {**_base_env(args), **secrets}
    argv = ["/bin/sh", "-c", shell_command]
    user = _user_options(args.str("user"))
    if args.bool("same_process"):
        _switch_user_now(user)
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(argv[0], argv, env)
    if args.bool("background"):
        _start_in_background(argv, env, user)
        return 0
    return _exit_status(subprocess.call(argv, env=env, **user))


def exec_file(shell_command: str, plaintext: bytes, args: Parsed) -> int:
    filename = args.str("filename") or DEFAULT_FILENAME
    if os.sep in filename or filename in (".", ".."):
        raise UsageError(f"--filename must be a plain file name, not {filename!r}")
    user = _user_options(args.str("user"))
    directory = tempfile.mkdtemp(prefix="pysops-exec-")
    try:
        with terminations_raise("terminated; the decrypted file was removed"):
            return _run_with_file(
                shell_command, plaintext, args, directory, filename, user
            )
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _run_with_file(
    shell_command: str,
    plaintext: bytes,
    args: Parsed,
    directory: str,
    filename: str,
    user: dict[str, Any],
) -> int:
    target = os.path.join(directory, filename)
    if args.bool("no_fifo"):
        _write_private(target, plaintext)
        finish: Callable[[], None] = _nothing
    else:
        os.mkfifo(target, 0o600)
        finish = _feed_fifo(target, plaintext)
    _chown_for(user, directory, target)
    argv = ["/bin/sh", "-c", shell_command.replace("{}", target)]
    env = _base_env(args)
    if args.bool("background"):
        _start_in_background(argv, env, user)
        if not args.bool("no_fifo"):
            finish()
        return 0
    status = subprocess.call(argv, env=env, **user)
    finish()
    return _exit_status(status)


def _start_in_background(
    argv: list[str], env: dict[str, str], user: dict[str, Any]
) -> None:
    """Start the command detached, with no terminal streams (deprecated in Go sops)."""
    logging.getLogger(__name__).info("--background is deprecated, as in Go sops")
    subprocess.Popen(
        argv,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        **user,
    )


def _nothing() -> None:
    return None


def _write_private(path: str, data: bytes) -> None:
    fd = os.open(
        path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600
    )
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(data)


def _feed_fifo(path: str, data: bytes) -> Callable[[], None]:
    """Write ``data`` into the FIFO once the command opens it; returns a joiner.

    The joiner unblocks the writer if the command never opened the FIFO.
    """

    def write() -> None:
        try:
            with open(path, "wb") as handle:
                handle.write(data)
        except OSError:
            # The reader went away early; it chose not to read everything.
            pass

    writer = threading.Thread(target=write, daemon=True)
    writer.start()

    def finish() -> None:
        if writer.is_alive():
            try:
                fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            except OSError:
                fd = -1
            writer.join(timeout=0.5)
            if fd >= 0:
                os.close(fd)
        writer.join(timeout=5)

    return finish


def _exit_status(status: int) -> int:
    """The child's exit status; a signal death as the shell reports it (128 + N)."""
    return 128 - status if status < 0 else status


def _user_options(name: str | None) -> dict[str, Any]:
    if not name:
        return {}
    import pwd

    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise SopsError(f"unknown user {name!r}") from None
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _switch_user_now(user: dict[str, Any]) -> None:
    if not user:
        return
    try:
        os.setgroups([])
        os.setgid(user["group"])
        os.setuid(user["user"])
    except OSError as err:
        raise SopsError(
            f"cannot switch to the user: {err.strerror}", exit_code=exitcodes.GENERIC
        ) from None


def _chown_for(user: dict[str, Any], *paths: str) -> None:
    """Let the command's user, and only it, read the plaintext."""
    if not user:
        return
    for path in paths:
        try:
            os.chown(path, user["user"], user["group"])
        except OSError as err:
            raise SopsError(
                f"cannot give the file to the user: {err.strerror}"
            ) from None
