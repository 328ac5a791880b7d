"""Azure Key Vault master keys against a local fake of the Key Vault REST API."""

from __future__ import annotations

import base64

import pytest
from fakes.fixtures import (  # noqa: F401
    AZURE_VAULT_HOST,
    fake_tls,
    key_vault,
    key_vault_server,
)

from pysops.keys.azkv import AzureKeyVaultKey
from pysops.keys.interface import MasterKeyFailure

VAULT = f"https://{AZURE_VAULT_HOST}"
DATA_KEY = bytes(range(32))


def test_parse_url_with_and_without_version() -> None:
    key = AzureKeyVaultKey.parse_url(" https://v.vault.azure.net/keys/k1/abc ")
    assert (key.vault_url, key.name, key.version) == (
        "https://v.vault.azure.net",
        "k1",
        "abc",
    )
    key = AzureKeyVaultKey.parse_url("https://v.vault.azure.net/keys/k1")
    assert key.version == ""
    keys = AzureKeyVaultKey.parse_urls(
        "https://a.vault.azure.net/keys/x/1,https://b.vault.azure.net/keys/y/"
    )
    assert [(k.name, k.version) for k in keys] == [("x", "1"), ("y", "")]
    for bad in (
        "http://v.vault.azure.net/keys/k",
        "https://v.vault.azure.net/secrets/k",
        "https://v.vault.azure.net/keys/k/1/2",
    ):
        with pytest.raises(ValueError):
            AzureKeyVaultKey.parse_url(bad)


def test_metadata_field_order() -> None:
    entry = {
        "enc": "x",
        "version": "1",
        "name": "n",
        "created_at": "2024-01-02T03:04:05Z",
        "vault_url": VAULT,
    }
    key = AzureKeyVaultKey.from_metadata(entry)
    assert list(key.to_metadata()) == [
        "vault_url",
        "name",
        "version",
        "created_at",
        "enc",
    ]
    assert key.identifier == f"{VAULT}/keys/n/1"


@pytest.mark.integration
def test_round_trip_pins_the_current_version(key_vault) -> None:  # noqa: F811
    version = key_vault.add_key(AZURE_VAULT_HOST, "roundtrip")
    key = AzureKeyVaultKey.parse_url(f"{VAULT}/keys/roundtrip")
    key.encrypt(DATA_KEY)
    assert key.version == version
    assert "=" not in key.enc and "+" not in key.enc and "/" not in key.enc
    assert len(base64.urlsafe_b64decode(key.enc + "==")) == 256
    again = AzureKeyVaultKey.from_metadata(key.to_metadata())
    assert again.decrypt() == DATA_KEY
    assert ("POST", f"keys/roundtrip/{version}/decrypt") in key_vault.calls


@pytest.mark.integration
def test_older_version_still_decrypts(key_vault) -> None:  # noqa: F811
    old = key_vault.add_key(AZURE_VAULT_HOST, "versions")
    key = AzureKeyVaultKey(VAULT, "versions", old)
    key.encrypt(DATA_KEY)
    key_vault.add_key(AZURE_VAULT_HOST, "versions")
    assert AzureKeyVaultKey(VAULT, "versions", old, enc=key.enc).decrypt() == DATA_KEY


@pytest.mark.integration
def test_failures_name_the_key(key_vault, monkeypatch) -> None:  # noqa: F811
    with pytest.raises(MasterKeyFailure) as info:
        AzureKeyVaultKey(VAULT, "missing").encrypt(DATA_KEY)
    assert f"{VAULT}/keys/missing/" in str(info.value) and "not found" in str(
        info.value
    )

    version = key_vault.add_key(AZURE_VAULT_HOST, "tampered")
    key = AzureKeyVaultKey(VAULT, "tampered", version)
    key.encrypt(DATA_KEY)
    key.enc = key.enc[:-4] + ("AAAA" if not key.enc.endswith("AAAA") else "BBBB")
    with pytest.raises(MasterKeyFailure, match="failed to decrypt") as info:
        key.decrypt()
    assert "\n" not in str(info.value)

    monkeypatch.setenv("IDENTITY_HEADER", "wrong")
    with pytest.raises(MasterKeyFailure, match=f"{VAULT}/keys/tampered/{version}"):
        AzureKeyVaultKey(VAULT, "tampered", version, enc=key.enc).decrypt()


def test_padded_enc_is_rejected() -> None:
    with pytest.raises(MasterKeyFailure, match="unpadded base64url"):
        AzureKeyVaultKey(VAULT, "k", "1", enc="abc=").decrypt()
