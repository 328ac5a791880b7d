"""The age master key: wrapping, every identity source, and interop with Go sops."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pyrage
import pytest
from conftest import AgeKey as KeyPair
from conftest import make_age_key, run_go

from pysops.keys import age
from pysops.keys.age import (
    AgeKey,
    IdentityError,
    identities_from_text,
    only_identities,
)
from pysops.keys.interface import MasterKeyFailure

DATA_KEY = bytes(range(32))


@pytest.fixture(autouse=True)
def fresh_identity_cache() -> Iterator[None]:
    age.clear_identity_cache()
    yield
    age.clear_identity_cache()


def wrapped_for(recipient: str, data: bytes = DATA_KEY) -> AgeKey:
    key = AgeKey(recipient)
    key.encrypt(data)
    return key


def ssh_key(directory: Path, kind: str, name: str) -> tuple[Path, str]:
    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen is not installed")
    path = directory / name
    args = ["-t", kind] + (["-b", "2048"] if kind == "rsa" else [])
    subprocess.run(
        ["ssh-keygen", "-q", *args, "-N", "", "-C", "test", "-f", str(path)], check=True
    )
    return path, Path(f"{path}.pub").read_text().strip()


# --- wrapping -----------------------------------------------------------------


def test_armor_layout_matches_go(age_key: KeyPair) -> None:
    enc = wrapped_for(age_key.recipient).enc
    lines = enc.split("\n")
    assert lines[0] == "-----BEGIN AGE ENCRYPTED FILE-----"
    assert lines[-2] == "-----END AGE ENCRYPTED FILE-----"
    assert lines[-1] == ""
    body = lines[1:-2]
    assert all(len(line) == 64 for line in body[:-1])
    assert 0 < len(body[-1]) <= 64


def test_metadata_entry_order_and_round_trip(age_key: KeyPair) -> None:
    key = wrapped_for(age_key.recipient)
    entry = key.to_metadata()
    assert list(entry) == ["recipient", "enc"]
    again = AgeKey.from_metadata({"enc": entry["enc"], "recipient": entry["recipient"]})
    assert again.recipient == age_key.recipient and again.enc == key.enc
    assert again.type_id == "age"


def test_from_metadata_rejects_missing_recipient() -> None:
    from pysops.errors import MetadataError

    with pytest.raises(MetadataError):
        AgeKey.from_metadata({"enc": "x"})


def test_parse_recipients_trims_and_splits(age_key: KeyPair, age_key2: KeyPair) -> None:
    keys = AgeKey.parse_recipients(f" {age_key.recipient} ,{age_key2.recipient},")
    assert [k.recipient for k in keys] == [age_key.recipient, age_key2.recipient]


@pytest.mark.parametrize("text", ["age1notvalid", "bogus", "ssh-ed25519 AAAA"])
def test_bad_recipient_is_a_clear_error(text: str) -> None:
    with pytest.raises(MasterKeyFailure) as info:
        AgeKey.parse_recipients(text)
    assert text.split()[0] in str(info.value)
    assert "\n" not in str(info.value)


def test_plugin_recipient_without_plugin_is_a_clear_error() -> None:
    key = AgeKey(
        "age1yubikey1qwt50d05nh5vutpdzmlg5wn80xq5negm4uj9ghv0snvdd3yysf5yw3rhl3t"
    )
    with pytest.raises(MasterKeyFailure, match="age-plugin-yubikey"):
        key.encrypt(DATA_KEY)


# --- identity sources -----------------------------------------------------------


def test_identities_from_text_skips_comments_and_reads_several(
    age_key: KeyPair, age_key2: KeyPair
) -> None:
    text = (
        f"# created: today\n# public key: {age_key.recipient}\n{age_key.identity}\n\n"
        f"  {age_key2.identity}   \n"
    )
    assert len(identities_from_text(text)) == 2


def test_malformed_identity_names_source_and_line_not_key() -> None:
    secret = "AGE-SECRET-KEY-1THISISNOTAKEY"
    with pytest.raises(IdentityError) as info:
        identities_from_text(f"# c\n{secret}\n", "/some/keys.txt")
    assert str(info.value) == "age: malformed identity in /some/keys.txt, line 2"
    with pytest.raises(IdentityError, match="unknown kind of identity in X, line 1"):
        identities_from_text("hello", "X")


def test_key_file_env(age_key: KeyPair, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(age_key.path))
    assert wrapped_for(age_key.recipient).decrypt() == DATA_KEY


def test_key_env_with_several_keys(
    age_key: KeyPair, age_key2: KeyPair, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "SOPS_AGE_KEY", f"# mine\n{age_key.identity}\n{age_key2.identity}"
    )
    assert wrapped_for(age_key2.recipient).decrypt() == DATA_KEY


def test_key_cmd_gets_recipient(
    age_key: KeyPair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "print-key.sh"
    seen = tmp_path / "seen"
    script.write_text(f'#!/bin/sh\necho "$SOPS_AGE_RECIPIENT" > {seen}\ncat "$1"\n')
    script.chmod(0o755)
    monkeypatch.setenv("SOPS_AGE_KEY_CMD", f"{script} '{age_key.path}'")
    assert wrapped_for(age_key.recipient).decrypt() == DATA_KEY
    assert seen.read_text().strip() == age_key.recipient


def test_failing_key_cmd_is_reported(
    age_key: KeyPair, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY_CMD", "false")
    with pytest.raises(MasterKeyFailure, match="false from SOPS_AGE_KEY_CMD exited"):
        wrapped_for(age_key.recipient).decrypt()


@pytest.mark.parametrize("use_xdg", [True, False])
def test_default_key_file(
    use_xdg: bool, age_key: KeyPair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if use_xdg:
        base = tmp_path / "xdg"
        monkeypatch.setenv("XDG_CONFIG_HOME", str(base))
    else:
        base = Path(os.environ["HOME"]) / ".config"
    target = base / "sops" / "age" / "keys.txt"
    target.parent.mkdir(parents=True)
    shutil.copy(age_key.path, target)
    assert wrapped_for(age_key.recipient).decrypt() == DATA_KEY


@pytest.mark.parametrize("kind", ["ed25519", "rsa"])
def test_ssh_key_from_env(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private, public = ssh_key(tmp_path, kind, f"key_{kind}")
    monkeypatch.setenv("SOPS_AGE_SSH_PRIVATE_KEY_FILE", str(private))
    assert wrapped_for(public).decrypt() == DATA_KEY


@pytest.mark.parametrize(
    ("kind", "name"), [("ed25519", "id_ed25519"), ("rsa", "id_rsa")]
)
def test_ssh_key_in_home(kind: str, name: str, tmp_path: Path) -> None:
    ssh_dir = Path(os.environ["HOME"]) / ".ssh"
    ssh_dir.mkdir()
    _, public = ssh_key(ssh_dir, kind, name)
    assert wrapped_for(public).decrypt() == DATA_KEY


def test_no_identity_names_recipient_and_places(age_key: KeyPair) -> None:
    with pytest.raises(MasterKeyFailure) as info:
        wrapped_for(age_key.recipient).decrypt()
    message = str(info.value)
    assert age_key.recipient in message
    assert "keys.txt" in message and "\n" not in message


def test_wrong_identity_says_no_match(
    age_key: KeyPair, age_key2: KeyPair, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(age_key2.path))
    with pytest.raises(MasterKeyFailure) as info:
        wrapped_for(age_key.recipient).decrypt()
    message = str(info.value)
    assert f"no identity matched recipient {age_key.recipient}" in message
    assert f"SOPS_AGE_KEY_FILE ({age_key2.path})" in message


def test_broken_key_file_is_reported_without_key_material(
    age_key: KeyPair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "broken.txt"
    broken.write_text("AGE-SECRET-KEY-1SECRETBUTBROKEN\n")
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(broken))
    monkeypatch.setenv("SOPS_AGE_KEY", age_key.identity)
    # a good source still decrypts; the broken one is only reported
    assert wrapped_for(age_key.recipient).decrypt() == DATA_KEY
    age.clear_identity_cache()
    monkeypatch.delenv("SOPS_AGE_KEY")
    with pytest.raises(MasterKeyFailure) as info:
        wrapped_for(age_key.recipient).decrypt()
    assert f"malformed identity in {broken}, line 1" in str(info.value)
    assert "SECRETBUTBROKEN" not in str(info.value)


def test_unreadable_key_file(
    age_key: KeyPair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(tmp_path / "missing.txt"))
    with pytest.raises(MasterKeyFailure, match="cannot read key file .*missing.txt"):
        wrapped_for(age_key.recipient).decrypt()


def test_identities_are_loaded_once_and_only_on_decrypt(
    age_key: KeyPair, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY_CMD", "/nonexistent-command")
    wrapped = wrapped_for(age_key.recipient)  # encrypting reads no identity
    assert age._cache is None
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(age_key.path))
    assert wrapped.decrypt() == DATA_KEY
    monkeypatch.delenv("SOPS_AGE_KEY_FILE")
    assert wrapped.decrypt() == DATA_KEY  # cached
    age.clear_identity_cache()
    with pytest.raises(MasterKeyFailure):
        wrapped.decrypt()


def test_explicit_identities_disable_every_other_source(
    age_key: KeyPair, age_key2: KeyPair, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(age_key.path))
    wrapped = wrapped_for(age_key.recipient)
    other = [pyrage.x25519.Identity.from_str(age_key2.identity)]
    with only_identities(other), pytest.raises(MasterKeyFailure, match="explicitly"):
        wrapped.decrypt()
    with pytest.raises(MasterKeyFailure):
        wrapped.decrypt_with(other)
    right = identities_from_text(age_key.identity)
    assert wrapped.decrypt_with(right) == DATA_KEY
    with only_identities(right):
        assert wrapped.decrypt() == DATA_KEY
    assert age._cache is None


# --- interop with Go sops -----------------------------------------------------


def splice_age_entry(document: str, recipient: str, enc: str) -> str:
    """Add an age entry after the first one of a Go-written YAML file."""
    block = "".join(f"            {line}\n" for line in enc.splitlines())
    entry = f"        - recipient: {recipient}\n          enc: |\n{block}"
    marker = "    lastmodified:"
    assert marker in document
    return document.replace(marker, entry + marker, 1)


@pytest.mark.gosops
@pytest.mark.parametrize("second", ["x25519", "ssh-ed25519"])
def test_go_decrypts_a_data_key_we_wrapped(
    second: str, go_sops: Path, tmp_path: Path
) -> None:
    first = make_age_key(tmp_path, "first.txt")
    source = tmp_path / "s.yaml"
    source.write_text("password: hunter2\n")
    result = run_go(go_sops, "encrypt", "--age", first.recipient, str(source))
    assert result.returncode == 0, result.stderr
    document = result.stdout.decode()

    # 1. recover the data key with pyrage, 2. re-wrap it for a second recipient
    import yaml

    enc = yaml.safe_load(document)["sops"]["age"][0]["enc"]
    data_key = pyrage.decrypt(enc.encode(), identities_from_text(first.identity))
    if second == "x25519":
        other = make_age_key(tmp_path, "second.txt")
        recipient, env = other.recipient, {"SOPS_AGE_KEY_FILE": str(other.path)}
    else:
        private, recipient = ssh_key(tmp_path, "ed25519", "ssh_second")
        env = {"SOPS_AGE_SSH_PRIVATE_KEY_FILE": str(private)}
    wrapped = wrapped_for(recipient, data_key)

    # 3. splice it in; Go opens the file with the second key only
    target = tmp_path / "spliced.yaml"
    target.write_text(splice_age_entry(document, recipient, wrapped.enc))
    result = run_go(go_sops, "decrypt", str(target), env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"password: hunter2\n"


@pytest.mark.gosops
def test_we_unwrap_what_go_wrapped(
    go_sops: Path, age_key: KeyPair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    source = tmp_path / "s.yaml"
    source.write_text("a: b\n")
    result = run_go(go_sops, "encrypt", "--age", age_key.recipient, str(source))
    assert result.returncode == 0, result.stderr
    entry = yaml.safe_load(result.stdout)["sops"]["age"][0]
    monkeypatch.setenv("SOPS_AGE_KEY", age_key.identity)
    assert len(AgeKey.from_metadata(entry).decrypt()) == 32
