"""The whole recovery story with cloud anchors: age + AWS KMS (moto) + Vault (OpenBao).

The files are wrapped for the cloud, ``dr init`` adds the paper key, the cloud
disappears, the drill proves the paper key alone opens everything, and
``dr restore`` moves every file to the new anchors that Go sops then reads.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import servers
from _drkit import pysops, secret_of_envelope_pdf, snapshot
from conftest import AgeKey, make_age_key, run_go
from servers import MotoKms, OpenBao, free_port

aws = servers.aws
moto_server = servers.moto_server
vault = servers.vault
openbao_server = servers.openbao_server

pytestmark = [pytest.mark.integration, pytest.mark.gosops]

SOPS_YAML = """\
# cloud anchors
creation_rules:
  - path_regex: shared/.*
    shamir_threshold: 2
    key_groups:
      - kms:
          - arn: {arn}
      - hc_vault:
          - {vault_uri}
  - path_regex: .*
    age: {team}
    kms: {arn}
    hc_vault_transit_uri: {vault_uri}
"""

NEW_ANCHORS = """\
# the new cloud: a new team key, and the recovery key kept
creation_rules:
  - path_regex: .*
    age: {team}, {dr}
"""

PLAIN = {
    "app.yaml": "db:\n  password: hunter2\n",
    "app.env": "TOKEN=abc\n",
    "shared/common.json": '{"api": "key"}\n',
}


def _cut_off_the_cloud(monkeypatch: pytest.MonkeyPatch) -> None:
    """Leave KMS and Vault unreachable: no credentials, endpoints at a closed port."""
    dead = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", dead)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "gone")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "gone")
    monkeypatch.setenv("VAULT_ADDR", dead)
    monkeypatch.delenv("VAULT_TOKEN")
    monkeypatch.delenv("SOPS_AGE_KEY_FILE", raising=False)


def test_paper_key_alone_recovers_a_repository_after_the_cloud_is_gone(
    aws: MotoKms,
    vault: OpenBao,
    tmp_path: Path,
    age_key: AgeKey,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    go_sops: Path,
) -> None:
    # 1. A repository wrapped for age + KMS + Vault (Shamir across KMS and Vault for one file).
    root = tmp_path / "repo"
    (root / "shared").mkdir(parents=True)
    (root / ".sops.yaml").write_text(
        SOPS_YAML.format(
            arn=aws.key_arn, vault_uri=vault.key_uri(), team=age_key.recipient
        )
    )
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(age_key.path))
    for name, text in PLAIN.items():
        (root / name).write_text(text)
        code, _, err = pysops(capsys, root, "encrypt", "-i", name)
        assert code == 0, err

    # 2. dr init while the cloud is there.
    envelope = tmp_path / "envelope.pdf"
    code, _, err = pysops(capsys, root, "dr", "init", "--envelope", str(envelope))
    assert code == 0, err
    paper = tmp_path / "paper.txt"
    paper.write_text(secret_of_envelope_pdf(envelope) + "\n")
    dr_recipient = (root / ".sops-check.yaml").read_text().split("- ")[-1].strip()
    assert (root / "shared/common.json").read_text().count(dr_recipient) == 2

    # 3. The cloud is gone; the drill succeeds with the paper key alone.
    _cut_off_the_cloud(monkeypatch)
    before = snapshot(root)
    code, out, err = pysops(capsys, root, "dr", "drill", "--identity", str(paper))
    assert code == 0, out + err
    assert "3 of 3 file(s) decrypted" in out
    assert snapshot(root) == before

    # 4. New anchors in .sops.yaml; restore with the paper key alone.
    new_team = make_age_key(tmp_path, "new-team.txt")
    (root / ".sops.yaml").write_text(
        NEW_ANCHORS.format(team=new_team.recipient, dr=dr_recipient)
    )
    code, _, err = pysops(capsys, root, "dr", "restore", "--identity", str(paper))
    assert code == 0, err
    assert "3 file(s) restored" in err and "dr rotate" in err

    # 5. Go sops reads every file with the new team key; the cloud is out of the files.
    for name, text in PLAIN.items():
        content = (root / name).read_text()
        assert aws.key_arn not in content and vault.address not in content
        done = run_go(
            go_sops,
            "decrypt",
            name,
            cwd=root,
            env={"SOPS_AGE_KEY_FILE": str(new_team.path)},
        )
        assert done.returncode == 0, done.stderr
        assert "".join(done.stdout.decode().split()) == "".join(text.split())
    code, out, _ = pysops(capsys, root, "dr", "verify")
    assert code == 0
