"""``.sops.yaml``: lookup, parsing, rule matching, and agreement with Go sops."""

from __future__ import annotations

from pathlib import Path

import pyrage
import pytest
from conftest import run_go

from pysops import exitcodes
from pysops.config import (
    ConfigError,
    KeySpec,
    NoMatchingRule,
    compile_go_regex,
    config_path,
    find_config,
    load_config,
    parse_config,
)

RECIPIENT = str(pyrage.x25519.Identity.generate().to_public())
OTHER = str(pyrage.x25519.Identity.generate().to_public())


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# --- lookup ---------------------------------------------------------------------


def test_find_config_walks_up_from_cwd(tmp_path: Path) -> None:
    config = write(tmp_path / ".sops.yaml", "creation_rules: []\n")
    deep = tmp_path / "a" / "b" / "c"
    deep.mkdir(parents=True)
    assert find_config(deep) == config
    assert find_config(tmp_path) == config


def test_find_config_ignores_sops_yml(tmp_path: Path) -> None:
    write(tmp_path / "x" / ".sops.yml", "creation_rules: []\n")
    assert find_config(tmp_path / "x") is None


def test_config_path_prefers_explicit_then_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / ".sops.yaml", "")
    assert config_path(None, tmp_path) == tmp_path / ".sops.yaml"
    monkeypatch.setenv("SOPS_CONFIG", "/from/env.yaml")
    assert config_path(None, tmp_path) == Path("/from/env.yaml")
    assert config_path("/given.yaml", tmp_path) == Path("/given.yaml")


def test_missing_config_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "nope.yaml")
    assert "nope.yaml" in str(info.value)
    assert info.value.exit_code == exitcodes.GENERIC


# --- parsing --------------------------------------------------------------------


def test_flat_keys_as_text_or_list() -> None:
    config = parse_config(
        f"creation_rules:\n  - age: ' {RECIPIENT} , {OTHER},'\n"
        "    pgp: [AAAA BBBB]\n    kms: arn:aws:kms:r:1:key/k+arn:aws:iam::1:role/x\n"
        "    aws_profile: prof\n"
        "    hc_vault_transit_uri: https://v:8200/v1/sops/transit/keys/k\n"
        "    azure_keyvault: https://v.vault.azure.net/keys/n/ver\n"
        "    gcp_kms: projects/p/locations/l/keyRings/r/cryptoKeys/k\n"
    )
    (rule,) = config.creation_rules or []
    (group,) = rule.key_groups
    assert [(spec.type_id, spec.value) for spec in group] == [
        ("age", RECIPIENT),
        ("age", OTHER),
        ("pgp", "AAAABBBB"),
        ("kms", "arn:aws:kms:r:1:key/k"),
        ("gcp_kms", "projects/p/locations/l/keyRings/r/cryptoKeys/k"),
        ("azure_kv", "https://v.vault.azure.net/keys/n/ver"),
        ("hc_vault", "https://v:8200/v1/sops/transit/keys/k"),
    ]
    assert dict(group[3].extra) == {
        "role": "arn:aws:iam::1:role/x",
        "aws_profile": "prof",
    }
    assert group[6].extra["engine_path"] == "sops/transit"
    assert group[5].extra["version"] == "ver"


def test_key_groups_with_merge_and_deduplication() -> None:
    config = parse_config(
        "creation_rules:\n  - age: ignored-when-key-groups-exist\n    key_groups:\n"
        f"      - age: ['{RECIPIENT}, {RECIPIENT}']\n"
        "        merge:\n          - pgp: [FP1]\n            merge:\n"
        f"              - age: [{OTHER}]\n"
        "      - kms:\n          - arn: arn:k\n            context: {app: x}\n"
        "        azure_keyvault:\n"
        "          - {vaultUrl: 'https://v', key: n, version: '1'}\n"
        "        hckms: [{key_id: 'reg:uuid'}]\n    shamir_threshold: 2\n"
    )
    rule = (config.creation_rules or [])[0]
    assert rule.problems == ()
    assert rule.shamir_threshold == 2
    first, second = rule.key_groups
    # Go order: merged groups first (depth first), then age, pgp, ...
    assert [spec.value for spec in first] == [OTHER, "FP1", RECIPIENT]
    assert second[0] == KeySpec(
        "kms", "arn:k", {"role": "", "context": {"app": "x"}, "aws_profile": ""}
    )
    assert second[1].value == "https://v/keys/n/1"
    assert second[2] == KeySpec("hckms", "reg:uuid")


def test_stores_and_destination_rules() -> None:
    config = parse_config(
        "stores:\n  yaml: {indent: 2}\n  json: {indent: 0}\n"
        "destination_rules:\n  - path_regex: prod/\n"
        "    s3_bucket: b\n    s3_prefix: p/\n"
        f"    recreation_rule:\n      age: {RECIPIENT}\n"
        "  - vault_path: x/\n    vault_kv_version: 2\n    omit_extensions: true\n"
    )
    assert config.creation_rules is None and not config.has_creation_rules
    assert (
        config.stores.yaml_indent,
        config.stores.json_indent,
        config.stores.json_binary_indent,
    ) == (2, 0, None)
    assert config.destination_rule_for("prod/a.yaml").destination == "s3"
    other = config.destination_rule_for("dev/a.yaml")
    assert (other.destination, other.vault_kv_version, other.omit_extensions) == (
        "vault",
        2,
        True,
    )


def test_two_destinations_in_one_rule() -> None:
    config = parse_config("destination_rules:\n  - s3_bucket: a\n    gcs_bucket: b\n")
    with pytest.raises(ConfigError, match="more than one destination"):
        config.destination_rule_for("x")


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("creation_rules:\n  - path_regex: [x\n", 3, "invalid YAML"),
        ("creation_rules: hello\n", 1, "creation_rules must be a list"),
        ("creation_rules:\n  - shamir_threshold: abc\n", 2, "must be an integer"),
        ("creation_rules:\n  - shamir_threshold: '2'\n", 2, "must be an integer"),
        ("creation_rules:\n  - age: a\n    age: b\n", 3, "duplicate key 'age'"),
        ("stores:\n  yaml:\n    indent: x\n", 3, "stores.yaml.indent"),
        ("- a\n", 1, "the config file must be a mapping"),
    ],
)
def test_bad_shape_names_file_and_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, Path("/cfg/.sops.yaml"))
    message = str(info.value)
    assert message.startswith(f"/cfg/.sops.yaml:{line}: ")
    assert fragment in message
    assert info.value.exit_code == exitcodes.GENERIC


def test_unknown_fields_and_extra_documents_are_ignored() -> None:
    config = parse_config(
        f"bogus: 1\ncreation_rules:\n  - foo: bar\n    age: {RECIPIENT}\n"
        "---\nnot: read\n"
    )
    assert (config.creation_rules or [])[0].key_groups[0][0].value == RECIPIENT


def test_rule_problems_only_count_when_the_rule_is_chosen(tmp_path: Path) -> None:
    config = parse_config(
        f"creation_rules:\n  - path_regex: ok\n    age: {RECIPIENT}\n"
        "  - path_regex: two\n    unencrypted_suffix: _u\n    encrypted_suffix: _e\n"
        "  - path_regex: bad\n    age: notakey\n  - path_regex: '(?=x)'\n",
        tmp_path / ".sops.yaml",
    )
    assert (
        config.creation_rule_for(tmp_path / "ok.yaml").key_groups[0][0].value
        == RECIPIENT
    )
    with pytest.raises(ConfigError, match="only one of"):
        config.creation_rule_for(tmp_path / "two.yaml")
    with pytest.raises(ConfigError, match="'notakey' is not a recipient"):
        config.creation_rule_for(tmp_path / "bad.yaml")
    with pytest.raises(ConfigError, match="look-around"):
        config.creation_rule_for(tmp_path / "zzz.yaml")


# --- rule matching ------------------------------------------------------------------


def test_rules_match_paths_relative_to_the_config(tmp_path: Path) -> None:
    config = parse_config(
        f"creation_rules:\n  - path_regex: ^sub/.*\\.yaml$\n    age: {RECIPIENT}\n"
        f"  - path_regex: \\.json$\n    age: {OTHER}\n",
        tmp_path / ".sops.yaml",
    )
    first = config.creation_rule_for(tmp_path / "sub" / "x.yaml")
    assert first.key_groups[0][0].value == RECIPIENT
    assert config.creation_rule_for("/elsewhere/x.json").key_groups[0][0].value == OTHER
    with pytest.raises(NoMatchingRule) as info:
        config.creation_rule_for(tmp_path / "x.yaml")
    assert info.value.exit_code == exitcodes.GENERIC
    assert "no creation rule matches x.yaml" in str(info.value)


def test_rule_without_path_regex_matches_everything(tmp_path: Path) -> None:
    config = parse_config(
        f"creation_rules:\n  - age: {RECIPIENT}\n  - age: {OTHER}\n",
        tmp_path / ".sops.yaml",
    )
    assert config.creation_rule_for("/any/where").key_groups[0][0].value == RECIPIENT


def test_no_creation_rules_means_no_match() -> None:
    with pytest.raises(NoMatchingRule):
        parse_config("stores: {}\n").creation_rule_for("x")


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        (r"\.yaml$", "a.yaml\n", False),
        (r"\w+\.yaml", "é.yaml", False),
        (r"(?i)PROD", "prod/x", True),
        (r"a(?i)b|C", "c", True),
        (r"(a(?i)b)|C", "c", False),
        (r"(a(?i)b)|C", "aB", True),
        (r"[[:digit:]]{2}", "x12", True),
        (r"x{,2}", "x{,2}", True),
        (r"(?P<env>dev|prod)/", "dev/a", True),
        (r"(?<env>dev|prod)/", "dev/a", True),
        (r"\Qa.b\E", "axb", False),
        (r"\bkey\b", "a key.yaml", True),
    ],
)
def test_go_regex_semantics(pattern: str, text: str, expected: bool) -> None:
    assert (compile_go_regex(pattern).search(text) is not None) is expected


@pytest.mark.parametrize("pattern", [r"(?=x)", r"(a)\1", r"a++", r"(?x)a", r"(?>a)"])
def test_patterns_go_rejects_are_rejected(pattern: str) -> None:
    with pytest.raises(ValueError, match="not valid in Go"):
        compile_go_regex(pattern)


# --- agreement with the Go binary -------------------------------------------------

GO_CASES = [
    (r"^sub/.*\.yaml$", "sub/x.yaml", True),
    (r"^x\.yaml$", "sub/x.yaml", False),
    (r"sub/x", "sub/x.yaml", True),
    (r"(?i)SUB", "sub/x.yaml", True),
    (r"\.yml$", "sub/x.yaml", False),
    (r"^/", "sub/x.yaml", False),
]


@pytest.mark.gosops
@pytest.mark.parametrize(("pattern", "relative", "matches"), GO_CASES)
def test_rule_matching_agrees_with_go(
    go_sops: Path, tmp_path: Path, pattern: str, relative: str, matches: bool
) -> None:
    config_file = write(
        tmp_path / ".sops.yaml",
        f"creation_rules:\n  - path_regex: '{pattern}'\n    age: {RECIPIENT}\n",
    )
    target = write(tmp_path / relative, "a: 1\n")
    # run from a subdirectory: lookup starts at the working directory
    result = run_go(go_sops, "encrypt", str(target), cwd=target.parent)
    assert (result.returncode == 0) is matches, result.stderr
    if not matches:
        assert result.returncode == 1 and b"no matching creation rules" in result.stderr

    found = find_config(target.parent)
    assert found == config_file
    config = load_config(found)
    if matches:
        config.creation_rule_for(target)
    else:
        with pytest.raises(NoMatchingRule) as info:
            config.creation_rule_for(target)
        assert info.value.exit_code == result.returncode


@pytest.mark.gosops
@pytest.mark.parametrize(
    "text",
    [
        "creation_rules:\n  - path_regex: [x\n",
        "creation_rules: hello\n",
        f"creation_rules:\n  - age: {RECIPIENT}\n    age: {RECIPIENT}\n",
        f"creation_rules:\n  - unencrypted_suffix: _u\n    encrypted_suffix: _e\n"
        f"    age: {RECIPIENT}\n",
    ],
)
def test_config_errors_exit_like_go(go_sops: Path, tmp_path: Path, text: str) -> None:
    write(tmp_path / ".sops.yaml", text)
    target = write(tmp_path / "x.yaml", "a: 1\n")
    result = run_go(go_sops, "encrypt", str(target), cwd=tmp_path)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / ".sops.yaml").creation_rule_for(target)
    assert info.value.exit_code == result.returncode == 1
