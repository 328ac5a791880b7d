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


@pytest.fixture(scope="session")
def fake_tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls(tmp_path_factory.mktemp("tls"), ["*.vault.localhost"])


@pytest.fixture(scope="session")
def cloud_kms_server(fake_tls: TlsFiles) -> Iterator[tuple[object, str]]:
    from .gcpkms import FakeCloudKms, start_fake_cloud_kms

    state = FakeCloudKms(token=GCP_TOKEN)
    server, address = start_fake_cloud_kms(state, fake_tls)
    yield state, address
    server.stop(grace=None)


@pytest.fixture
def cloud_kms(
    cloud_kms_server: tuple[object, str], fake_tls: TlsFiles,
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
