"""Azure Key Vault master keys: the data key is wrapped with RSA-OAEP-256.

Credentials come from azure-identity's default chain (environment, workload
identity, managed identity, Azure CLI, ...), as Go sops does.  A key given
without a version is pinned to the key's current version the first time it
wraps a data key, so the file always names the version that can unwrap it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import logging
import re
from typing import Any

from ._entries import (
    format_created_at,
    is_older_than_rotation_age,
    parse_created_at,
    text_field,
    utc_now,
)
from .interface import MasterKey, MasterKeyFailure

log = logging.getLogger(__name__)

_URL = re.compile(r"(https://[^/]+)/keys/([^/]+)(?:/([^/]*))?")


class AzureKeyVaultKey(MasterKey):
    """A key ``name`` (and ``version``) in the vault at ``vault_url``.

    ``enc`` holds the base64url (unpadded) RSA-OAEP-256 ciphertext.
    """

    type_id = "azure_kv"

    def __init__(
        self,
        vault_url: str,
        name: str,
        version: str = "",
        enc: str = "",
        created_at: _dt.datetime | None = None,
    ) -> None:
        self.vault_url = vault_url
        self.name = name
        self.version = version
        self.enc = enc
        self.created_at = created_at or utc_now()

    @classmethod
    def parse_url(cls, url: str) -> AzureKeyVaultKey:
        """A key from ``https://VAULT.vault.azure.net/keys/NAME[/VERSION]``.

        Raises :class:`ValueError` for anything else.
        """
        match = _URL.fullmatch(url.strip())
        if match is None:
            raise ValueError(
                f"{url.strip()!r} is not an Azure Key Vault key URL "
                "(https://VAULT.vault.azure.net/keys/NAME[/VERSION])"
            )
        vault_url, name, version = match.groups()
        return cls(vault_url, name, version or "")

    @classmethod
    def parse_urls(cls, text: str) -> list[AzureKeyVaultKey]:
        """Keys from a comma-separated list (``--azure-kv`` or its variable)."""
        return [cls.parse_url(item) for item in text.split(",") if item.strip()]

    @property
    def identifier(self) -> str:
        return f"{self.vault_url}/keys/{self.name}/{self.version}"

    def encrypt(self, data_key: bytes) -> None:
        credential = self._credential("encrypt")
        if not self.version:
            self.version = self._current_version(credential)
        client = self._crypto_client(credential)
        try:
            from azure.keyvault.keys.crypto import EncryptionAlgorithm

            result = client.encrypt(EncryptionAlgorithm.rsa_oaep_256, data_key)
        except Exception as err:
            raise self._failure("failed to encrypt the data key", err) from None
        self.enc = base64.urlsafe_b64encode(result.ciphertext).rstrip(b"=").decode()
        log.debug("wrapped the data key with Azure Key Vault key %s", self.identifier)

    def decrypt(self) -> bytes:
        if "=" in self.enc:
            raise MasterKeyFailure(
                f"Azure Key Vault key {self.identifier}: the stored "
                "enc is not unpadded base64url"
            )
        try:
            ciphertext = base64.urlsafe_b64decode(self.enc + "=" * (-len(self.enc) % 4))
        except (binascii.Error, ValueError) as err:
            raise self._failure("the stored enc is not base64url", err) from None
        client = self._crypto_client(self._credential("decrypt"))
        try:
            from azure.keyvault.keys.crypto import EncryptionAlgorithm

            result = client.decrypt(EncryptionAlgorithm.rsa_oaep_256, ciphertext)
        except Exception as err:
            raise self._failure("failed to decrypt the data key", err) from None
        log.debug("unwrapped the data key with Azure Key Vault key %s", self.identifier)
        return bytes(result.plaintext)

    def to_metadata(self) -> dict[str, Any]:
        return {
            "vault_url": self.vault_url,
            "name": self.name,
            "version": self.version,
            "created_at": format_created_at(self.created_at),
            "enc": self.enc,
        }

    @classmethod
    def from_metadata(cls, entry: dict[str, Any]) -> AzureKeyVaultKey:
        return cls(
            text_field(entry, "vault_url", cls.type_id),
            text_field(entry, "name", cls.type_id),
            text_field(entry, "version", cls.type_id),
            enc=text_field(entry, "enc", cls.type_id),
            created_at=parse_created_at(entry, cls.type_id),
        )

    def needs_rotation(self) -> bool:
        return is_older_than_rotation_age(self.created_at)

    def _failure(self, what: str, err: BaseException) -> MasterKeyFailure:
        # Azure messages run over several lines (code, message, hints): the
        # first one carries the cause.
        lines = [line.strip() for line in str(err).splitlines() if line.strip()]
        cause = lines[0] if lines else type(err).__name__
        return MasterKeyFailure(
            f"Azure Key Vault key {self.identifier}: {what}: {cause}"
        )

    def _credential(self, action: str) -> Any:
        try:
            from azure.identity import DefaultAzureCredential
        except ImportError as err:
            raise MasterKeyFailure(
                f"Azure Key Vault key {self.identifier}: cannot {action}: the "
                "azure-identity and azure-keyvault-keys packages are missing "
                "(pip install 'pysops[azure]')"
            ) from err
        return DefaultAzureCredential()

    def _current_version(self, credential: Any) -> str:
        try:
            from azure.keyvault.keys import KeyClient

            key = KeyClient(self.vault_url, credential).get_key(self.name)
        except Exception as err:
            raise self._failure(
                "cannot look up the key's current version", err
            ) from None
        version = key.properties.version or ""
        if not version:
            raise MasterKeyFailure(
                f"Azure Key Vault key {self.identifier}: the vault "
                "reported no current version"
            )
        log.debug(
            "Azure Key Vault key %s/keys/%s is at version %s",
            self.vault_url,
            self.name,
            version,
        )
        return str(version)

    def _crypto_client(self, credential: Any) -> Any:
        try:
            from azure.keyvault.keys.crypto import CryptographyClient

            return CryptographyClient(self.identifier, credential)
        except Exception as err:
            raise self._failure("cannot create the Key Vault client", err) from None
