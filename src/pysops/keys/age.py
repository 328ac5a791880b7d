"""The age master key: wraps the data key for age recipients, unwraps with identities.

Recipients are X25519 (``age1...``), SSH (``ssh-ed25519 ...``, ``ssh-rsa ...``)
and plugin recipients (``age1<plugin>1...``, which need ``age-plugin-<name>``
on ``PATH``).  Identities are gathered from the same places as Go sops 3.11,
once per process and only when something is decrypted:

* SSH private keys: ``SOPS_AGE_SSH_PRIVATE_KEY_FILE``, ``~/.ssh/id_ed25519``,
  ``~/.ssh/id_rsa``;
* ``SOPS_AGE_KEY`` (key-file text), ``SOPS_AGE_KEY_FILE`` (a key file),
  ``SOPS_AGE_KEY_CMD`` (a command printing key-file text);
* the default key file ``<user config dir>/sops/age/keys.txt``.

All sources are combined.  A source that cannot be read is reported in the
error of a failed decryption, and does not stop the other sources.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyrage

from ..errors import MetadataError
from .interface import MasterKey, MasterKeyFailure

log = logging.getLogger(__name__)

KEY_ENV = "SOPS_AGE_KEY"
KEY_FILE_ENV = "SOPS_AGE_KEY_FILE"
KEY_CMD_ENV = "SOPS_AGE_KEY_CMD"
SSH_KEY_FILE_ENV = "SOPS_AGE_SSH_PRIVATE_KEY_FILE"
RECIPIENT_ENV = "SOPS_AGE_RECIPIENT"
DEFAULT_KEY_FILE = Path("sops", "age", "keys.txt")

_X25519_IDENTITY_PREFIX = "AGE-SECRET-KEY-1"
_PLUGIN_IDENTITY_PREFIX = "AGE-PLUGIN-"
_ENCRYPTED_FILE_PREFIXES = ("age-encryption", "-----BEGIN AGE")

Identity = Any
"""A pyrage identity (x25519, ssh or plugin); pyrage ships no type stubs."""


class AgeKey(MasterKey):
    """One age recipient and, once wrapped, the armored data key for it."""

    type_id = "age"

    def __init__(self, recipient: str, enc: str = "") -> None:
        self.recipient = recipient.strip()
        self.enc = enc

    @classmethod
    def parse_recipients(cls, text: str) -> list[AgeKey]:
        """Keys for comma-separated recipients (blanks trimmed, empty items skipped).

        Raises MasterKeyFailure naming the first recipient that does not parse.
        """
        keys = []
        for item in text.split(","):
            item = item.strip()
            if not item:
                continue
            parse_recipient(item)
            keys.append(cls(item))
        return keys

    @classmethod
    def from_string(cls, text: str, **options: Any) -> AgeKey:
        """One recipient as given on the command line or in ``.sops.yaml``."""
        keys = cls.parse_recipients(text)
        if len(keys) != 1:
            raise MasterKeyFailure(f"expected one age recipient, got {len(keys)}")
        return keys[0]

    @property
    def identifier(self) -> str:
        return self.recipient

    def encrypt(self, data_key: bytes) -> None:
        recipient = parse_recipient(self.recipient)
        try:
            if isinstance(recipient, pyrage.plugin.Recipient):
                # starting the plugin is deferred to here, as Go does
                recipient = pyrage.plugin.RecipientPluginV1(
                    recipient.plugin(), [recipient], [], _PluginCallbacks()
                )
            armored = pyrage.encrypt(data_key, [recipient], armored=True)
        except pyrage.EncryptError as err:
            raise MasterKeyFailure(
                f"age: cannot encrypt the data key for {self.recipient}: "
                f"{_one_line(err)}"
            ) from err
        self.enc = armored.decode("ascii")
        log.debug("age: data key wrapped for %s", self.recipient)

    def decrypt(self) -> bytes:
        override = _override.identities
        if override is not None:
            return self._unwrap(override, "the identities given explicitly")
        found = loaded_identities(self.recipient)
        return self._unwrap(found.identities, found.describe())

    def decrypt_with(self, identities: Sequence[Identity]) -> bytes:
        """Unwrap ``enc`` with exactly ``identities``; no other source is consulted."""
        return self._unwrap(list(identities), "the identities given explicitly")

    def _unwrap(self, identities: list[Identity], searched: str) -> bytes:
        if not self.enc:
            raise MasterKeyFailure(f"age: no wrapped data key for {self.recipient}")
        if not identities:
            raise MasterKeyFailure(
                f"age: no identity available to decrypt for {self.recipient}; "
                f"{searched}",
                hint=f"put the age secret key in {KEY_FILE_ENV}, {KEY_ENV}, "
                f"{KEY_CMD_ENV} or the default key file",
            )
        try:
            data_key: bytes = pyrage.decrypt(self.enc.encode("utf-8"), identities)
        except pyrage.DecryptError as err:
            raise MasterKeyFailure(
                f"age: no identity matched recipient {self.recipient} "
                f"({_one_line(err)}); {searched}"
            ) from err
        log.debug("age: data key unwrapped for %s", self.recipient)
        return data_key

    def to_metadata(self) -> dict[str, Any]:
        return {"recipient": self.recipient, "enc": self.enc}

    @classmethod
    def from_metadata(cls, entry: dict[str, Any]) -> AgeKey:
        recipient = entry.get("recipient")
        enc = entry.get("enc", "")
        if not isinstance(recipient, str) or not recipient:
            raise MetadataError("age entry without a recipient in the sops metadata")
        if not isinstance(enc, str):
            raise MetadataError(f"age entry for {recipient} has a non-text enc field")
        return cls(recipient, enc)


# --- recipients ---------------------------------------------------------


def parse_recipient(text: str) -> Any:
    """The pyrage recipient for ``text``; raises MasterKeyFailure if it is not one.

    Plugin recipients (``age1<plugin>1...``; Bech32 data never contains "1")
    come back unstarted, as ``pyrage.plugin.Recipient``.
    """
    text = text.strip()
    try:
        if text.startswith("age1") and text.count("1") > 1:
            return pyrage.plugin.Recipient.from_str(text)
        if text.startswith("age1"):
            return pyrage.x25519.Recipient.from_str(text)
        if text.startswith("ssh-"):
            return pyrage.ssh.Recipient.from_str(text)
    except pyrage.RecipientError as err:
        raise MasterKeyFailure(
            f"age: {text!r} is not a valid recipient: {_one_line(err)}"
        ) from err
    raise MasterKeyFailure(
        f"age: {text!r} is not a recipient (expected age1..., ssh-ed25519 or ssh-rsa)"
    )


class _PluginCallbacks:
    """Answers an age plugin's questions: messages logged, secrets asked on a tty."""

    def display_message(self, message: str) -> None:
        log.warning("age plugin: %s", message)

    def confirm(self, message: str, yes_string: str, no_string: str | None) -> bool:
        answer = _ask_terminal(f"{message} [{yes_string}/{no_string or 'no'}] ", False)
        return answer is not None and answer.strip().lower() == yes_string.lower()

    def request_public_string(self, description: str) -> str | None:
        return _ask_terminal(f"{description} ", False)

    def request_passphrase(self, description: str) -> str | None:
        return _ask_terminal(f"{description} ", True)


def _ask_terminal(prompt: str, secret: bool) -> str | None:
    if not sys.stdin.isatty():
        return None
    if secret:
        import getpass

        return getpass.getpass(prompt)
    sys.stderr.write(prompt)
    sys.stderr.flush()
    return sys.stdin.readline().rstrip("\n")


# --- identities ---------------------------------------------------------


class IdentityError(MasterKeyFailure):
    """A source of age identities exists but cannot be read or parsed."""


def identities_from_text(text: str, source: str = "age identities") -> list[Identity]:
    """Parse age key-file text: one or more keys per line, ``#`` comments, blank lines.

    ``source`` names the text in errors (a path or an environment variable);
    errors give the line number, never the line.  Raises IdentityError.
    """
    identities = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        for word in line.split():
            identities.append(_parse_identity(word, source, number))
    return identities


def _parse_identity(word: str, source: str, number: int) -> Identity:
    try:
        if word.startswith(_X25519_IDENTITY_PREFIX):
            return pyrage.x25519.Identity.from_str(word)
        if word.startswith(_PLUGIN_IDENTITY_PREFIX):
            identity = pyrage.plugin.Identity.from_str(word)
            return pyrage.plugin.IdentityPluginV1(
                identity.plugin(), [identity], _PluginCallbacks()
            )
    except pyrage.IdentityError as err:
        raise IdentityError(
            f"age: malformed identity in {source}, line {number}"
        ) from err
    except (pyrage.EncryptError, pyrage.DecryptError) as err:
        raise IdentityError(
            f"age: the plugin of the identity in {source}, line {number}, "
            f"is unavailable: {_one_line(err)}"
        ) from err
    raise IdentityError(f"age: unknown kind of identity in {source}, line {number}")


def identities_from_ssh_key(path: Path) -> list[Identity]:
    """The age identity of an unencrypted OpenSSH ed25519 or RSA private key file."""
    try:
        contents = path.read_bytes()
    except OSError as err:
        raise IdentityError(
            f"age: cannot read SSH key {path}: {err.strerror or err}"
        ) from err
    try:
        return [pyrage.ssh.Identity.from_buffer(contents)]
    except pyrage.IdentityError as err:
        # TODO: passphrase-protected SSH keys; pyrage cannot load them.
        raise IdentityError(
            f"age: cannot use SSH key {path} (malformed or passphrase-protected)"
        ) from err


@dataclass
class LoadedIdentities:
    """Everything found in the identity sources, with what went wrong where."""

    identities: list[Identity] = field(default_factory=list)
    searched: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """One sentence listing where identities were looked for and what failed."""
        text = "identities were looked for in " + ", ".join(self.searched)
        if self.problems:
            text += "; problems: " + "; ".join(self.problems)
        return text

    def add(self, source: str, load: Any) -> None:
        self.searched.append(source)
        try:
            self.identities.extend(load())
        except IdentityError as err:
            self.problems.append(err.message)
            log.warning("%s", err.message)


def load_identities(recipient: str = "") -> LoadedIdentities:
    """Read every identity source now (no cache); see the module docstring.

    ``recipient`` is passed to ``SOPS_AGE_KEY_CMD`` as ``SOPS_AGE_RECIPIENT``.
    """
    found = LoadedIdentities()
    env = os.environ

    # 1. SSH private keys
    ssh_file = env.get(SSH_KEY_FILE_ENV)
    if ssh_file is not None:
        found.add(
            f"{SSH_KEY_FILE_ENV} ({ssh_file})",
            lambda: identities_from_ssh_key(Path(ssh_file)),
        )
    home = _home()
    if home is not None:
        for name in ("id_ed25519", "id_rsa"):
            path = home / ".ssh" / name
            if path.exists():
                found.add(str(path), lambda path=path: identities_from_ssh_key(path))

    # 2. the three SOPS_AGE_KEY* variables
    if KEY_ENV in env:
        found.add(KEY_ENV, lambda: _from_text_or_encrypted(env[KEY_ENV], KEY_ENV))
    key_file = env.get(KEY_FILE_ENV)
    if key_file is not None:
        found.add(
            f"{KEY_FILE_ENV} ({key_file})", lambda: _from_key_file(Path(key_file))
        )
    command = env.get(KEY_CMD_ENV)
    if command is not None:
        found.add(KEY_CMD_ENV, lambda: _from_command(command, recipient))

    # 3. the default key file
    default = default_key_file()
    if default is not None and default.exists():
        found.add(str(default), lambda: _from_key_file(default))
    elif default is not None:
        found.searched.append(str(default))
    return found


def default_key_file() -> Path | None:
    """``<user config dir>/sops/age/keys.txt`` as Go sops computes it, or None."""
    xdg = os.environ.get("XDG_CONFIG_HOME", "")
    if sys.platform == "darwin":
        if xdg:
            return Path(xdg) / DEFAULT_KEY_FILE
        home = _home()
        if home is None:
            return None
        return home / "Library" / "Application Support" / DEFAULT_KEY_FILE
    if sys.platform == "win32":
        appdata = os.environ.get("AppData", "")
        return Path(appdata) / DEFAULT_KEY_FILE if appdata else None
    if xdg:
        # Go refuses a relative XDG_CONFIG_HOME; so do we
        return Path(xdg) / DEFAULT_KEY_FILE if os.path.isabs(xdg) else None
    home = _home()
    return home / ".config" / DEFAULT_KEY_FILE if home is not None else None


def _home() -> Path | None:
    home = os.environ.get("HOME", "")
    return Path(home) if home else None


def _from_key_file(path: Path) -> list[Identity]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        reason = getattr(err, "strerror", None) or "not UTF-8 text"
        raise IdentityError(f"age: cannot read key file {path}: {reason}") from err
    return _from_text_or_encrypted(text, str(path))


def _from_command(command: str, recipient: str) -> list[Identity]:
    # NOTE: Go sops 3.11 splits the command shell-like and runs it without a
    # shell; we do the same so a command behaves identically under both.
    try:
        import shlex
        import subprocess

        argv = shlex.split(command)
    except ValueError as err:
        raise IdentityError(f"age: cannot parse the command in {KEY_CMD_ENV}") from err
    if not argv:
        raise IdentityError(f"age: the command in {KEY_CMD_ENV} is empty")
    env = dict(os.environ, **{RECIPIENT_ENV: recipient})
    try:
        result = subprocess.run(argv, env=env, stdout=subprocess.PIPE, check=False)
    except OSError as err:
        raise IdentityError(
            f"age: cannot run {argv[0]} from {KEY_CMD_ENV}: {err.strerror or err}"
        ) from err
    if result.returncode != 0:
        raise IdentityError(
            f"age: {argv[0]} from {KEY_CMD_ENV} exited with status {result.returncode}"
        )
    try:
        text = result.stdout.decode("utf-8")
    except UnicodeDecodeError as err:
        raise IdentityError(f"age: output of {KEY_CMD_ENV} is not UTF-8 text") from err
    return _from_text_or_encrypted(text, KEY_CMD_ENV)


def _from_text_or_encrypted(text: str, source: str) -> list[Identity]:
    if not text.lstrip().startswith(_ENCRYPTED_FILE_PREFIXES):
        return identities_from_text(text, source)

    # A passphrase-protected identity file, as written by ``age -p``.
    passphrase = _ask_terminal(
        f"Enter passphrase for age identities in {source}: ", True
    )
    if passphrase is None:
        raise IdentityError(
            f"age: {source} is passphrase-protected and no terminal is available"
        )
    try:
        plain = pyrage.passphrase.decrypt(text.encode("utf-8"), passphrase)
    except pyrage.DecryptError as err:
        raise IdentityError(f"age: wrong passphrase for {source}") from err
    return identities_from_text(plain.decode("utf-8", errors="replace"), source)


# --- process-wide cache and explicit override --------------------------------

_cache_lock = threading.Lock()
_cache: LoadedIdentities | None = None


def loaded_identities(recipient: str = "") -> LoadedIdentities:
    """The identities of this process, read from their sources on first use."""
    global _cache
    with _cache_lock:
        if _cache is None:
            _cache = load_identities(recipient)
            log.debug(
                "age: %d identities loaded; %s",
                len(_cache.identities),
                _cache.describe(),
            )
        return _cache


def clear_identity_cache() -> None:
    """Forget loaded identities, so the next decryption reads the sources again."""
    global _cache
    with _cache_lock:
        _cache = None


class _Override(threading.local):
    identities: list[Identity] | None = None


_override = _Override()


@contextmanager
def only_identities(identities: Sequence[Identity]) -> Iterator[None]:
    """Within the block, every AgeKey decrypts with exactly ``identities``.

    No environment variable, key file or SSH key is read meanwhile (used by
    the recovery drill, which proves one given key opens a file).
    """
    previous = _override.identities
    _override.identities = list(identities)
    try:
        yield
    finally:
        _override.identities = previous


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    # rage wraps names in Unicode isolation marks
    return text.replace("\u2068", "").replace("\u2069", "")
