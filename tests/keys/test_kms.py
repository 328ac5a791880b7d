"""AWS KMS master keys against moto's server, and against Go sops."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
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
from servers import AWS_ACCOUNT, MotoKms

from pysops import exitcodes
from pysops.errors import MetadataError, UsageError
from pysops.keys.interface import MasterKeyFailure
from pysops.keys.kms import (
    KmsKey,
    parse_arns,
    parse_encryption_context,
    sts_session_name,
)

# The local server's fixtures, used by this module.
aws = servers.aws
moto_server = servers.moto_server
DATA_KEY = bytes(range(32))
ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE = "arn:aws:iam::123456789012:role/sops-admin"


# --- parsing and metadata (no server needed) -------------------------------


def test_parse_arns_with_role_and_spaces() -> None:
    keys = parse_arns(f" {ARN} +{ROLE},{ARN}", {"a": "b"}, "prof")
    assert [(k.arn, k.role, k.context, k.aws_profile) for k in keys] == [
        (ARN, ROLE, {"a": "b"}, "prof"),
        (ARN, "", {"a": "b"}, "prof"),
    ]
    assert keys[0].identifier == f"{ARN}+{ROLE}"
    assert parse_arns("") == []


def test_from_string_takes_role_and_context_from_options() -> None:
    key = KmsKey.from_string(ARN, role=ROLE, context={"k": "v"}, aws_profile="p")
    assert (key.arn, key.role, key.context, key.aws_profile) == (
        ARN,
        ROLE,
        {"k": "v"},
        "p",
    )


def test_encryption_context_parser() -> None:
    assert parse_encryption_context("") == {}
    assert parse_encryption_context("a:b,c:d,a:e") == {"a": "e", "c": "d"}
    assert parse_encryption_context("a:,:b") == {"a": "", "": "b"}


@pytest.mark.parametrize("text", ["a", "a:b,", "a:b:c", "a:b,,c:d"])
def test_malformed_encryption_context_exits_6(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_encryption_context(text)
    assert caught.value.exit_code == exitcodes.INVALID_KMS_ENCRYPTION_CONTEXT == 6


def test_sts_session_name_is_sanitised_and_bounded() -> None:
    assert sts_session_name("db.example.com") == "sops@db.example.com"
    assert sts_session_name("my host!#name") == "sops@myhostname"
    # Go's class holds the range @-_ rather than a literal '-': the hyphen
    # goes, while [ \ ] ^ _ stay.
    assert sts_session_name("host-1") == "sops@host1"
    assert sts_session_name("A[B]^_") == "sops@A[B]^_"
    assert len(sts_session_name("x" * 100)) == 64


def test_metadata_field_order_as_go_3_11() -> None:
    entry = {
        "enc": "AQID",
        "aws_profile": "",
        "created_at": "2024-05-06T07:08:09Z",
        "context": {"z": "1", "a": "2"},
        "role": ROLE,
        "arn": ARN,
    }
    key = KmsKey.from_metadata(entry)
    out = key.to_metadata()
    assert list(out) == ["arn", "role", "context", "created_at", "enc", "aws_profile"]
    assert list(out["context"]) == ["a", "z"]
    bare = KmsKey(ARN, created_at=key.created_at)
    assert list(bare.to_metadata()) == ["arn", "created_at", "enc", "aws_profile"]
    assert bare.to_metadata()["aws_profile"] == ""


def test_metadata_with_non_string_context_is_rejected() -> None:
    with pytest.raises(MetadataError):
        KmsKey.from_metadata(
            {"arn": ARN, "created_at": "2024-05-06T07:08:09Z", "context": {"a": 1}}
        )


def test_needs_rotation_after_six_months() -> None:
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=200)
    assert KmsKey(ARN, created_at=old).needs_rotation()
    assert not KmsKey(ARN).needs_rotation()


def test_invalid_arn_fails_without_network() -> None:
    key = KmsKey("arn:aws:s3:::bucket")
    with pytest.raises(MasterKeyFailure) as caught:
        key.encrypt(DATA_KEY)
    assert "arn:aws:s3:::bucket" in str(caught.value)


def test_importing_the_module_does_not_import_boto3() -> None:
    code = "import sys, pysops.keys.kms; assert 'boto3' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# --- against moto -----------------------------------------------------------------


@pytest.mark.integration
def test_round_trip(aws: MotoKms) -> None:
    key = KmsKey.from_string(aws.key_arn)
    key.encrypt(DATA_KEY)
    assert KmsKey.from_metadata(key.to_metadata()).decrypt() == DATA_KEY


@pytest.mark.integration
def test_encryption_context_must_match(aws: MotoKms) -> None:
    key = KmsKey.from_string(aws.key_arn, context={"app": "pysops"})
    key.encrypt(DATA_KEY)
    assert key.decrypt() == DATA_KEY
    key.context = {"app": "other"}
    with pytest.raises(MasterKeyFailure) as caught:
        key.decrypt()
    assert aws.key_arn in str(caught.value)
    assert "InvalidCiphertext" in str(caught.value)


@pytest.mark.integration
def test_assumed_role_with_go_session_name(aws: MotoKms) -> None:
    from moto.sts.models import sts_backends

    key = KmsKey.from_string(f"{aws.key_arn}+{aws.role_arn}")
    assert key.role == aws.role_arn
    key.encrypt(DATA_KEY)
    assert key.decrypt() == DATA_KEY
    sessions = {
        role.session_name for role in sts_backends[AWS_ACCOUNT]["aws"].assumed_roles
    }
    assert sts_session_name() in sessions


@pytest.mark.integration
def test_aws_profile_supplies_the_credentials(
    aws: MotoKms, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    aws_dir = Path.home() / ".aws"
    aws_dir.mkdir()
    (aws_dir / "credentials").write_text(
        "[sopstest]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
    )
    key = KmsKey.from_string(aws.key_arn, aws_profile="sopstest")
    key.encrypt(DATA_KEY)
    assert key.decrypt() == DATA_KEY

    key.aws_profile = "missing"
    with pytest.raises(MasterKeyFailure, match="profile 'missing' not found"):
        key.decrypt()


@pytest.mark.integration
def test_missing_credentials_are_reported(
    aws: MotoKms, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = KmsKey.from_string(aws.key_arn)
    key.encrypt(DATA_KEY)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(MasterKeyFailure) as caught:
        key.decrypt()
    message = str(caught.value)
    assert aws.key_arn in message and "no AWS credentials" in message
    assert "\n" not in message


@pytest.mark.integration
def test_unreachable_endpoint_is_reported(
    aws: MotoKms, monkeypatch: pytest.MonkeyPatch
) -> None:
    from servers import free_port

    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with pytest.raises(MasterKeyFailure, match="cannot reach http://127.0.0.1:"):
        KmsKey.from_string(aws.key_arn).encrypt(DATA_KEY)


@pytest.mark.integration
def test_unknown_key_is_reported(aws: MotoKms) -> None:
    arn = aws.key_arn.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
    with pytest.raises(MasterKeyFailure, match="NotFoundException"):
        KmsKey.from_string(arn).encrypt(DATA_KEY)


# --- against Go sops (Go 3.11 honours AWS_ENDPOINT_URL) ----------------------


@pytest.mark.integration
@pytest.mark.gosops
@pytest.mark.parametrize("with_role", [False, True], ids=["plain", "role"])
def test_go_wrapped_data_key_unwraps_here(
    go_sops: Path, tmp_path: Path, aws: MotoKms, with_role: bool
) -> None:
    spec = f"{aws.key_arn}+{aws.role_arn}" if with_role else aws.key_arn
    document = go_encrypt(
        go_sops, tmp_path, "--kms", spec, "--encryption-context", "app:pysops,env:ci"
    )
    entry = document["sops"]["kms"][0]
    key = KmsKey.from_metadata(entry)
    assert key.to_metadata() == entry
    assert key.context == {"app": "pysops", "env": "ci"}
    assert key.role == (aws.role_arn if with_role else "")
    data_key = key.decrypt()
    assert decrypt_value(data_key, document["secret"], "secret:") == b"hello"


@pytest.mark.integration
@pytest.mark.gosops
def test_data_key_wrapped_here_unwraps_in_go(
    go_sops: Path, tmp_path: Path, aws: MotoKms
) -> None:
    document = go_encrypt(go_sops, tmp_path, "--kms", aws.key_arn)
    data_key = KmsKey.from_metadata(document["sops"]["kms"][0]).decrypt()
    mine = KmsKey.from_string(f"{aws.key_arn}+{aws.role_arn}", context={"team": "x"})
    mine.encrypt(data_key)
    spliced = splice(document, "kms", mine.to_metadata())
    assert go_decrypt(go_sops, tmp_path, spliced) == PLAIN


@pytest.mark.integration
@pytest.mark.gosops
def test_go_honours_the_kms_specific_endpoint_variable(
    go_sops: Path, tmp_path: Path, aws: MotoKms, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", aws.endpoint)
    document = go_encrypt(go_sops, tmp_path, "--kms", aws.key_arn)
    assert KmsKey.from_metadata(document["sops"]["kms"][0]).decrypt() != b""


@pytest.mark.integration
@pytest.mark.gosops
def test_whole_files_both_ways(go_sops: Path, tmp_path: Path, aws: MotoKms) -> None:
    spec = f"{aws.key_arn}+{aws.role_arn},{aws.key_arn}"
    ours, theirs = encrypt_both(go_sops, tmp_path, "--kms", spec)
    assert layout(ours) == layout(theirs)
    decrypt_both(go_sops, tmp_path, ours, theirs)


@pytest.mark.integration
@pytest.mark.gosops
def test_whole_files_with_encryption_context(
    go_sops: Path, tmp_path: Path, aws: MotoKms
) -> None:
    ours, theirs = encrypt_both(
        go_sops,
        tmp_path,
        "--kms",
        aws.key_arn,
        "--encryption-context",
        "app:pysops,env:ci",
    )
    assert layout(ours) == layout(theirs)
    decrypt_both(go_sops, tmp_path, ours, theirs)


@pytest.mark.integration
@pytest.mark.gosops
def test_malformed_encryption_context_exits_6_in_both(
    go_sops: Path, tmp_path: Path, aws: MotoKms
) -> None:
    from conftest import run_go, run_pysops

    plain = tmp_path / "plain.yaml"
    plain.write_text("a: b\n")
    args = ("encrypt", "--kms", aws.key_arn, "--encryption-context", "a:b,", str(plain))
    assert run_go(go_sops, *args).returncode == 6
    assert run_pysops(*args).returncode == 6
