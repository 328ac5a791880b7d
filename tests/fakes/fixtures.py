"""Pytest fixtures that start the fakes; import them into a test module.

Session fixtures start a server once; the per-test fixtures point the client
libraries at it through environment variables only, exactly as a user would.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .tls import TlsFiles, make_tls

GCP_TOKEN = "ya29.fake-token-for-tests"


_tls: list[TlsFiles] = []


@pytest.fixture(scope="session")
def fake_tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """One CA for the whole session: gRPC core reads its roots file only once.

    (Each test module imports this fixture, which makes it a separate fixture
    per module, hence the module-level cache.)
    """
    if not _tls:
        _tls.append(make_tls(tmp_path_factory.mktemp("tls"), ["*.vault.localhost"]))
    return _tls[0]


@pytest.fixture(scope="session")
def cloud_kms_server(fake_tls: TlsFiles) -> Iterator[tuple[object, str]]:
    from .gcpkms import FakeCloudKms, start_fake_cloud_kms

    state = FakeCloudKms(token=GCP_TOKEN)
    server, address = start_fake_cloud_kms(state, fake_tls)
    yield state, address
    server.stop(grace=None)


@pytest.fixture
def cloud_kms(
    cloud_kms_server: tuple[object, str],
    fake_tls: TlsFiles,
    monkeypatch: pytest.MonkeyPatch,
) -> object:
    """The fake Cloud KMS, with this process configured to reach it."""
    state, address = cloud_kms_server
    monkeypatch.setenv("SOPS_GCP_KMS_ENDPOINT", address)
    monkeypatch.setenv("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", str(fake_tls.ca))
    monkeypatch.setenv("GOOGLE_OAUTH_ACCESS_TOKEN", GCP_TOKEN)
    monkeypatch.delenv("GOOGLE_CREDENTIALS", raising=False)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    state.calls.clear()  # type: ignore[attr-defined]
    return state


def tls_dir(files: TlsFiles) -> Path:
    return files.ca.parent


AZURE_VAULT_HOST = "sopstest.vault.localhost"


@pytest.fixture(scope="session")
def key_vault_server(fake_tls: TlsFiles) -> Iterator[tuple[object, str]]:
    from .azkv import FakeKeyVault, start_fake_key_vault

    state = FakeKeyVault()
    server, url = start_fake_key_vault(state, fake_tls)
    yield state, url
    server.shutdown()


def key_vault_env(state: object, url: str, tls: TlsFiles) -> dict[str, str]:
    """The variables that route the Azure SDK and azure-identity to the fake."""
    return {
        "HTTPS_PROXY": url,
        "NO_PROXY": "127.0.0.1",  # not "localhost": it would match vault.localhost
        "REQUESTS_CA_BUNDLE": str(tls.ca),
        "IDENTITY_ENDPOINT": f"{url}/msi/token",
        "IDENTITY_HEADER": state.identity_header,  # type: ignore[attr-defined]
    }


@pytest.fixture
def key_vault(
    key_vault_server: tuple[object, str],
    fake_tls: TlsFiles,
    monkeypatch: pytest.MonkeyPatch,
) -> object:
    """The fake Key Vault, with this process configured to reach it."""
    state, url = key_vault_server
    for name in (
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_TENANT_ID",
        "AZURE_FEDERATED_TOKEN_FILE",
        "MSI_ENDPOINT",
        "MSI_SECRET",
        "IDENTITY_SERVER_THUMBPRINT",
        "https_proxy",
        "no_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in key_vault_env(state, url, fake_tls).items():
        monkeypatch.setenv(name, value)
    state.calls.clear()  # type: ignore[attr-defined]
    return state


@pytest.fixture(scope="session")
def huawei_kms_server() -> Iterator[tuple[object, str]]:
    from .hckms import FakeHuaweiKms, start_fake_huawei_kms

    state = FakeHuaweiKms()
    server, url = start_fake_huawei_kms(state)
    yield state, url
    server.shutdown()


def huawei_kms_env(state: object, url: str) -> dict[str, str]:
    """The variables that route pysops' HuaweiCloud KMS requests to the fake."""
    region = state.region.upper().replace("-", "_")  # type: ignore[attr-defined]
    return {
        f"HUAWEICLOUD_SDK_REGION_KMS_{region}": url,
        "HUAWEICLOUD_SDK_IAM_ENDPOINT": url,
        "HUAWEICLOUD_SDK_AK": state.ak,  # type: ignore[attr-defined]
        "HUAWEICLOUD_SDK_SK": state.sk,  # type: ignore[attr-defined]
    }


@pytest.fixture
def huawei_kms(
    huawei_kms_server: tuple[object, str], monkeypatch: pytest.MonkeyPatch
) -> object:
    """The fake HuaweiCloud KMS, with this process configured to reach it."""
    state, url = huawei_kms_server
    for name in (
        "HUAWEICLOUD_SDK_PROJECT_ID",
        "HUAWEICLOUD_SDK_SECURITY_TOKEN",
        "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in huawei_kms_env(state, url).items():
        monkeypatch.setenv(name, value)
    state.calls.clear()  # type: ignore[attr-defined]
    return state
