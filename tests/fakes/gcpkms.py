"""A fake Cloud KMS: the ``google.cloud.kms.v1.KeyManagementService`` gRPC API.

Only ``Encrypt`` and ``Decrypt`` are served, over TLS on 127.0.0.1 with a
test CA.  Clients reach it with ``SOPS_GCP_KMS_ENDPOINT=127.0.0.1:PORT`` and
trust it through ``GRPC_DEFAULT_SSL_ROOTS_FILE_PATH=<ca.pem>`` (read by gRPC
core).  Requests must carry ``authorization: Bearer <token>``; ciphertexts
are AES-GCM under a per-key secret, opaque to the client like the real ones.
"""

from __future__ import annotations

import os
import threading
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any

import grpc
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.cloud import kms_v1

from .tls import TlsFiles

SERVICE = "google.cloud.kms.v1.KeyManagementService"


@dataclass
class FakeCloudKms:
    """State of the fake: its keys, the accepted token and a log of calls."""

    token: str
    keys: dict[str, bytes] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add_key(self, resource_id: str) -> str:
        self.keys[resource_id] = AESGCM.generate_key(256)
        return resource_id

    def _check(self, name: str, context: Any) -> bytes:
        metadata = dict(context.invocation_metadata())
        if metadata.get("authorization") != f"Bearer {self.token}":
            context.abort(
                grpc.StatusCode.UNAUTHENTICATED,
                "Request had invalid authentication credentials.",
            )
        secret = self.keys.get(name)
        if secret is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"{name} not found.")
        return secret  # type: ignore[return-value]

    def encrypt(self, request: Any, context: Any) -> Any:
        with self._lock:
            self.calls.append(("Encrypt", request.name))
        secret = self._check(request.name, context)
        nonce = os.urandom(12)
        sealed = nonce + AESGCM(secret).encrypt(nonce, request.plaintext, None)
        return kms_v1.EncryptResponse(
            name=f"{request.name}/cryptoKeyVersions/1", ciphertext=sealed
        )

    def decrypt(self, request: Any, context: Any) -> Any:
        with self._lock:
            self.calls.append(("Decrypt", request.name))
        secret = self._check(request.name, context)
        blob = bytes(request.ciphertext)
        try:
            plaintext = AESGCM(secret).decrypt(blob[:12], blob[12:], None)
        except (InvalidTag, ValueError):
            context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                "Decryption failed: the ciphertext is invalid.",
            )
        return kms_v1.DecryptResponse(plaintext=plaintext)


def start_fake_cloud_kms(state: FakeCloudKms, tls: TlsFiles) -> tuple[Any, str]:
    """Serve ``state`` over TLS on 127.0.0.1; returns the server and ``host:port``."""
    handlers = {
        "Encrypt": grpc.unary_unary_rpc_method_handler(
            state.encrypt,
            request_deserializer=kms_v1.EncryptRequest.deserialize,
            response_serializer=kms_v1.EncryptResponse.serialize,
        ),
        "Decrypt": grpc.unary_unary_rpc_method_handler(
            state.decrypt,
            request_deserializer=kms_v1.DecryptRequest.deserialize,
            response_serializer=kms_v1.DecryptResponse.serialize,
        ),
    }
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(SERVICE, handlers),)
    )
    credentials = grpc.ssl_server_credentials([(tls.key_bytes(), tls.cert_chain())])
    port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    return server, f"127.0.0.1:{port}"
