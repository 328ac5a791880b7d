"""GCP KMS master keys against a local fake of the Cloud KMS gRPC API."""

from __future__ import annotations

import base64
import os

import pytest
from fakes.fixtures import cloud_kms, cloud_kms_server, fake_tls  # noqa: F401
from fakes.net import free_port

from pysops.errors import MetadataError
from pysops.keys import gcpkms
from pysops.keys.gcpkms import GcpKmsKey
from pysops.keys.interface import MasterKeyFailure

RESOURCE = "projects/p1/locations/global/keyRings/ring/cryptoKeys/{}"
DATA_KEY = bytes(range(32))


def test_metadata_field_order_and_round_trip() -> None:
    key = GcpKmsKey.from_metadata(
        {
            "enc": "AAAA",
            "created_at": "2024-05-06T07:08:09Z",
            "resource_id": RESOURCE.format("k"),
        }
    )
    assert list(key.to_metadata()) == ["resource_id", "created_at", "enc"]
    assert key.to_metadata()["created_at"] == "2024-05-06T07:08:09Z"
    assert key.identifier == RESOURCE.format("k")
    assert key.needs_rotation()


def test_parse_resource_ids_strips_spaces_and_empty_items() -> None:
    keys = GcpKmsKey.parse_resource_ids(
        f"{RESOURCE.format('a')}, {RESOURCE.format('b')},"
    )
    assert [k.resource_id for k in keys] == [RESOURCE.format("a"), RESOURCE.format("b")]


def test_malformed_created_at_is_a_metadata_error() -> None:
    with pytest.raises(MetadataError):
        GcpKmsKey.from_metadata(
            {"resource_id": "x", "created_at": "yesterday", "enc": ""}
        )


def test_invalid_resource_id_fails_without_network() -> None:
    with pytest.raises(MasterKeyFailure, match="not a valid resource id"):
        GcpKmsKey("projects/p/keyRings/r").encrypt(DATA_KEY)


@pytest.mark.integration
def test_encrypt_decrypt_round_trip(cloud_kms) -> None:  # noqa: F811
    resource = cloud_kms.add_key(RESOURCE.format("roundtrip"))
    key = GcpKmsKey(resource)
    key.encrypt(DATA_KEY)
    raw = base64.b64decode(key.enc, validate=True)
    assert DATA_KEY not in raw
    again = GcpKmsKey.from_metadata(key.to_metadata())
    assert again.decrypt() == DATA_KEY
    assert cloud_kms.calls == [("Encrypt", resource), ("Decrypt", resource)]


@pytest.mark.integration
def test_malformed_google_credentials(cloud_kms, monkeypatch) -> None:  # noqa: F811
    # GOOGLE_CREDENTIALS wins over the access token, as in Go sops.
    monkeypatch.setenv("GOOGLE_CREDENTIALS", "not json")
    key = GcpKmsKey(cloud_kms.add_key(RESOURCE.format("creds")))
    with pytest.raises(MasterKeyFailure, match="bad credentials in GOOGLE_CREDENTIALS"):
        key.encrypt(DATA_KEY)


@pytest.mark.integration
def test_wrong_token_is_reported_with_the_key(cloud_kms, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setenv("GOOGLE_OAUTH_ACCESS_TOKEN", "wrong")
    resource = cloud_kms.add_key(RESOURCE.format("denied"))
    with pytest.raises(MasterKeyFailure) as info:
        GcpKmsKey(resource).encrypt(DATA_KEY)
    message = str(info.value)
    assert resource in message and "authentication" in message
    assert "\n" not in message


@pytest.mark.integration
def test_unknown_key_and_tampered_ciphertext(cloud_kms) -> None:  # noqa: F811
    with pytest.raises(MasterKeyFailure, match="not found"):
        GcpKmsKey(RESOURCE.format("missing")).encrypt(DATA_KEY)
    key = GcpKmsKey(cloud_kms.add_key(RESOURCE.format("tamper")))
    key.encrypt(DATA_KEY)
    raw = bytearray(base64.b64decode(key.enc))
    raw[-1] ^= 1
    key.enc = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(MasterKeyFailure, match="failed to decrypt"):
        key.decrypt()
    key.enc = "not base64!"
    with pytest.raises(MasterKeyFailure, match="not valid base64"):
        key.decrypt()


@pytest.mark.integration
def test_unreachable_endpoint_fails_quickly(cloud_kms, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setenv("SOPS_GCP_KMS_ENDPOINT", f"127.0.0.1:{free_port()}")
    monkeypatch.setattr(gcpkms, "CALL_TIMEOUT", 2.0)
    with pytest.raises(MasterKeyFailure, match=r"GCP KMS key .*failed to encrypt"):
        GcpKmsKey(RESOURCE.format("any")).encrypt(DATA_KEY)
    assert os.environ["SOPS_GCP_KMS_ENDPOINT"].startswith("127.0.0.1:")
