"""A fake Azure Key Vault: the keys REST API behind an HTTPS proxy.

The Azure SDK only sends bearer tokens over HTTPS and checks that the vault
host lies inside the domain named by the server's authentication challenge,
so the fake serves vault names under ``vault.localhost`` (challenge resource
``https://vault.localhost``) and is reached as an HTTPS proxy: clients set
``HTTPS_PROXY=http://127.0.0.1:PORT``, trust the test CA with
``REQUESTS_CA_BUNDLE`` and keep 127.0.0.1 in ``NO_PROXY``.  The proxy never
connects anywhere: every CONNECT tunnel ends in this process, whatever host
was asked for.  The same port also answers the App Service managed-identity
token request (``IDENTITY_ENDPOINT``/``IDENTITY_HEADER``), which is how
azure-identity's default chain gets its token here.

Keys are real RSA keys; ``GET /keys/NAME[/VERSION]``, ``POST .../encrypt`` and
``POST .../decrypt`` (RSA-OAEP-256) behave as Key Vault's API 7.x does.
"""

from __future__ import annotations

import base64
import json
import secrets
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .tls import TlsFiles

RESOURCE = "https://vault.localhost"
_OAEP = padding.OAEP(
    mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None
)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class FakeKeyVault:
    """State of the fake: RSA keys per (vault host, name) and version."""

    identity_header: str = field(default_factory=lambda: secrets.token_hex(8))
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    keys: dict[tuple[str, str], dict[str, rsa.RSAPrivateKey]] = field(
        default_factory=dict
    )
    latest: dict[tuple[str, str], str] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_key(self, vault_host: str, name: str) -> str:
        """Create a new version of key ``name``; returns the version."""
        version = secrets.token_hex(16)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        with self.lock:
            self.keys.setdefault((vault_host, name), {})[version] = key
            self.latest[(vault_host, name)] = version
        return version


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # -- the proxy: every tunnel ends here, in TLS with the test certificate
    def do_CONNECT(self) -> None:
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        self.connection = self.server.tls.wrap_socket(self.connection, server_side=True)
        self.rfile = self.connection.makefile("rb", -1)
        self.wfile = self.connection.makefile("wb", 0)
        self.tunnel = True
        self.close_connection = False

    def do_GET(self) -> None:
        if not getattr(self, "tunnel", False):
            self._managed_identity_token()
            return
        if self._authorized():
            self._vault("GET", b"")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if getattr(self, "tunnel", False) and self._authorized():
            self._vault("POST", body)
        elif not getattr(self, "tunnel", False):
            self._reply(404, {"error": "not here"})

    def _reply(
        self,
        status: int,
        payload: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _managed_identity_token(self) -> None:
        state = self.server.state
        query = parse_qs(urlsplit(self.path).query)
        if self.headers.get("X-IDENTITY-HEADER") != state.identity_header:
            self._reply(401, {"error": "bad identity header"})
            return
        self._reply(
            200,
            {
                "access_token": state.token,
                "expires_on": str(int(time.time()) + 3600),
                "resource": query.get("resource", [""])[0],
                "token_type": "Bearer",
            },
        )

    def _authorized(self) -> bool:
        if self.headers.get("Authorization") == f"Bearer {self.server.state.token}":
            return True
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        challenge = (
            f'Bearer authorization="https://login.invalid/tenant", '
            f'resource="{RESOURCE}"'
        )
        self._reply(
            401,
            {"error": {"code": "Unauthorized", "message": "no token"}},
            {"WWW-Authenticate": challenge},
        )
        return False

    def _vault(self, method: str, body: bytes) -> None:
        state = self.server.state
        host = (self.headers.get("Host") or "").split(":")[0]
        parts = [p for p in urlsplit(self.path).path.split("/") if p]
        with state.lock:
            state.calls.append((method, "/".join(parts)))
        if len(parts) < 2 or parts[0] != "keys":
            self._reply(404, {"error": {"code": "NotFound", "message": "no such API"}})
            return
        name = parts[1]
        versions = state.keys.get((host, name), {})
        version = (
            parts[2]
            if len(parts) > 2 and parts[2]
            else state.latest.get((host, name), "")
        )
        key = versions.get(version)
        if key is None:
            self._reply(
                404,
                {
                    "error": {
                        "code": "KeyNotFound",
                        "message": f"A key with (name/id) {name} was not found.",
                    }
                },
            )
            return
        kid = f"https://{host}/keys/{name}/{version}"
        operation = parts[3] if len(parts) > 3 else ""
        if method == "GET" and not operation:
            self._reply(200, self._bundle(kid, key))
        elif method == "POST" and operation in ("encrypt", "decrypt"):
            self._operate(kid, key, operation, body)
        else:
            self._reply(
                405, {"error": {"code": "BadRequest", "message": "unsupported"}}
            )

    def _bundle(self, kid: str, key: rsa.RSAPrivateKey) -> dict[str, Any]:
        numbers = key.public_key().public_numbers()
        return {
            "key": {
                "kid": kid,
                "kty": "RSA",
                "key_ops": ["encrypt", "decrypt", "wrapKey", "unwrapKey"],
                "n": _b64url(
                    numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
                ),
                "e": _b64url(numbers.e.to_bytes(3, "big")),
            },
            "attributes": {
                "enabled": True,
                "created": 1700000000,
                "updated": 1700000000,
                "recoveryLevel": "Recoverable+Purgeable",
            },
        }

    def _operate(
        self, kid: str, key: rsa.RSAPrivateKey, operation: str, body: bytes
    ) -> None:
        request = json.loads(body or b"{}")
        if request.get("alg") != "RSA-OAEP-256":
            self._reply(
                400,
                {"error": {"code": "BadParameter", "message": "unsupported algorithm"}},
            )
            return
        value = _unb64url(request.get("value", ""))
        try:
            if operation == "encrypt":
                result = key.public_key().encrypt(value, _OAEP)
            else:
                result = key.decrypt(value, _OAEP)
        except ValueError:
            self._reply(
                400, {"error": {"code": "BadParameter", "message": "Operation failed"}}
            )
            return
        self._reply(200, {"kid": kid, "value": _b64url(result)})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: FakeKeyVault, tls: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state
        self.tls = tls


def start_fake_key_vault(state: FakeKeyVault, files: TlsFiles) -> tuple[Any, str]:
    """Serve ``state`` on 127.0.0.1; returns the server and ``http://127.0.0.1:PORT``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(files.cert, files.key)
    server = _Server(state, context)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
