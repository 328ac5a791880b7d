"""Files whose key groups mix age, PGP, AWS KMS and Vault keys, in both tools."""

from __future__ import annotations

from pathlib import Path

import pytest
import servers
from conftest import AgeKey, run_go, run_pysops
from servers import GnupgHome, MotoKms, OpenBao

gnupg_server, gnupg = servers.gnupg_server, servers.gnupg
moto_server, aws = servers.moto_server, servers.aws
openbao_server, vault = servers.openbao_server, servers.vault

pytestmark = [pytest.mark.integration, pytest.mark.gosops]

PLAIN = "db:\n    password: hunter2\n    port: 5432\n"


def _config(
    tmp_path: Path, age_key: AgeKey, gnupg: GnupgHome, aws: MotoKms, vault: OpenBao
) -> None:
    (tmp_path / ".sops.yaml").write_text(
        "creation_rules:\n"
        "  - key_groups:\n"
        f"      - age: [{age_key.recipient}]\n"
        f"        pgp: [{gnupg.fingerprint}]\n"
        f"      - kms: [{{arn: {aws.key_arn}}}]\n"
        f"        hc_vault: [{vault.key_uri()}]\n"
        "    shamir_threshold: 2\n"
    )
    (tmp_path / "s.yaml").write_text(PLAIN)


@pytest.mark.parametrize("maker", ["pysops", "go"])
def test_mixed_groups_decrypt_in_both_tools(
    tmp_path: Path,
    go_sops: Path,
    age_key: AgeKey,
    gnupg: GnupgHome,
    aws: MotoKms,
    vault: OpenBao,
    maker: str,
) -> None:
    _config(tmp_path, age_key, gnupg, aws, vault)
    env = {"SOPS_AGE_KEY_FILE": str(age_key.path)}
    made = (
        run_pysops if maker == "pysops" else lambda *a, **k: run_go(go_sops, *a, **k)
    )("encrypt", "s.yaml", cwd=tmp_path, env=env)
    assert made.returncode == 0, made.stderr
    enc = tmp_path / "s.enc.yaml"
    enc.write_bytes(made.stdout)
    text = made.stdout.decode()
    for marker in ("age:", "pgp:", "kms:", "hc_vault:", "shamir_threshold: 2"):
        assert marker in text
    assert run_go(go_sops, "decrypt", str(enc), env=env).stdout.decode() == PLAIN
    assert run_pysops("decrypt", str(enc), env=env).stdout.decode() == PLAIN
    # Any one key from each group is enough: PGP and Vault, without age or KMS.
    only = {
        "SOPS_AGE_KEY_FILE": str(tmp_path / "none.txt"),
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    }
    (tmp_path / "none.txt").write_text("")
    for tool in ("pysops", "go"):
        run = (
            run_pysops if tool == "pysops" else lambda *a, **k: run_go(go_sops, *a, **k)
        )
        result = run(
            "decrypt", "--decryption-order", "pgp,hc_vault", str(enc), env=only
        )
        assert result.returncode == 0, (tool, result.stderr)
        assert result.stdout.decode() == PLAIN
