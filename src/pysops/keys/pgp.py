"""PGP master keys, wrapped and unwrapped by the GnuPG binary."""

from __future__ import annotations

import datetime as _dt
import logging
import os
import subprocess
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ._entries import (
    format_created_at,
    is_older_than_rotation_age,
    last_line,
    parse_created_at,
    text_field,
    utc_now,
)
from .interface import MasterKey, MasterKeyFailure

logger = logging.getLogger(__name__)

#: environment variable naming the gpg binary (default ``gpg``), as in Go sops
GPG_EXEC_ENV = "SOPS_GPG_EXEC"


def gpg_binary() -> str:
    """The gpg executable to run: ``$SOPS_GPG_EXEC`` or ``gpg`` from ``PATH``."""
    return os.environ.get(GPG_EXEC_ENV) or "gpg"


def short_key_id(fingerprint: str) -> str:
    """The last 16 hex digits of ``fingerprint`` (``--trusted-key`` wants a key id).

    A trailing ``!`` (gpg's "exactly this subkey") is kept with the 16 digits
    before it, as Go sops does.
    """
    width = 17 if fingerprint.endswith("!") else 16
    return fingerprint[-width:]


@dataclass(eq=False, repr=False)
class PgpKey(MasterKey):
    """A PGP key known to GnuPG by its fingerprint (spaces removed).

    GnuPG finds the keys in ``$GNUPGHOME`` (default ``~/.gnupg``); decryption
    goes through ``gpg -d`` and so through gpg-agent, which also serves keys
    that exist only there (smartcards, cached passphrases).
    """

    type_id: ClassVar[str] = "pgp"

    fingerprint: str
    created_at: _dt.datetime = field(default_factory=utc_now)
    enc: str = ""

    @classmethod
    def from_fingerprint(cls, fingerprint: str) -> PgpKey:
        return cls(fingerprint.replace(" ", ""))

    @classmethod
    def from_string(cls, text: str, **options: Any) -> PgpKey:
        return cls.from_fingerprint(text)

    @property
    def identifier(self) -> str:
        return self.fingerprint

    def encrypt(self, data_key: bytes) -> None:
        # The same arguments as Go sops: armored, to this key only, trusted
        # for this run without touching the trust database.
        args = [
            "--no-default-recipient",
            "--yes",
            "--encrypt",
            "-a",
            "-r",
            self.fingerprint,
            "--trusted-key",
            short_key_id(self.fingerprint),
            "--no-encrypt-to",
        ]
        out = self._run_gpg(args, data_key, "encrypt")
        self.enc = out.decode("ascii", "replace").strip()
        logger.debug("wrapped the data key for PGP key %s", self.fingerprint)

    def decrypt(self) -> bytes:
        if not self.enc:
            raise MasterKeyFailure(f"PGP key {self.fingerprint}: no wrapped data key")
        data_key = self._run_gpg(["-d"], self.enc.encode(), "decrypt")
        if not data_key:
            # Older GnuPG silently drops packets it cannot read (AEAD) and
            # exits 0 with no output.
            raise MasterKeyFailure(
                f"PGP key {self.fingerprint}: gpg decrypted zero bytes"
            )
        logger.debug("unwrapped the data key with PGP key %s", self.fingerprint)
        return data_key

    def _run_gpg(self, args: list[str], stdin: bytes, action: str) -> bytes:
        binary = gpg_binary()
        try:
            done = subprocess.run(
                [binary, *args], input=stdin, capture_output=True, check=False
            )
        except OSError as err:
            raise MasterKeyFailure(
                f"PGP key {self.fingerprint}: cannot run {binary!r} "
                f"({err.strerror or err}); set {GPG_EXEC_ENV} or install GnuPG"
            ) from err
        if done.returncode != 0:
            raise MasterKeyFailure(
                f"PGP key {self.fingerprint}: gpg could not {action} the data key: "
                f"{last_line(done.stderr)}"
            )
        return done.stdout

    def needs_rotation(self) -> bool:
        return is_older_than_rotation_age(self.created_at)

    def to_metadata(self) -> dict[str, Any]:
        return {
            "created_at": format_created_at(self.created_at),
            "enc": self.enc,
            "fp": self.fingerprint,
        }

    @classmethod
    def from_metadata(cls, entry: dict[str, Any]) -> PgpKey:
        return cls(
            fingerprint=text_field(entry, "fp", cls.type_id),
            created_at=parse_created_at(entry, cls.type_id),
            enc=text_field(entry, "enc", cls.type_id),
        )


def parse_fingerprints(text: str) -> list[PgpKey]:
    """Keys for a comma-separated fingerprint list (``--pgp``, ``SOPS_PGP_FP``).

    Spaces inside a fingerprint are dropped; an empty string gives no keys.
    """
    if not text:
        return []
    return [PgpKey.from_fingerprint(part) for part in text.split(",")]
