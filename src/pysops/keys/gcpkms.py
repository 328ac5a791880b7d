"""GCP Cloud KMS master keys: the data key is wrapped by a Cloud KMS crypto key.

Credentials, in Go sops' order: ``GOOGLE_CREDENTIALS`` (a credentials JSON
file path or the JSON itself), then ``GOOGLE_OAUTH_ACCESS_TOKEN`` (a bare
access token), then Google's application default credentials.  The
endpoint can be moved with ``SOPS_GCP_KMS_ENDPOINT`` (``host:port``),
the universe with ``SOPS_GCP_KMS_UNIVERSE_DOMAIN``, and
``SOPS_GCP_KMS_CLIENT_TYPE=rest`` selects the REST transport instead of gRPC
(the last three as in Go sops 3.13).
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import json
import logging
import os
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

CREDENTIALS_ENV = "GOOGLE_CREDENTIALS"
ACCESS_TOKEN_ENV = "GOOGLE_OAUTH_ACCESS_TOKEN"
ENDPOINT_ENV = "SOPS_GCP_KMS_ENDPOINT"
UNIVERSE_DOMAIN_ENV = "SOPS_GCP_KMS_UNIVERSE_DOMAIN"
CLIENT_TYPE_ENV = "SOPS_GCP_KMS_CLIENT_TYPE"

_RESOURCE_ID = re.compile(
    r"projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+"
)
_SCOPES = ["https://www.googleapis.com/auth/cloudkms"]

#: seconds one Encrypt/Decrypt call may take, retries included
CALL_TIMEOUT = 60.0


class GcpKmsKey(MasterKey):
    """A Cloud KMS crypto key named by its resource id.

    ``enc`` holds the standard base64 of the KMS ciphertext.
    """

    type_id = "gcp_kms"

    def __init__(
        self, resource_id: str, enc: str = "", created_at: _dt.datetime | None = None
    ) -> None:
        self.resource_id = resource_id.replace(" ", "")
        self.enc = enc
        self.created_at = created_at or utc_now()

    @classmethod
    def parse_resource_ids(cls, text: str) -> list[GcpKmsKey]:
        """Keys from a comma-separated list (``--gcp-kms``, ``SOPS_GCP_KMS_IDS``)."""
        return [cls(item) for item in text.split(",") if item.strip()]

    @property
    def identifier(self) -> str:
        return self.resource_id

    def encrypt(self, data_key: bytes) -> None:
        client = self._client("encrypt")
        try:
            response = client.encrypt(
                request={"name": self.resource_id, "plaintext": data_key},
                timeout=CALL_TIMEOUT,
                retry=_retry(),
            )
        except Exception as err:
            raise self._failure("failed to encrypt the data key", err) from None
        self.enc = base64.b64encode(response.ciphertext).decode("ascii")
        log.debug("wrapped the data key with GCP KMS key %s", self.resource_id)

    def decrypt(self) -> bytes:
        try:
            ciphertext = base64.b64decode(self.enc, validate=True)
        except (binascii.Error, ValueError) as err:
            raise self._failure("the stored enc is not valid base64", err) from None
        client = self._client("decrypt")
        try:
            response = client.decrypt(
                request={"name": self.resource_id, "ciphertext": ciphertext},
                timeout=CALL_TIMEOUT,
                retry=_retry(),
            )
        except Exception as err:
            raise self._failure("failed to decrypt the data key", err) from None
        log.debug("unwrapped the data key with GCP KMS key %s", self.resource_id)
        return bytes(response.plaintext)

    def to_metadata(self) -> dict[str, Any]:
        return {
            "resource_id": self.resource_id,
            "created_at": format_created_at(self.created_at),
            "enc": self.enc,
        }

    @classmethod
    def from_metadata(cls, entry: dict[str, Any]) -> GcpKmsKey:
        return cls(
            text_field(entry, "resource_id", cls.type_id),
            enc=text_field(entry, "enc", cls.type_id),
            created_at=parse_created_at(entry, cls.type_id),
        )

    def needs_rotation(self) -> bool:
        return is_older_than_rotation_age(self.created_at)

    def _failure(self, what: str, err: BaseException) -> MasterKeyFailure:
        cause = " ".join(str(err).split()) or type(err).__name__
        return MasterKeyFailure(f"GCP KMS key {self.resource_id}: {what}: {cause}")

    def _client(self, action: str) -> Any:
        if not _RESOURCE_ID.fullmatch(self.resource_id):
            raise MasterKeyFailure(
                f"GCP KMS key {self.resource_id}: not a valid resource id "
                "(projects/P/locations/L/keyRings/R/cryptoKeys/K)"
            )
        try:
            from google.api_core.client_options import ClientOptions
            from google.cloud import kms_v1
        except ImportError as err:
            raise MasterKeyFailure(
                f"GCP KMS key {self.resource_id}: cannot {action}: "
                "the google-cloud-kms "
                "package is missing (pip install 'pysops[gcp]')"
            ) from err
        try:
            credentials = _credentials()
        except Exception as err:
            raise self._failure(
                f"cannot {action}: bad credentials in {CREDENTIALS_ENV}", err
            ) from None

        options: dict[str, Any] = {}
        if os.environ.get(ENDPOINT_ENV):
            options["api_endpoint"] = os.environ[ENDPOINT_ENV]
        if os.environ.get(UNIVERSE_DOMAIN_ENV):
            options["universe_domain"] = os.environ[UNIVERSE_DOMAIN_ENV]
        transport = (
            "rest" if os.environ.get(CLIENT_TYPE_ENV, "").lower() == "rest" else "grpc"
        )
        try:
            return kms_v1.KeyManagementServiceClient(
                credentials=credentials,
                client_options=ClientOptions(**options),
                transport=transport,
            )
        except Exception as err:
            raise self._failure(
                f"cannot create the GCP KMS client to {action}", err
            ) from None


def _credentials() -> Any:
    """Credentials from the sops variables, or None for application defaults."""
    raw = os.environ.get(CREDENTIALS_ENV, "")
    if raw:
        if os.path.isfile(raw):
            with open(raw, encoding="utf-8") as handle:
                raw = handle.read()
        import google.auth

        load = google.auth.load_credentials_from_dict
        credentials, _project = load(json.loads(raw), scopes=_SCOPES)  # type: ignore[no-untyped-call]
        return credentials
    token = os.environ.get(ACCESS_TOKEN_ENV, "")
    if token:
        from google.oauth2.credentials import Credentials

        return Credentials(token=token)  # type: ignore[no-untyped-call]
    return None


def _retry() -> Any:
    from google.api_core import exceptions, retry

    return retry.Retry(
        predicate=retry.if_exception_type(
            exceptions.ServiceUnavailable, exceptions.DeadlineExceeded
        ),
        initial=0.2,
        maximum=5.0,
        timeout=CALL_TIMEOUT,
    )
