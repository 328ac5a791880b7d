"""Builders for checker fixtures: hand-made SOPS metadata and demo repositories."""

from __future__ import annotations

from pathlib import Path

DR_AGE = "age1u79ltfzz5k79ex4mpl3r76p2532xex4mpl3z7vttctudr6gedn6ex4mpl3"
ACCOUNT = "123456789012"


def kms(region: str, alias: str) -> str:
    return f"arn:aws:kms:{region}:{ACCOUNT}:alias/{alias}"


def sops_yaml(
    kms_arns: list[str] = (), age: list[str] = (), pgp: list[str] = (), extra: str = ""
) -> str:
    """A YAML file with fake but well-formed metadata (checking never decrypts)."""
    lines = ["password: ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]", "sops:"]
    if kms_arns:
        lines.append("    kms:")
        for arn in kms_arns:
            lines += [
                f"        - arn: {arn}",
                '          created_at: "2024-03-20T10:00:00Z"',
                "          enc: AQID",
            ]
    if age:
        lines.append("    age:")
        for recipient in age:
            lines += [f"        - recipient: {recipient}", "          enc: x"]
    if pgp:
        lines.append("    pgp:")
        for fp in pgp:
            lines += [
                '        - created_at: "2024-03-20T10:00:00Z"',
                "          enc: x",
                f"          fp: {fp}",
            ]
    lines += [
        '    lastmodified: "2024-03-20T10:00:00Z"',
        "    mac: ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]",
        "    unencrypted_suffix: _unencrypted",
        "    version: 3.11.0",
    ]
    return "\n".join(lines) + "\n" + extra


DEMO_CONFIG = f"""\
allowUnmatched: false
rules:
  - allOf:
      - description: The recovery age key is on every file
        match: {DR_AGE}
        url: https://wiki.example.test/recovery
      - anyOf:
          - description: Production keys only
            allOf:
              - matchRegex: "^arn:aws:kms:eu-(central|west)-1:{ACCOUNT}:alias/production-cicd$"
              - not:
                  anyOf:
                    - matchRegex: "^arn:aws:kms:.*:alias/staging-cicd$"
                    - matchRegex: "^arn:aws:kms:.*:alias/development-cicd$"
          - description: Staging keys only
            allOf:
              - matchRegex: "^arn:aws:kms:eu-(central|west)-1:{ACCOUNT}:alias/staging-cicd$"
              - not:
                  anyOf:
                    - matchRegex: "^arn:aws:kms:.*:alias/production-cicd$"
                    - matchRegex: "^arn:aws:kms:.*:alias/development-cicd$"
      - description: KMS keys only from the two EU regions
        matchRegex: "^arn:aws:kms:eu-(central|west)-1:{ACCOUNT}:alias/(production|staging|development)-cicd$"
"""

DEMO_FILES = {
    "good/production-db.yaml": sops_yaml(
        [kms("eu-central-1", "production-cicd"), kms("eu-west-1", "production-cicd")],
        [DR_AGE],
    ),
    "good/staging-api.yaml": sops_yaml(
        [kms("eu-central-1", "staging-cicd"), kms("eu-west-1", "staging-cicd")],
        [DR_AGE],
    ),
    "bad/missing-age-key.yaml": sops_yaml(
        [kms("eu-central-1", "production-cicd"), kms("eu-west-1", "production-cicd")]
    ),
    "bad/mixed-environments.yaml": sops_yaml(
        [kms("eu-central-1", "production-cicd"), kms("eu-west-1", "staging-cicd")],
        [DR_AGE],
    ),
    "bad/unauthorized-region.yaml": sops_yaml(
        [kms("us-east-1", "unauthorized-key")], [DR_AGE]
    ),
    "bad/malicious-pgp-key.yaml": sops_yaml(
        [], [DR_AGE], ["1234567890ABCDEF1234567890ABCDEF12345678"]
    ),
    # sops-check passes this one (its `not` claims every anchor); we do not.
    "bad/prod-plus-foreign-pgp.yaml": sops_yaml(
        [kms("eu-central-1", "production-cicd"), kms("eu-west-1", "production-cicd")],
        [DR_AGE],
        ["1234567890ABCDEF1234567890ABCDEF12345678"],
    ),
}


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return root
