"""The key service server: wraps and unwraps data keys for remote sops clients."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from concurrent import futures
from typing import Any

from ..keys.interface import MasterKeyFailure
from . import _convert, _messages

log = logging.getLogger(__name__)

#: asks a person whether to answer a request; gets "encrypt"/"decrypt" and the key
Confirm = Callable[[str, str], bool]


class KeyServiceHandler:
    """Answers Encrypt and Decrypt requests with this machine's master keys.

    Each request names one key; the handler builds that key with the local
    backend (credentials and identities of this process, as Go sops does)
    and performs the operation.  With ``confirm`` set, each request is first
    put to a person and a refusal answers PERMISSION_DENIED.
    """

    def __init__(self, confirm: Confirm | None = None) -> None:
        self._confirm = confirm
        self._confirm_lock = threading.Lock()

    def encrypt(self, request: Any, context: Any) -> Any:
        key = self._prepare(request.key, "encrypt", context)
        try:
            key.encrypt(request.plaintext)
        except MasterKeyFailure as err:
            _abort(context, "UNKNOWN", str(err))
        log.info("encrypted a data key with %s", key.identifier)
        return _messages.EncryptResponse(ciphertext=key.enc.encode())

    def decrypt(self, request: Any, context: Any) -> Any:
        key = self._prepare(request.key, "decrypt", context, request.ciphertext)
        try:
            plaintext = key.decrypt()
        except MasterKeyFailure as err:
            _abort(context, "UNKNOWN", str(err))
        log.info("decrypted a data key with %s", key.identifier)
        return _messages.DecryptResponse(plaintext=plaintext)

    def _prepare(
        self, message: Any, action: str, context: Any, ciphertext: bytes = b""
    ) -> Any:
        try:
            key = _convert.master_key(message, ciphertext.decode("utf-8", "replace"))
        except _convert.UnsupportedKey as err:
            _abort(context, "NOT_FOUND", str(err))
        except Exception as err:  # a backend rejecting the key's description
            _abort(context, "INVALID_ARGUMENT", f"invalid key: {err}")
        if self._confirm is not None:
            with self._confirm_lock:
                allowed = self._confirm(action, _convert.describe(message))
            if not allowed:
                _abort(context, "PERMISSION_DENIED", "request rejected by user")
        return key


def _abort(context: Any, code: str, message: str) -> Any:
    import grpc

    context.abort(getattr(grpc.StatusCode, code), message)


def ask_on_terminal(action: str, key: str) -> bool:
    """Ask on the terminal whether to answer a request (``--prompt``)."""
    while True:
        sys.stderr.write(
            f"\nReceived {action} request using {key}. Respond to request? (y/n): "
        )
        sys.stderr.flush()
        answer = sys.stdin.readline()
        if not answer:
            return False
        if answer.strip() in ("y", "n"):
            return answer.strip() == "y"


def start(
    network: str, address: str, confirm: Confirm | None = None
) -> tuple[Any, str]:
    """Start a key service in background threads; returns the server and its address.

    ``network`` is ``tcp`` (``address`` = ``host:port``, port 0 picks a free
    one) or ``unix`` (``address`` = socket path).  The returned address has
    the real port.  Raises :class:`OSError` when the address cannot be bound.
    """
    import grpc

    handler = KeyServiceHandler(confirm)
    methods = {
        "Encrypt": grpc.unary_unary_rpc_method_handler(
            handler.encrypt,
            request_deserializer=_messages.EncryptRequest.FromString,
            response_serializer=_messages.EncryptResponse.SerializeToString,
        ),
        "Decrypt": grpc.unary_unary_rpc_method_handler(
            handler.decrypt,
            request_deserializer=_messages.DecryptRequest.FromString,
            response_serializer=_messages.DecryptResponse.SerializeToString,
        ),
    }
    # gRPC enables SO_REUSEPORT by default; a second service on a busy port
    # must fail as Go's does instead of silently sharing it.
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=4), options=[("grpc.so_reuseport", 0)]
    )
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler("KeyService", methods),)
    )

    if network == "unix":
        target = f"unix:{os.path.abspath(address)}"
    elif network in ("tcp", "tcp4", "tcp6"):
        target = address
    else:
        raise ValueError(f"unsupported network {network!r} (use tcp or unix)")
    try:
        port = server.add_insecure_port(target)
    except RuntimeError as err:
        raise OSError(f"cannot listen on {network}://{address}: {err}") from err
    if port == 0 and network != "unix":
        raise OSError(f"cannot listen on {network}://{address}")
    server.start()

    if network != "unix":
        host = address.rsplit(":", 1)[0]
        address = f"{host}:{port}"
    log.info("key service listening on %s://%s", network, address)
    return server, address


def serve(network: str, address: str, prompt: bool) -> None:
    """Run the key service until SIGINT or SIGTERM (``pysops keyservice``)."""
    stopped = threading.Event()

    def _stop(signum: int, _frame: Any) -> None:
        log.info("caught signal %d: shutting down", signum)
        stopped.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _stop)
    server, address = start(network, address, ask_on_terminal if prompt else None)
    try:
        stopped.wait()
    finally:
        server.stop(grace=1).wait()
        if network == "unix":
            try:
                os.unlink(address)
            except FileNotFoundError:
                pass
