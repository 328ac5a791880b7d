"""The disaster-recovery key: generated in memory, written for people, read back."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyrage

from ..keys.age import Identity, IdentityError, identities_from_text

SECRET_PREFIX = "AGE-SECRET-KEY-1"
#: characters per group on paper; rows of groups keep the eye on its line
GROUP_SIZE = 5
GROUPS_PER_ROW = 4

_TYPED_KEY = re.compile(r"^AGE-SECRET-KEY-1[02-9ACDEFGHJKLMNPQRSTUVWXYZ]+$")


@dataclass(frozen=True)
class RecoveryKey:
    """An age key pair; ``secret`` is the ``AGE-SECRET-KEY-1...`` text."""

    secret: str
    recipient: str

    def __repr__(self) -> str:
        # the secret must never reach a log line or a traceback
        return f"RecoveryKey(recipient={self.recipient!r})"

    def key_file_text(self, created: str) -> str:
        """The key in age's key-file format, as ``age-keygen`` writes it."""
        return f"# created: {created}\n# public key: {self.recipient}\n{self.secret}\n"

    def paper_rows(self) -> list[str]:
        """The secret cut into rows of short groups, for printing and typing.

        The fixed prefix gets its own row; the Bech32 part follows in groups
        of :data:`GROUP_SIZE` characters.
        """
        body = self.secret[len(SECRET_PREFIX) :]
        groups = [body[i : i + GROUP_SIZE] for i in range(0, len(body), GROUP_SIZE)]
        rows = [SECRET_PREFIX]
        for start in range(0, len(groups), GROUPS_PER_ROW):
            rows.append(" ".join(groups[start : start + GROUPS_PER_ROW]))
        return rows


def generate() -> RecoveryKey:
    """A new X25519 age key pair, never written anywhere by this function."""
    identity = pyrage.x25519.Identity.generate()
    return RecoveryKey(str(identity), str(identity.to_public()))


def recipient_of(secret: str) -> str:
    """The public recipient of an ``AGE-SECRET-KEY-1...`` secret."""
    return str(pyrage.x25519.Identity.from_str(secret).to_public())


def normalise_typed(text: str) -> str | None:
    """The secret in ``text`` typed from paper (spaces, line breaks, lower case), or None."""
    joined = "".join(
        line for line in text.splitlines() if not line.strip().startswith("#")
    )
    compact = re.sub(r"\s+", "", joined).upper()
    return compact if _TYPED_KEY.match(compact) else None


def parse_key_text(text: str, source: str) -> tuple[list[Identity], list[str]]:
    """Identities and their recipients from a key file or a key typed from paper.

    A key file is read as age reads it; failing that, the whole text is taken
    as one secret typed in groups.  Raises IdentityError (never quoting the
    text) when neither works.
    """
    try:
        identities = identities_from_text(text, source)
    except IdentityError:
        typed = normalise_typed(text)
        if typed is None:
            raise
        try:
            identity = pyrage.x25519.Identity.from_str(typed)
        except pyrage.IdentityError as err:
            raise IdentityError(
                f"age: the key typed in {source} is not valid (a character is "
                "wrong or missing: its checksum does not match)"
            ) from err
        identities = [identity]
    if not identities:
        raise IdentityError(f"age: no key found in {source}")
    recipients = [
        str(i.to_public()) for i in identities if isinstance(i, pyrage.x25519.Identity)
    ]
    return identities, recipients
