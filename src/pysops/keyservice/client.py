"""A client of a remote key service (Go sops' or ours), used by ``--keyservice``."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from ..keys.interface import MasterKey, MasterKeyFailure
from . import _convert, _messages

log = logging.getLogger(__name__)


def grpc_target(uri: str) -> str:
    """The gRPC target for a key service URI (``tcp://host:port``, ``unix:///path``).

    Raises :class:`ValueError` for other schemes or a URI without address.
    """
    parts = urlsplit(uri)
    if parts.scheme == "unix":
        path = parts.path or parts.netloc
        if not path:
            raise ValueError(f"key service URI {uri!r} has no socket path")
        return f"unix:{path}"
    if parts.scheme in ("tcp", "tcp4", "tcp6"):
        if not parts.netloc:
            raise ValueError(f"key service URI {uri!r} has no host:port")
        return parts.netloc
    raise ValueError(f"key service URI {uri!r}: scheme must be tcp or unix")


class KeyServiceClient:
    """Wraps and unwraps data keys through one remote key service.

    The same two operations as :class:`MasterKey`, but carried out by the
    service with its own credentials: :meth:`encrypt` stores the result in
    ``key.enc``.  Failures raise :class:`MasterKeyFailure` naming the key and
    the service.  Creating the client does no I/O.
    """

    def __init__(self, uri: str, timeout: float | None = None) -> None:
        self.uri = uri
        self._target = grpc_target(uri)
        self._timeout = timeout
        self._channel: Any = None

    def encrypt(self, key: MasterKey, data_key: bytes) -> None:
        """Have the service wrap ``data_key`` for ``key``; sets ``key.enc``."""
        request = _messages.EncryptRequest(key=self._key(key), plaintext=data_key)
        response = self._call(
            _messages.ENCRYPT_METHOD, request, key, _messages.EncryptResponse
        )
        try:
            key.enc = response.ciphertext.decode("utf-8")
        except UnicodeDecodeError as err:
            raise MasterKeyFailure(
                f"{key.identifier}: key service {self.uri} "
                "returned a non-text ciphertext"
            ) from err

    def decrypt(self, key: MasterKey) -> bytes:
        """Have the service unwrap ``key.enc`` and return the data key."""
        request = _messages.DecryptRequest(
            key=self._key(key), ciphertext=key.enc.encode("utf-8")
        )
        response = self._call(
            _messages.DECRYPT_METHOD, request, key, _messages.DecryptResponse
        )
        return bytes(response.plaintext)

    def close(self) -> None:
        """Close the connection (a later call opens a new one)."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None

    def _key(self, key: MasterKey) -> Any:
        try:
            return _convert.key_message(key)
        except _convert.UnsupportedKey as err:
            raise MasterKeyFailure(f"{key.identifier}: {err}") from err

    def _call(self, method: str, request: Any, key: MasterKey, reply: Any) -> Any:
        import grpc

        if self._channel is None:
            self._channel = grpc.insecure_channel(self._target)
        stub = self._channel.unary_unary(
            method,
            request_serializer=type(request).SerializeToString,
            response_deserializer=reply.FromString,
        )
        log.debug(
            "calling %s on key service %s for %s", method, self.uri, key.identifier
        )
        try:
            return stub(request, timeout=self._timeout)
        except grpc.RpcError as err:
            detail = " ".join(str(err.details() or err.code()).split())
            raise MasterKeyFailure(
                f"{key.identifier}: key service {self.uri} failed: {detail}"
            ) from None
