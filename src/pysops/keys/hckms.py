"""HuaweiCloud KMS master keys (Go sops 3.12+): ``region:key-uuid``.

The data key is sent base64-encoded to the KMS ``encrypt-data`` API and the
returned ciphertext string is stored as is.  Requests are signed with the
SDK-HMAC-SHA256 scheme of HuaweiCloud's SDKs.  Settings, named as those SDKs
name them: ``HUAWEICLOUD_SDK_AK``/``_SK`` (or the ``[basic]`` section of
``~/.huaweicloud/credentials``, path in ``HUAWEICLOUD_SDK_CREDENTIALS_FILE``),
``HUAWEICLOUD_SDK_SECURITY_TOKEN`` for temporary keys,
``HUAWEICLOUD_SDK_PROJECT_ID`` (else looked up in IAM by region name, at
``HUAWEICLOUD_SDK_IAM_ENDPOINT``), and ``HUAWEICLOUD_SDK_REGION_KMS_<REGION>``
to override the regional endpoint.
"""

from __future__ import annotations

import base64
import binascii
import configparser
import datetime as _dt
import hashlib
import hmac
import json
import logging
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
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

#: seconds one HTTP request may take
REQUEST_TIMEOUT = 30.0

_ALGORITHM = "SDK-HMAC-SHA256"


class HuaweiCloudKmsKey(MasterKey):
    """A HuaweiCloud KMS key given as ``region:key-uuid``."""

    type_id = "hckms"

    def __init__(
        self, key_id: str, enc: str = "", created_at: _dt.datetime | None = None
    ) -> None:
        self.key_id = key_id.strip()
        region, separator, uuid = self.key_id.partition(":")
        if not separator or not region.strip() or not uuid.strip():
            raise ValueError(
                f"invalid HuaweiCloud KMS key id {self.key_id!r}: "
                "expected 'region:key-uuid'"
            )
        self.region = region.strip()
        self.key_uuid = uuid.strip()
        self.enc = enc
        self.created_at = created_at or utc_now()

    @classmethod
    def parse_key_ids(cls, text: str) -> list[HuaweiCloudKmsKey]:
        """Keys from a comma-separated list (``--hckms``, ``SOPS_HUAWEICLOUD_KMS_IDS``).

        Raises :class:`ValueError` for an item that is not ``region:uuid``.
        """
        return [cls(item) for item in text.split(",") if item.strip()]

    @property
    def identifier(self) -> str:
        return self.key_id

    def encrypt(self, data_key: bytes) -> None:
        body = {
            "key_id": self.key_uuid,
            "plain_text": base64.b64encode(data_key).decode("ascii"),
            "encryption_algorithm": "SYMMETRIC_DEFAULT",
        }
        reply = self._call("encrypt-data", body, "encrypt")
        cipher_text = reply.get("cipher_text")
        if not isinstance(cipher_text, str) or not cipher_text:
            raise MasterKeyFailure(
                f"HuaweiCloud KMS key {self.key_id}: the encryption "
                "response has no ciphertext"
            )
        self.enc = cipher_text
        log.debug("wrapped the data key with HuaweiCloud KMS key %s", self.key_id)

    def decrypt(self) -> bytes:
        body = {
            "cipher_text": self.enc,
            "encryption_algorithm": "SYMMETRIC_DEFAULT",
            "key_id": self.key_uuid,
        }
        reply = self._call("decrypt-data", body, "decrypt")
        plain_text = reply.get("plain_text")
        if not isinstance(plain_text, str):
            raise MasterKeyFailure(
                f"HuaweiCloud KMS key {self.key_id}: the decryption "
                "response has no plaintext"
            )
        try:
            data_key = base64.b64decode(plain_text, validate=True)
        except (binascii.Error, ValueError):
            raise MasterKeyFailure(
                f"HuaweiCloud KMS key {self.key_id}: the decrypted "
                "data key is not base64"
            ) from None
        log.debug("unwrapped the data key with HuaweiCloud KMS key %s", self.key_id)
        return data_key

    def to_metadata(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "created_at": format_created_at(self.created_at),
            "enc": self.enc,
        }

    @classmethod
    def from_metadata(cls, entry: dict[str, Any]) -> HuaweiCloudKmsKey:
        from ..errors import MetadataError

        try:
            key = cls(
                text_field(entry, "key_id", cls.type_id),
                enc=text_field(entry, "enc", cls.type_id),
                created_at=parse_created_at(entry, cls.type_id),
            )
        except ValueError as err:
            raise MetadataError(f"hckms key entry: {err}") from None
        return key

    def needs_rotation(self) -> bool:
        return is_older_than_rotation_age(self.created_at)

    def _call(self, action: str, body: dict[str, Any], verb: str) -> dict[str, Any]:
        try:
            credentials = load_credentials()
            project = credentials.project_id or _lookup_project(
                credentials, self.region
            )
            url = f"{kms_endpoint(self.region)}/v1.0/{project}/kms/{action}"
            return _request(credentials, "POST", url, body, project)
        except _ApiError as err:
            raise MasterKeyFailure(
                f"HuaweiCloud KMS key {self.key_id}: "
                f"failed to {verb} the data key: {err}"
            ) from None


class _ApiError(Exception):
    """A request failed; the message is one line without secrets."""


@dataclass(frozen=True)
class Credentials:
    """An access key pair, an optional security token and project id."""

    ak: str
    sk: str
    security_token: str = ""
    project_id: str = ""


def load_credentials() -> Credentials:
    """Credentials from the environment, else from the credentials file."""
    env = os.environ
    if env.get("HUAWEICLOUD_SDK_AK") and env.get("HUAWEICLOUD_SDK_SK"):
        return Credentials(
            env["HUAWEICLOUD_SDK_AK"],
            env["HUAWEICLOUD_SDK_SK"],
            env.get("HUAWEICLOUD_SDK_SECURITY_TOKEN", ""),
            env.get("HUAWEICLOUD_SDK_PROJECT_ID", ""),
        )
    path = Path(
        env.get("HUAWEICLOUD_SDK_CREDENTIALS_FILE")
        or Path.home() / ".huaweicloud" / "credentials"
    )
    parser = configparser.ConfigParser()
    try:
        parser.read_string(path.read_text(encoding="utf-8"))
        section = parser["basic"]
    except (OSError, KeyError, configparser.Error):
        raise _ApiError(
            "no credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK "
            f"or write a [basic] section to {path}"
        ) from None
    if not section.get("ak") or not section.get("sk"):
        raise _ApiError(f"no credentials: {path} has no ak/sk in [basic]")
    return Credentials(
        section["ak"],
        section["sk"],
        section.get("security_token", ""),
        section.get("project_id", ""),
    )


def kms_endpoint(region: str) -> str:
    """The KMS endpoint of ``region``, or its ``HUAWEICLOUD_SDK_REGION_KMS_*`` value."""
    override = os.environ.get(
        "HUAWEICLOUD_SDK_REGION_KMS_" + region.upper().replace("-", "_")
    )
    if override:
        return override.split(",")[0].strip().rstrip("/")
    return f"https://kms.{region}.myhuaweicloud.com"


def _lookup_project(credentials: Credentials, region: str) -> str:
    iam = os.environ.get(
        "HUAWEICLOUD_SDK_IAM_ENDPOINT", "https://iam.myhuaweicloud.com"
    )
    query = urllib.parse.urlencode({"name": region})
    reply = _request(
        credentials, "GET", f"{iam.rstrip('/')}/v3/projects?{query}", None, ""
    )
    projects = reply.get("projects") or []
    if not projects or not isinstance(projects[0], dict) or not projects[0].get("id"):
        raise _ApiError(
            f"no IAM project named {region!r}: set HUAWEICLOUD_SDK_PROJECT_ID"
        )
    return str(projects[0]["id"])


def sign(
    credentials: Credentials,
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
) -> str:
    """The ``Authorization`` header of the SDK-HMAC-SHA256 scheme.

    ``headers`` (which must include ``X-Sdk-Date`` and ``Host``) are all signed.
    """
    parts = urllib.parse.urlsplit(url)
    path = "/".join(
        urllib.parse.quote(urllib.parse.unquote(seg), safe="-_.~")
        for seg in parts.path.split("/")
    )
    if not path.endswith("/"):
        path += "/"
    query = "&".join(
        f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}"
        for k, v in sorted(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    )
    names = sorted(name.lower() for name in headers)
    lowered = {name.lower(): value.strip() for name, value in headers.items()}
    canonical = "\n".join(
        [
            method,
            path,
            query,
            "".join(f"{name}:{lowered[name]}\n" for name in names),
            ";".join(names),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    to_sign = "\n".join(
        [
            _ALGORITHM,
            lowered["x-sdk-date"],
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )
    signature = hmac.new(
        credentials.sk.encode(), to_sign.encode(), hashlib.sha256
    ).hexdigest()
    return (
        f"{_ALGORITHM} Access={credentials.ak}, SignedHeaders={';'.join(names)}, "
        f"Signature={signature}"
    )


def _request(
    credentials: Credentials,
    method: str,
    url: str,
    body: dict[str, Any] | None,
    project: str,
) -> dict[str, Any]:
    data = json.dumps(body).encode() if body is not None else b""
    headers = {
        "Host": urllib.parse.urlsplit(url).netloc,
        "X-Sdk-Date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ"),
        "Content-Type": "application/json;charset=UTF-8",
    }
    if project:
        headers["X-Project-Id"] = project
    if credentials.security_token:
        headers["X-Security-Token"] = credentials.security_token
    headers["Authorization"] = sign(credentials, method, url, headers, data)

    request = urllib.request.Request(
        url, data=data if body is not None else None, headers=headers, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
            reply = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as err:
        raise _ApiError(f"HTTP {err.code}: {_error_text(err.read())}") from None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise _ApiError(
            f"cannot reach {urllib.parse.urlsplit(url).netloc}: {reason}"
        ) from None
    except ValueError:
        raise _ApiError("the response is not JSON") from None
    if not isinstance(reply, dict):
        raise _ApiError("the response is not a JSON object")
    return reply


def _error_text(payload: bytes) -> str:
    try:
        reply = json.loads(payload)
    except ValueError:
        return "no error details"
    if isinstance(reply, dict) and isinstance(reply.get("error"), dict):
        reply = reply["error"]
    if not isinstance(reply, dict):
        return "no error details"
    code = reply.get("error_code") or reply.get("code") or ""
    text = reply.get("error_msg") or reply.get("message") or ""
    return " ".join(f"{code} {text}".split()) or "no error details"
