"""HashiCorp Vault / OpenBao transit master keys, over Vault's HTTP API."""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import ipaddress
import json
import logging
import os
import posixpath
import re
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from .. import exitcodes
from ._entries import (
    format_created_at,
    is_older_than_rotation_age,
    parse_created_at,
    text_field,
    utc_now,
)
from .interface import MasterKey, MasterKeyFailure

logger = logging.getLogger(__name__)

_EXAMPLE_URI = "https://vault.example.com:8200/v1/transit/keys/keyName"
# The two checks Go sops makes on the path of a key URI, in its order.
_PREFIXED_PATH = re.compile(r"/[^/]+/v\d+/[^/]+/[^/]+/[^/]+", re.ASCII)
_VERSIONED_PATH = re.compile(r"/v\d+/[^/]+/[^/]+/[^/]+", re.ASCII)
_TOKEN_FILE = ".vault-token"


def _split_key_path(request_uri: str) -> tuple[str, str]:
    """Engine path and key name from ``/v1/<engine path>/keys/<key name>``."""
    if _PREFIXED_PATH.search(request_uri):
        raise MasterKeyFailure(
            "running Vault with a prefixed URL is not supported; the key URI must "
            f"look like {_EXAMPLE_URI}",
            exit_code=exitcodes.GENERIC,
        )
    if not _VERSIONED_PATH.search(request_uri):
        raise MasterKeyFailure(
            f"Vault key URI {request_uri!r} is malformed; expected {_EXAMPLE_URI}",
            exit_code=exitcodes.GENERIC,
        )
    dirs = request_uri.strip("/").split("/")
    # As Go: the segment before the key name ("keys") is not checked.
    engine_parts = [part for part in dirs[1:-2] if part]
    engine = posixpath.normpath("/".join(engine_parts)) if engine_parts else ""
    return engine, dirs[-1]


def _vault_token() -> str:
    """``$VAULT_TOKEN``, else the trimmed ``~/.vault-token``, else ``""``."""
    token = os.environ.get("VAULT_TOKEN", "")
    if token:
        return token
    try:
        return (Path.home() / _TOKEN_FILE).read_text().strip()
    except FileNotFoundError:
        return ""
    except OSError as err:
        logger.warning("cannot read the Vault token file: %s", err.strerror)
        return ""


def _ssl_context() -> ssl.SSLContext:
    """TLS settings from the VAULT_CACERT/CAPATH/SKIP_VERIFY/CLIENT_* variables."""
    context = ssl.create_default_context(
        cafile=os.environ.get("VAULT_CACERT") or None,
        capath=os.environ.get("VAULT_CAPATH") or None,
    )
    if os.environ.get("VAULT_SKIP_VERIFY", "").lower() in ("1", "t", "true"):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    cert = os.environ.get("VAULT_CLIENT_CERT")
    if cert:
        context.load_cert_chain(cert, os.environ.get("VAULT_CLIENT_KEY") or None)
    return context


def _opener(url: str) -> urllib.request.OpenerDirector:
    """An HTTP opener with Vault's TLS settings and Go's proxy rule for loopback."""
    parts = urllib.parse.urlsplit(url)
    handlers: list[urllib.request.BaseHandler] = []
    if parts.scheme == "https":
        handlers.append(urllib.request.HTTPSHandler(context=_ssl_context()))
    if _is_loopback(parts.hostname):
        # Go's HTTP client never sends loopback traffic through a proxy.
        handlers.append(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener(*handlers)


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


@dataclass(eq=False, repr=False)
class VaultKey(MasterKey):
    """A named key of a transit secrets engine in Vault or OpenBao.

    The token comes from ``VAULT_TOKEN`` or ``~/.vault-token``; TLS and
    namespace follow Vault's own variables.  An entry without
    ``vault_address`` falls back to ``VAULT_ADDR``.
    """

    type_id: ClassVar[str] = "hc_vault"

    vault_address: str
    engine_path: str
    key_name: str
    created_at: _dt.datetime = field(default_factory=utc_now)
    enc: str = ""

    @classmethod
    def from_uri(cls, uri: str) -> VaultKey:
        """A key from ``https://host:8200/v1/<engine path>/keys/<key name>``.

        Raises MasterKeyFailure with exit code 1 (as Go sops) for a malformed
        URI.
        """
        parts = urllib.parse.urlsplit(uri)
        if not parts.scheme:
            raise MasterKeyFailure(
                f"missing scheme in Vault URL (should be like {_EXAMPLE_URI}), "
                f"got: {uri}",
                exit_code=exitcodes.GENERIC,
            )
        request_uri = parts.path or "/"
        if parts.query:
            request_uri += "?" + parts.query
        engine, key_name = _split_key_path(request_uri)
        address = f"{parts.scheme}://{parts.netloc}"
        if parts.query:
            address += "?" + parts.query
        return cls(address, engine, key_name)

    @classmethod
    def from_string(cls, text: str, **options: Any) -> VaultKey:
        return cls.from_uri(text)

    @property
    def identifier(self) -> str:
        return f"{self.vault_address}/v1/{self.engine_path}/keys/{self.key_name}"

    def encrypt(self, data_key: bytes) -> None:
        plaintext = base64.b64encode(data_key).decode("ascii")
        data = self._transit("encrypt", {"plaintext": plaintext})
        ciphertext = data.get("ciphertext")
        if not isinstance(ciphertext, str):
            raise MasterKeyFailure(
                f"Vault key {self.identifier}: no ciphertext returned"
            )
        self.enc = ciphertext
        logger.debug("wrapped the data key with Vault key %s", self.identifier)

    def decrypt(self) -> bytes:
        data = self._transit("decrypt", {"ciphertext": self.enc})
        plaintext = data.get("plaintext")
        if not isinstance(plaintext, str):
            raise MasterKeyFailure(
                f"Vault key {self.identifier}: no plaintext returned"
            )
        try:
            data_key = base64.b64decode(plaintext, validate=True)
        except binascii.Error as err:
            raise MasterKeyFailure(
                f"Vault key {self.identifier}: the returned plaintext is not base64"
            ) from err
        logger.debug("unwrapped the data key with Vault key %s", self.identifier)
        return data_key

    def _transit(self, action: str, body: dict[str, str]) -> dict[str, Any]:
        """``PUT /v1/<engine>/<action>/<key>``; returns the ``data`` of the answer."""
        address = (self.vault_address or os.environ.get("VAULT_ADDR", "")).rstrip("/")
        if not address:
            raise MasterKeyFailure(f"Vault key {self.identifier}: no Vault address")
        path = posixpath.join(self.engine_path, action, self.key_name)
        url = f"{address}/v1/{urllib.parse.quote(path)}"

        token = _vault_token()
        headers = {"Content-Type": "application/json", "X-Vault-Request": "true"}
        if token:
            headers["X-Vault-Token"] = token
        namespace = os.environ.get("VAULT_NAMESPACE")
        if namespace:
            headers["X-Vault-Namespace"] = namespace
        request = urllib.request.Request(
            url, data=json.dumps(body).encode(), headers=headers, method="PUT"
        )
        answer = self._send(request, action, has_token=bool(token))

        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, dict):
            raise MasterKeyFailure(
                f"Vault key {self.identifier}: could not {action}: empty answer"
            )
        return data

    def _send(
        self, request: urllib.request.Request, action: str, has_token: bool
    ) -> Any:
        prefix = f"Vault key {self.identifier}: could not {action}"
        try:
            opener = _opener(request.full_url)
            timeout = float(os.environ.get("VAULT_CLIENT_TIMEOUT") or 60)
            with opener.open(request, timeout=timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as err:
            reason = _vault_errors(err) or err.reason
            hint = "" if has_token else " (no token: set VAULT_TOKEN or ~/.vault-token)"
            raise MasterKeyFailure(
                f"{prefix}: HTTP {err.code}: {reason}{hint}"
            ) from err
        except urllib.error.URLError as err:
            raise MasterKeyFailure(
                f"{prefix}: cannot reach {request.host}: {err.reason}"
            ) from err
        except (OSError, ValueError) as err:
            raise MasterKeyFailure(f"{prefix}: {err}") from err

    def needs_rotation(self) -> bool:
        return is_older_than_rotation_age(self.created_at)

    def to_metadata(self) -> dict[str, Any]:
        return {
            "vault_address": self.vault_address,
            "engine_path": self.engine_path,
            "key_name": self.key_name,
            "created_at": format_created_at(self.created_at),
            "enc": self.enc,
        }

    @classmethod
    def from_metadata(cls, entry: dict[str, Any]) -> VaultKey:
        return cls(
            vault_address=text_field(entry, "vault_address", cls.type_id),
            engine_path=text_field(entry, "engine_path", cls.type_id),
            key_name=text_field(entry, "key_name", cls.type_id),
            created_at=parse_created_at(entry, cls.type_id),
            enc=text_field(entry, "enc", cls.type_id),
        )


def _vault_errors(err: urllib.error.HTTPError) -> str:
    """The ``errors`` list of a Vault error answer, joined on one line."""
    try:
        body = json.loads(err.read() or b"{}")
    except (OSError, ValueError):
        return ""
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return ""
    return "; ".join(" ".join(str(item).split()) for item in errors)


def parse_uris(text: str) -> list[VaultKey]:
    """Keys for a comma-separated URI list (``--hc-vault-transit``, env var).

    Empty items are skipped; raises MasterKeyFailure on the first malformed URI.
    """
    return [VaultKey.from_uri(uri) for uri in text.split(",") if uri]
