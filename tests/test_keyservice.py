"""The gRPC key service: our server and client, and wire compatibility with Go sops."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import AgeKey, run_go
from fakes.fixtures import (  # noqa: F401
    AZURE_VAULT_HOST,
    cloud_kms,  # noqa: F811
    cloud_kms_server,
    fake_tls,
    huawei_kms,  # noqa: F811
    huawei_kms_server,
    key_vault,  # noqa: F811
    key_vault_server,
)
from fakes.net import free_port

from pysops.keys.age import AgeKey as AgeMasterKey
from pysops.keys.azkv import AzureKeyVaultKey
from pysops.keys.gcpkms import GcpKmsKey
from pysops.keys.hckms import HuaweiCloudKmsKey
from pysops.keys.interface import MasterKeyFailure
from pysops.keyservice import KeyServiceClient
from pysops.keyservice.client import grpc_target
from pysops.keyservice.server import start

DATA_KEY = bytes(range(32))
PLAIN = b"a: secret\nb:\n    - 1\n    - two\n"


@pytest.fixture(autouse=True)
def fresh_age_identities() -> Iterator[None]:
    """The age backend caches identities per process; each test sets its own."""
    from pysops.keys import age

    age.clear_identity_cache()
    yield
    age.clear_identity_cache()


@pytest.fixture
def our_service(age_key: AgeKey, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Our key service on a free TCP port, holding ``age_key``; yields its URI."""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(age_key.path))
    server, address = start("tcp", "127.0.0.1:0")
    yield f"tcp://{address}"
    server.stop(grace=None)


def _wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        assert process.poll() is None, "the Go key service exited early"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("the Go key service did not start listening")


@pytest.fixture
def go_service(go_sops: Path, age_key: AgeKey) -> Iterator[str]:
    """Go sops' key service on a free TCP port, holding ``age_key``; yields its URI."""
    port = free_port()
    env = dict(
        os.environ, SOPS_AGE_KEY_FILE=str(age_key.path), SOPS_DISABLE_VERSION_CHECK="1"
    )
    process = subprocess.Popen(
        [
            str(go_sops),
            "keyservice",
            "--network",
            "tcp",
            "--address",
            f"127.0.0.1:{port}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, process)
        yield f"tcp://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_grpc_target() -> None:
    assert grpc_target("tcp://127.0.0.1:5000") == "127.0.0.1:5000"
    assert grpc_target("unix:///tmp/ks.sock") == "unix:/tmp/ks.sock"
    for bad in ("http://127.0.0.1:1", "tcp://", "127.0.0.1:5000"):
        with pytest.raises(ValueError):
            grpc_target(bad)


@pytest.mark.integration
def test_our_client_and_server_round_trip(our_service: str, age_key: AgeKey) -> None:
    client = KeyServiceClient(our_service)
    key = AgeMasterKey(age_key.recipient)
    client.encrypt(key, DATA_KEY)
    assert key.enc.startswith("-----BEGIN AGE ENCRYPTED FILE-----")
    assert client.decrypt(key) == DATA_KEY
    client.close()


@pytest.mark.integration
def test_unix_socket(tmp_path: Path, age_key: AgeKey, monkeypatch) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(age_key.path))
    path = tmp_path / "ks.sock"
    server, _ = start("unix", str(path))
    try:
        client = KeyServiceClient(f"unix://{path}")
        key = AgeMasterKey(age_key.recipient)
        client.encrypt(key, DATA_KEY)
        assert client.decrypt(key) == DATA_KEY
    finally:
        server.stop(grace=None)


@pytest.mark.integration
def test_errors_name_key_and_service(our_service: str, age_key2: AgeKey) -> None:
    client = KeyServiceClient(our_service)
    stranger = AgeMasterKey(age_key2.recipient)
    client.encrypt(stranger, DATA_KEY)
    with pytest.raises(MasterKeyFailure) as info:
        client.decrypt(stranger)
    message = str(info.value)
    assert age_key2.recipient in message and our_service in message
    assert "\n" not in message and DATA_KEY.hex() not in message

    with pytest.raises(MasterKeyFailure, match="failed to connect|unavailable|refused"):
        KeyServiceClient(f"tcp://127.0.0.1:{free_port()}").decrypt(stranger)


@pytest.mark.integration
def test_prompt_refusal_is_permission_denied(age_key: AgeKey, monkeypatch) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(age_key.path))
    asked: list[tuple[str, str]] = []

    def refuse(action: str, key: str) -> bool:
        asked.append((action, key))
        return False

    server, address = start("tcp", "127.0.0.1:0", confirm=refuse)
    try:
        with pytest.raises(MasterKeyFailure, match="rejected by user"):
            KeyServiceClient(f"tcp://{address}").encrypt(
                AgeMasterKey(age_key.recipient), DATA_KEY
            )
    finally:
        server.stop(grace=None)
    assert asked == [("encrypt", f"age key {age_key.recipient}")]


@pytest.mark.integration
def test_cloud_keys_through_our_service(
    our_service: str,
    cloud_kms,  # noqa: F811
    key_vault,  # noqa: F811
    huawei_kms,  # noqa: F811
) -> None:
    client = KeyServiceClient(our_service)
    keys = [
        GcpKmsKey(cloud_kms.add_key("projects/p/locations/l/keyRings/r/cryptoKeys/ks")),
        AzureKeyVaultKey(
            f"https://{AZURE_VAULT_HOST}",
            "ks",
            key_vault.add_key(AZURE_VAULT_HOST, "ks"),
        ),
        HuaweiCloudKmsKey(f"{huawei_kms.region}:{huawei_kms.add_key()}"),
    ]
    for key in keys:
        client.encrypt(key, DATA_KEY)
        assert key.enc
        assert client.decrypt(key) == DATA_KEY
        assert key.decrypt() == DATA_KEY


@pytest.mark.integration
@pytest.mark.gosops
def test_go_sops_through_our_service(
    go_sops: Path, our_service: str, age_key: AgeKey, tmp_path: Path
) -> None:
    plain = tmp_path / "plain.yaml"
    plain.write_bytes(PLAIN)
    flags = ["--keyservice", our_service, "--enable-local-keyservice=false"]
    encrypted = run_go(
        go_sops,
        "encrypt",
        *flags,
        "--age",
        age_key.recipient,
        str(plain),
        env={"SOPS_AGE_KEY_FILE": "/nonexistent"},
    )
    assert encrypted.returncode == 0, encrypted.stderr
    assert b"-----BEGIN AGE ENCRYPTED FILE-----" in encrypted.stdout
    secret = tmp_path / "secret.yaml"
    secret.write_bytes(encrypted.stdout)
    decrypted = run_go(
        go_sops,
        "decrypt",
        *flags,
        str(secret),
        env={"SOPS_AGE_KEY_FILE": "/nonexistent"},
    )
    assert decrypted.returncode == 0, decrypted.stderr
    assert decrypted.stdout == PLAIN


@pytest.mark.integration
@pytest.mark.gosops
def test_go_sops_cloud_keys_through_our_service(
    go_sops: Path,
    our_service: str,
    tmp_path: Path,
    cloud_kms,  # noqa: F811
    key_vault,  # noqa: F811
) -> None:
    resource = cloud_kms.add_key("projects/p/locations/l/keyRings/r/cryptoKeys/go")
    version = key_vault.add_key(AZURE_VAULT_HOST, "go")
    plain = tmp_path / "plain.yaml"
    plain.write_bytes(PLAIN)
    flags = ["--keyservice", our_service, "--enable-local-keyservice=false"]
    encrypted = run_go(
        go_sops,
        "encrypt",
        *flags,
        "--gcp-kms",
        resource,
        "--azure-kv",
        f"https://{AZURE_VAULT_HOST}/keys/go/{version}",
        str(plain),
    )
    assert encrypted.returncode == 0, encrypted.stderr
    assert cloud_kms.calls == [("Encrypt", resource)]
    secret = tmp_path / "secret.yaml"
    secret.write_bytes(encrypted.stdout)
    text = encrypted.stdout.decode()
    assert f"resource_id: {resource}" in text and f"version: {version}" in text
    decrypted = run_go(go_sops, "decrypt", *flags, str(secret))
    assert decrypted.returncode == 0, decrypted.stderr
    assert decrypted.stdout == PLAIN


@pytest.mark.integration
@pytest.mark.gosops
def test_our_client_through_go_service(
    go_service: str, age_key: AgeKey, monkeypatch
) -> None:
    client = KeyServiceClient(go_service)
    key = AgeMasterKey(age_key.recipient)
    client.encrypt(key, DATA_KEY)
    assert client.decrypt(key) == DATA_KEY
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(age_key.path))
    assert AgeMasterKey(age_key.recipient, enc=key.enc).decrypt() == DATA_KEY

    local = AgeMasterKey(age_key.recipient)
    local.encrypt(DATA_KEY)
    assert client.decrypt(local) == DATA_KEY


@pytest.mark.integration
@pytest.mark.gosops
def test_go_service_failure_reaches_our_client(
    go_service: str, age_key2: AgeKey
) -> None:
    client = KeyServiceClient(go_service)
    key = AgeMasterKey(age_key2.recipient)
    client.encrypt(key, DATA_KEY)
    with pytest.raises(MasterKeyFailure, match=age_key2.recipient):
        client.decrypt(key)


@pytest.mark.integration
def test_busy_port_is_an_error(our_service: str) -> None:
    with pytest.raises(OSError, match="cannot listen"):
        start("tcp", grpc_target(our_service))
