"""HuaweiCloud KMS master keys against a local fake of its REST API."""

from __future__ import annotations

import pytest
from fakes.fixtures import huawei_kms, huawei_kms_server  # noqa: F401
from fakes.net import free_port

from pysops.errors import MetadataError
from pysops.keys.hckms import HuaweiCloudKmsKey, kms_endpoint
from pysops.keys.interface import MasterKeyFailure

DATA_KEY = bytes(range(32))
UUID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"


def test_key_id_parsing() -> None:
    key = HuaweiCloudKmsKey(f" cn-north-4 :{UUID}")
    assert (key.region, key.key_uuid) == ("cn-north-4", UUID)
    keys = HuaweiCloudKmsKey.parse_key_ids(f"cn-north-4:{UUID}, ,ap-southeast-1:{UUID}")
    assert [k.region for k in keys] == ["cn-north-4", "ap-southeast-1"]
    for bad in ("cn-north-4", f":{UUID}", "cn-north-4:"):
        with pytest.raises(ValueError):
            HuaweiCloudKmsKey(bad)
    with pytest.raises(MetadataError):
        HuaweiCloudKmsKey.from_metadata(
            {"key_id": "nope", "created_at": "2024-01-01T00:00:00Z"}
        )


def test_metadata_field_order_and_endpoint(monkeypatch) -> None:
    entry = {
        "enc": "e",
        "created_at": "2024-01-01T00:00:00Z",
        "key_id": f"cn-north-4:{UUID}",
    }
    key = HuaweiCloudKmsKey.from_metadata(entry)
    assert list(key.to_metadata()) == ["key_id", "created_at", "enc"]
    assert kms_endpoint("cn-north-4") == "https://kms.cn-north-4.myhuaweicloud.com"
    monkeypatch.setenv(
        "HUAWEICLOUD_SDK_REGION_KMS_CN_NORTH_4", "http://127.0.0.1:9/,http://x"
    )
    assert kms_endpoint("cn-north-4") == "http://127.0.0.1:9"


def test_missing_credentials_name_the_key(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("HUAWEICLOUD_SDK_AK", raising=False)
    monkeypatch.setenv("HUAWEICLOUD_SDK_CREDENTIALS_FILE", str(tmp_path / "none"))
    with pytest.raises(MasterKeyFailure, match=f"cn-north-4:{UUID}: .*no credentials"):
        HuaweiCloudKmsKey(f"cn-north-4:{UUID}").encrypt(DATA_KEY)


@pytest.mark.integration
def test_round_trip_with_project_lookup(huawei_kms) -> None:  # noqa: F811
    key = HuaweiCloudKmsKey(f"{huawei_kms.region}:{huawei_kms.add_key()}")
    key.encrypt(DATA_KEY)
    assert key.enc and DATA_KEY.hex() not in key.enc
    assert HuaweiCloudKmsKey.from_metadata(key.to_metadata()).decrypt() == DATA_KEY
    assert huawei_kms.calls == ["encrypt-data", "decrypt-data"]


@pytest.mark.integration
def test_credentials_file_and_project_id(huawei_kms, tmp_path, monkeypatch) -> None:  # noqa: F811
    path = tmp_path / "credentials"
    path.write_text(
        f"[basic]\nak = {huawei_kms.ak}\nsk = {huawei_kms.sk}\n"
        f"project_id = {huawei_kms.project_id}\n"
    )
    monkeypatch.delenv("HUAWEICLOUD_SDK_AK")
    monkeypatch.delenv("HUAWEICLOUD_SDK_IAM_ENDPOINT")  # no IAM lookup needed
    monkeypatch.setenv("HUAWEICLOUD_SDK_CREDENTIALS_FILE", str(path))
    key = HuaweiCloudKmsKey(f"{huawei_kms.region}:{huawei_kms.add_key()}")
    key.encrypt(DATA_KEY)
    assert key.decrypt() == DATA_KEY


@pytest.mark.integration
def test_failures(huawei_kms, monkeypatch) -> None:  # noqa: F811
    region = huawei_kms.region
    with pytest.raises(MasterKeyFailure, match="KMS.0207 Key not found"):
        HuaweiCloudKmsKey(f"{region}:{UUID}").encrypt(DATA_KEY)
    key = HuaweiCloudKmsKey(f"{region}:{huawei_kms.add_key()}", enc="AAAA")
    with pytest.raises(MasterKeyFailure, match="failed to decrypt .*KMS.0206"):
        key.decrypt()
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", "wrong")
    with pytest.raises(MasterKeyFailure, match="HTTP 401") as info:
        key.decrypt()
    assert "wrong" not in str(info.value)
    variable = "HUAWEICLOUD_SDK_REGION_KMS_" + region.upper().replace("-", "_")
    monkeypatch.setenv(variable, f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("HUAWEICLOUD_SDK_PROJECT_ID", huawei_kms.project_id)
    with pytest.raises(MasterKeyFailure, match="cannot reach 127.0.0.1"):
        key.decrypt()
