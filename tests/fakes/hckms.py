"""A fake HuaweiCloud KMS and IAM: ``encrypt-data``, ``decrypt-data``, projects.

Plain HTTP on 127.0.0.1; clients reach it with
``HUAWEICLOUD_SDK_REGION_KMS_<REGION>=http://127.0.0.1:PORT`` and
``HUAWEICLOUD_SDK_IAM_ENDPOINT``.  Every request must carry a valid
SDK-HMAC-SHA256 signature for the fake's access key, checked here from the
scheme's definition (not with pysops' signer) within 15 minutes of its date.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import hmac
import json
import os
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_AUTH = re.compile(
    r"SDK-HMAC-SHA256 Access=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})"
)


@dataclass
class FakeHuaweiKms:
    """State: credentials, project, keys by uuid, and a log of calls."""

    ak: str = "FAKEAK0123456789"
    sk: str = "fake-secret-key-for-tests"
    region: str = "ap-southeast-1"
    project_id: str = field(default_factory=lambda: os.urandom(16).hex())
    keys: dict[str, bytes] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_key(self) -> str:
        key_uuid = str(__import__("uuid").uuid4())
        self.keys[key_uuid] = AESGCM.generate_key(256)
        return key_uuid


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, code: str, message: str) -> None:
        self._reply(status, {"error": {"error_code": code, "error_msg": message}})

    def _signature_ok(self, body: bytes) -> bool:
        state = self.server.state
        match = _AUTH.fullmatch(self.headers.get("Authorization", ""))
        if match is None or match.group(1) != state.ak:
            return False
        signed = match.group(2).split(";")
        if "host" not in signed or "x-sdk-date" not in signed:
            return False
        date = self.headers.get("X-Sdk-Date", "")
        try:
            moment = _dt.datetime.strptime(date, "%Y%m%dT%H%M%SZ").replace(
                tzinfo=_dt.timezone.utc
            )
        except ValueError:
            return False
        if abs((_dt.datetime.now(_dt.timezone.utc) - moment).total_seconds()) > 900:
            return False
        url = urlsplit(self.path)
        uri = "/".join(quote(unquote(s), safe="-_.~") for s in url.path.split("/"))
        uri = uri if uri.endswith("/") else uri + "/"
        pairs = sorted(parse_qsl(url.query, keep_blank_values=True))
        query = "&".join(
            f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs
        )
        header_block = "".join(
            f"{h}:{(self.headers.get(h) or '').strip()}\n" for h in signed
        )
        request = (
            f"{self.command}\n{uri}\n{query}\n{header_block}\n{';'.join(signed)}\n"
            f"{hashlib.sha256(body).hexdigest()}"
        )
        text = (
            "SDK-HMAC-SHA256\n"
            + date
            + "\n"
            + hashlib.sha256(request.encode()).hexdigest()
        )
        expected = hmac.new(
            state.sk.encode(), text.encode(), hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest(expected, match.group(3))

    def do_GET(self) -> None:
        state = self.server.state
        if not self._signature_ok(b""):
            self._error(401, "APIGW.0301", "Incorrect IAM authentication information")
            return
        url = urlsplit(self.path)
        if url.path == "/v3/projects":
            name = dict(parse_qsl(url.query)).get("name")
            found = (
                [{"id": state.project_id, "name": state.region}]
                if name == state.region
                else []
            )
            self._reply(200, {"projects": found})
        else:
            self._error(404, "APIGW.0101", "The API does not exist")

    def do_POST(self) -> None:
        state = self.server.state
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not self._signature_ok(body):
            self._error(401, "APIGW.0301", "Incorrect IAM authentication information")
            return
        match = re.fullmatch(
            r"/v1\.0/([^/]+)/kms/(encrypt-data|decrypt-data)", urlsplit(self.path).path
        )
        if match is None or match.group(1) != state.project_id:
            self._error(404, "APIGW.0101", "The API does not exist")
            return
        with state.lock:
            state.calls.append(match.group(2))
        request = json.loads(body)
        secret = state.keys.get(request.get("key_id", ""))
        if secret is None:
            self._error(404, "KMS.0207", "Key not found")
            return
        if match.group(2) == "encrypt-data":
            nonce = os.urandom(12)
            sealed = nonce + AESGCM(secret).encrypt(
                nonce, request["plain_text"].encode(), None
            )
            self._reply(
                200,
                {
                    "key_id": request["key_id"],
                    "cipher_text": base64.b64encode(sealed).decode(),
                },
            )
            return
        try:
            blob = base64.b64decode(request["cipher_text"])
            plain = AESGCM(secret).decrypt(blob[:12], blob[12:], None).decode()
        except (InvalidTag, ValueError, KeyError):
            self._error(400, "KMS.0206", "Invalid ciphertext")
            return
        self._reply(
            200,
            {
                "key_id": request["key_id"],
                "plain_text": plain,
                "plain_text_base64": base64.b64encode(plain.encode()).decode(),
            },
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: FakeHuaweiKms) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


def start_fake_huawei_kms(state: FakeHuaweiKms) -> tuple[Any, str]:
    """Serve ``state`` on 127.0.0.1; returns the server and its base URL."""
    server = _Server(state)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
