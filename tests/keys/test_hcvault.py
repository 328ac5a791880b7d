"""Vault transit master keys against an OpenBao dev server, and against Go sops."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import servers
from _interop import (
    PLAIN,
    decrypt_both,
    decrypt_value,
    encrypt_both,
    go_decrypt,
    go_encrypt,
    layout,
    splice,
)
from servers import OpenBao, free_port

from pysops import exitcodes
from pysops.keys.hcvault import VaultKey, parse_uris
from pysops.keys.interface import MasterKeyFailure

# The local server's fixtures, used by this module.
openbao_server = servers.openbao_server
vault = servers.vault
DATA_KEY = bytes(range(32))


# --- URIs and metadata (no server needed) ---------------------------------------


@pytest.mark.parametrize(
    ("uri", "address", "engine", "name"),
    [
        (
            "https://vault.example.com:8200/v1/transit/keys/k1",
            "https://vault.example.com:8200",
            "transit",
            "k1",
        ),
        (
            "http://127.0.0.1:8200/v1/sops/team/transit/keys/k2",
            "http://127.0.0.1:8200",
            "sops/team/transit",
            "k2",
        ),
        # As Go, the segment before the key name is not checked.
        (
            "https://vault.example.com/v1/transit/anything/k3",
            "https://vault.example.com",
            "transit",
            "k3",
        ),
        (
            "https://vault.example.com/v2/a/../b/keys/k4/",
            "https://vault.example.com",
            "b",
            "k4",
        ),
    ],
)
def test_uri_parsing(uri: str, address: str, engine: str, name: str) -> None:
    key = VaultKey.from_string(uri)
    assert (key.vault_address, key.engine_path, key.key_name) == (address, engine, name)


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("vault.example.com/v1/transit/keys/k", "missing scheme"),
        ("https://vault.example.com/prefix/v1/transit/keys/k", "prefixed URL"),
        ("https://vault.example.com/v1/transit/k", "malformed"),
        ("https://vault.example.com/transit/keys/k", "malformed"),
    ],
)
def test_malformed_uris_exit_1_as_go(uri: str, message: str) -> None:
    with pytest.raises(MasterKeyFailure, match=message) as caught:
        VaultKey.from_uri(uri)
    assert caught.value.exit_code == exitcodes.GENERIC


def test_parse_uris_skips_empty_items() -> None:
    uris = "https://a/v1/transit/keys/x,,https://b/v1/t/keys/y"
    assert [k.identifier for k in parse_uris(uris)] == [
        "https://a/v1/transit/keys/x",
        "https://b/v1/t/keys/y",
    ]
    assert parse_uris("") == []


def test_metadata_field_order_and_round_trip() -> None:
    entry = {
        "enc": "vault:v1:abc",
        "created_at": "2024-05-06T07:08:09Z",
        "key_name": "k",
        "engine_path": "transit",
        "vault_address": "https://v:8200",
    }
    key = VaultKey.from_metadata(entry)
    assert list(key.to_metadata().items()) == [
        ("vault_address", "https://v:8200"),
        ("engine_path", "transit"),
        ("key_name", "k"),
        ("created_at", "2024-05-06T07:08:09Z"),
        ("enc", "vault:v1:abc"),
    ]
    assert key.identifier == "https://v:8200/v1/transit/keys/k"
    assert key.needs_rotation()
    assert not VaultKey("https://v", "transit", "k").needs_rotation()


def test_needs_rotation_boundary() -> None:
    now = dt.datetime.now(dt.timezone.utc)
    assert not VaultKey(
        "a", "e", "k", created_at=now - dt.timedelta(days=170)
    ).needs_rotation()


# --- against OpenBao ------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.parametrize("engine", ["transit", "sops/team"])
def test_round_trip(vault: OpenBao, engine: str) -> None:
    key = VaultKey.from_string(vault.key_uri(engine))
    key.encrypt(DATA_KEY)
    assert key.enc.startswith("vault:v1:")
    assert VaultKey.from_metadata(key.to_metadata()).decrypt() == DATA_KEY


@pytest.mark.integration
def test_token_file_is_used_without_vault_token(
    vault: OpenBao, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VAULT_TOKEN")
    (Path.home() / ".vault-token").write_text(vault.token + "\n")
    key = VaultKey.from_string(vault.key_uri())
    key.encrypt(DATA_KEY)
    assert key.decrypt() == DATA_KEY


@pytest.mark.integration
def test_missing_token_is_reported(
    vault: OpenBao, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VAULT_TOKEN")
    with pytest.raises(MasterKeyFailure) as caught:
        VaultKey.from_string(vault.key_uri()).encrypt(DATA_KEY)
    message = str(caught.value)
    assert vault.key_uri() in message and "403" in message and "no token" in message


@pytest.mark.integration
def test_bad_token_is_denied_and_not_shown(
    vault: OpenBao, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VAULT_TOKEN", "s.not-a-real-token")
    with pytest.raises(MasterKeyFailure) as caught:
        VaultKey.from_string(vault.key_uri()).encrypt(DATA_KEY)
    message = str(caught.value)
    assert "permission denied" in message and "not-a-real-token" not in message


@pytest.mark.integration
def test_wrong_key_cannot_decrypt(vault: OpenBao) -> None:
    key = VaultKey.from_string(vault.key_uri())
    key.encrypt(DATA_KEY)
    other = VaultKey.from_string(vault.key_uri(key="other"))
    other.enc = key.enc
    with pytest.raises(MasterKeyFailure, match="could not decrypt: HTTP 400"):
        other.decrypt()


def test_unreachable_server_is_reported() -> None:
    key = VaultKey.from_string(f"http://127.0.0.1:{free_port()}/v1/transit/keys/k")
    with pytest.raises(MasterKeyFailure, match="cannot reach 127.0.0.1:") as caught:
        key.encrypt(DATA_KEY)
    assert "\n" not in str(caught.value)


# --- against Go sops ---------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.gosops
def test_go_wrapped_data_key_unwraps_here(
    go_sops: Path, tmp_path: Path, vault: OpenBao
) -> None:
    document = go_encrypt(
        go_sops, tmp_path, "--hc-vault-transit", vault.key_uri("sops/team")
    )
    entry = document["sops"]["hc_vault"][0]
    key = VaultKey.from_metadata(entry)
    assert key.to_metadata() == entry
    assert key.engine_path == "sops/team"
    data_key = key.decrypt()
    assert decrypt_value(data_key, document["secret"], "secret:") == b"hello"


@pytest.mark.integration
@pytest.mark.gosops
def test_data_key_wrapped_here_unwraps_in_go(
    go_sops: Path, tmp_path: Path, vault: OpenBao
) -> None:
    document = go_encrypt(go_sops, tmp_path, "--hc-vault-transit", vault.key_uri())
    data_key = VaultKey.from_metadata(document["sops"]["hc_vault"][0]).decrypt()
    mine = VaultKey.from_string(vault.key_uri("sops/team"))
    mine.encrypt(data_key)
    spliced = splice(document, "hc_vault", mine.to_metadata())
    assert go_decrypt(go_sops, tmp_path, spliced) == PLAIN


@pytest.mark.integration
@pytest.mark.gosops
def test_whole_files_both_ways(go_sops: Path, tmp_path: Path, vault: OpenBao) -> None:
    uris = f"{vault.key_uri()},{vault.key_uri('sops/team')}"
    ours, theirs = encrypt_both(go_sops, tmp_path, "--hc-vault-transit", uris)
    assert ours.count("vault:v1:") == 2
    assert layout(ours) == layout(theirs)
    decrypt_both(go_sops, tmp_path, ours, theirs)
