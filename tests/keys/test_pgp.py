"""PGP master keys through a private GnuPG home, and against Go sops."""

from __future__ import annotations

import datetime as dt
import stat
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
from servers import GnupgHome

from pysops.errors import MetadataError
from pysops.keys.interface import MasterKeyFailure
from pysops.keys.pgp import PgpKey, parse_fingerprints, short_key_id

# The local server's fixtures, used by this module.
gnupg = servers.gnupg
gnupg_server = servers.gnupg_server
DATA_KEY = bytes(range(32))
FP = "1CFF7159929B7D6B3A489B51293E2BA4CC99234B"


# --- parsing and metadata (no GnuPG needed) --------------------------------


def test_parse_fingerprints_drops_spaces_and_splits_on_commas() -> None:
    keys = parse_fingerprints("1CFF 7159 929B,ABCD")
    assert [k.fingerprint for k in keys] == ["1CFF7159929B", "ABCD"]
    assert parse_fingerprints("") == []


def test_short_key_id_keeps_the_exact_subkey_mark() -> None:
    assert short_key_id(FP) == "293E2BA4CC99234B"
    assert short_key_id(FP + "!") == "293E2BA4CC99234B!"
    assert short_key_id("ABCD") == "ABCD"


def test_metadata_field_order_and_round_trip() -> None:
    entry = {
        "fp": FP,
        "enc": "-----BEGIN PGP MESSAGE-----",
        "created_at": "2024-05-06T07:08:09Z",
    }
    key = PgpKey.from_metadata(entry)
    assert list(key.to_metadata().items()) == [
        ("created_at", "2024-05-06T07:08:09Z"),
        ("enc", "-----BEGIN PGP MESSAGE-----"),
        ("fp", FP),
    ]
    assert key.identifier == FP
    assert PgpKey.type_id == "pgp"


def test_created_at_is_written_back_in_utc_seconds() -> None:
    key = PgpKey.from_metadata(
        {"fp": FP, "enc": "", "created_at": "2024-05-06T09:08:09.75+02:00"}
    )
    assert key.to_metadata()["created_at"] == "2024-05-06T07:08:09Z"


@pytest.mark.parametrize("created_at", [None, "", "yesterday", "2024-13-01T00:00:00Z"])
def test_malformed_created_at_is_a_metadata_error(created_at: object) -> None:
    with pytest.raises(MetadataError):
        PgpKey.from_metadata({"fp": FP, "enc": "", "created_at": created_at})


def test_needs_rotation_after_six_months() -> None:
    now = dt.datetime.now(dt.timezone.utc)
    assert not PgpKey(FP, created_at=now - dt.timedelta(days=179)).needs_rotation()
    assert PgpKey(FP, created_at=now - dt.timedelta(days=181)).needs_rotation()
    assert not PgpKey.from_string(FP).needs_rotation()


def test_missing_gpg_binary_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOPS_GPG_EXEC", "/nonexistent/gpg")
    with pytest.raises(MasterKeyFailure) as caught:
        PgpKey(FP).encrypt(DATA_KEY)
    message = str(caught.value)
    assert FP in message and "/nonexistent/gpg" in message and "\n" not in message


# --- against GnuPG -----------------------------------------------------------


@pytest.mark.integration
def test_round_trip(gnupg: GnupgHome) -> None:
    key = PgpKey.from_string(gnupg.fingerprint)
    key.encrypt(DATA_KEY)
    assert key.enc.startswith("-----BEGIN PGP MESSAGE-----")
    assert key.enc.endswith("-----END PGP MESSAGE-----")  # whitespace trimmed
    assert PgpKey.from_metadata(key.to_metadata()).decrypt() == DATA_KEY


@pytest.mark.integration
def test_key_held_by_gpg_agent_with_cached_passphrase(gnupg: GnupgHome) -> None:
    key = PgpKey(gnupg.agent_fingerprint)
    key.encrypt(DATA_KEY)
    assert key.decrypt() == DATA_KEY


@pytest.mark.integration
def test_unknown_fingerprint_names_the_key(gnupg: GnupgHome) -> None:
    key = PgpKey("0" * 40)
    with pytest.raises(MasterKeyFailure) as caught:
        key.encrypt(DATA_KEY)
    message = str(caught.value)
    assert "0" * 40 in message and "\n" not in message


@pytest.mark.integration
def test_decrypt_without_the_secret_key_fails(
    gnupg: GnupgHome, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = PgpKey(gnupg.fingerprint)
    key.encrypt(DATA_KEY)
    empty = tmp_path / "empty-gnupg"
    empty.mkdir(mode=0o700)
    monkeypatch.setenv("GNUPGHOME", str(empty))
    with pytest.raises(MasterKeyFailure) as caught:
        key.decrypt()
    assert gnupg.fingerprint in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.integration
def test_sops_gpg_exec_chooses_the_binary(
    gnupg: GnupgHome, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "calls"
    wrapper = tmp_path / "my-gpg"
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> {log}\nexec gpg "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("SOPS_GPG_EXEC", str(wrapper))
    key = PgpKey(gnupg.fingerprint)
    key.encrypt(DATA_KEY)
    assert key.decrypt() == DATA_KEY
    calls = log.read_text().splitlines()
    short = gnupg.fingerprint[-16:]
    assert calls == [
        f"--no-default-recipient --yes --encrypt -a -r {gnupg.fingerprint} "
        f"--trusted-key {short} --no-encrypt-to",
        "-d",
    ]


# --- against Go sops -------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.gosops
def test_go_wrapped_data_key_unwraps_here(
    go_sops: Path, tmp_path: Path, gnupg: GnupgHome
) -> None:
    document = go_encrypt(go_sops, tmp_path, "--pgp", gnupg.fingerprint)
    key = PgpKey.from_metadata(document["sops"]["pgp"][0])
    data_key = key.decrypt()
    assert len(data_key) == 32
    assert decrypt_value(data_key, document["secret"], "secret:") == b"hello"


@pytest.mark.integration
@pytest.mark.gosops
def test_data_key_wrapped_here_unwraps_in_go(
    go_sops: Path, tmp_path: Path, gnupg: GnupgHome
) -> None:
    document = go_encrypt(go_sops, tmp_path, "--pgp", gnupg.fingerprint)
    data_key = PgpKey.from_metadata(document["sops"]["pgp"][0]).decrypt()
    mine = PgpKey.from_string(gnupg.agent_fingerprint)
    mine.encrypt(data_key)
    assert (
        go_decrypt(go_sops, tmp_path, splice(document, "pgp", mine.to_metadata()))
        == PLAIN
    )


@pytest.mark.integration
@pytest.mark.gosops
def test_whole_files_both_ways(go_sops: Path, tmp_path: Path, gnupg: GnupgHome) -> None:
    ours, theirs = encrypt_both(go_sops, tmp_path, "--pgp", gnupg.fingerprint)
    assert layout(ours) == layout(theirs)
    decrypt_both(go_sops, tmp_path, ours, theirs)


@pytest.mark.integration
@pytest.mark.gosops
def test_whole_files_with_sops_pgp_fp(
    go_sops: Path, tmp_path: Path, gnupg: GnupgHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOPS_PGP_FP", f"{gnupg.fingerprint},{gnupg.agent_fingerprint}")
    ours, theirs = encrypt_both(go_sops, tmp_path)
    assert ours.count("fp: ") == 2
    assert layout(ours) == layout(theirs)
    decrypt_both(go_sops, tmp_path, ours, theirs)
