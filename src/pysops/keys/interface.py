"""The contract of a master key: something that wraps and unwraps the data key."""

from __future__ import annotations

import datetime as _dt
from abc import ABC, abstractmethod
from typing import Any, ClassVar

from ..errors import MasterKeyError


class MasterKeyFailure(MasterKeyError):
    """One master key failed to wrap or unwrap; names the key, never the secret."""


def now_rfc3339() -> str:
    """The current UTC time as Go's RFC 3339 with seconds (``created_at``)."""
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class MasterKey(ABC):
    """One entry of a key group (an age recipient, a KMS key, ...).

    ``enc`` is the wrapped data key exactly as the file stores it (armor text
    for age and PGP, the provider's ciphertext string otherwise); it is empty
    until :meth:`encrypt` ran or the key was read from a file.

    Contract for implementations:

    * :meth:`encrypt` and :meth:`decrypt` raise :class:`MasterKeyFailure` with
      a one-line message naming the key (``identifier``) and the cause
      (missing credentials, unreachable service, wrong key).  They never log
      or raise the data key.
    * :meth:`to_metadata` returns the entry in the field order Go sops 3.11
      writes; :meth:`from_metadata` accepts any order.
    * Construction does no I/O; network clients are created lazily.
    """

    #: the metadata list this key lives in: age, pgp, kms, gcp_kms, azure_kv,
    #: hc_vault or hckms (also the ids of ``--decryption-order``)
    type_id: ClassVar[str]

    enc: str = ""

    @property
    @abstractmethod
    def identifier(self) -> str:
        """What a person recognises the key by (recipient, ARN, URI, fingerprint)."""

    @abstractmethod
    def encrypt(self, data_key: bytes) -> None:
        """Wrap ``data_key`` and store the result in ``enc``."""

    @abstractmethod
    def decrypt(self) -> bytes:
        """Unwrap ``enc`` and return the data key."""

    @abstractmethod
    def to_metadata(self) -> dict[str, Any]:
        """The entry as stored under ``sops`` (field order as Go sops 3.11)."""

    @classmethod
    @abstractmethod
    def from_metadata(cls, entry: dict[str, Any]) -> MasterKey:
        """Build a key from a stored entry; raises MetadataError if malformed."""

    @classmethod
    def from_string(cls, text: str, **options: Any) -> MasterKey:
        """Build one key from its command-line / ``.sops.yaml`` form.

        ``text`` is one item of a comma-separated flag value (an age
        recipient, a fingerprint, an ARN, a URI...); ``options`` carries what
        some types need besides (``aws_profile``, ``context``, ``role``).
        Raises MasterKeyFailure (or a subclass) when the text is malformed.
        """
        raise NotImplementedError(f"{cls.__name__} cannot be built from a string")

    def needs_rotation(self) -> bool:
        """Whether the wrapped key is old enough to be re-wrapped (informational)."""
        return False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.identifier}>"


KeyGroup = list[MasterKey]
