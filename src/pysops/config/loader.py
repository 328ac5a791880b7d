"""Find ``.sops.yaml`` and turn its YAML into the :mod:`pysops.config.model`.

Types are checked the way Go sops' YAML decoder checks them: a wrong shape
(a list where a mapping belongs, text for a number) fails the whole file
with its line; problems of one rule's keys only count when the rule is used.
Unknown fields are ignored, as Go does.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .. import exitcodes
from ..errors import ConfigError
from .model import Config, CreationRule, DestinationRule, KeySpec, StoresConfig

if TYPE_CHECKING:
    import yaml

log = logging.getLogger(__name__)

CONFIG_FILE_NAME = ".sops.yaml"
IGNORED_FILE_NAME = ".sops.yml"
CONFIG_ENV = "SOPS_CONFIG"
MAX_DEPTH = 100

_TAG = "tag:yaml.org,2002:"
_BOOL_WORDS = {
    "true": True,
    "yes": True,
    "on": True,
    "y": True,
    "false": False,
    "no": False,
    "off": False,
    "n": False,
}
_AZURE_URL = re.compile(r"^(https://[^/]+)/keys/([^/]+)(/[^/]*)?$")
_SUFFIX_FIELDS = (
    "unencrypted_suffix",
    "encrypted_suffix",
    "unencrypted_regex",
    "encrypted_regex",
    "unencrypted_comment_regex",
    "encrypted_comment_regex",
)
_FLAT_KEY_FIELDS = (
    ("age", "age"),
    ("pgp", "pgp"),
    ("kms", "kms"),
    ("gcp_kms", "gcp_kms"),
    ("azure_keyvault", "azure_kv"),
    ("hc_vault_transit_uri", "hc_vault"),
    ("hckms", "hckms"),
)


def find_config(cwd: str | os.PathLike[str] | None = None) -> Path | None:
    """The nearest ``.sops.yaml`` in ``cwd`` or its parents (100 levels), or None.

    A ``.sops.yml`` is never used; finding one is logged as a warning.
    """
    directory = Path(os.path.abspath(cwd if cwd is not None else os.getcwd()))
    ignored: Path | None = None
    for _ in range(MAX_DEPTH):
        candidate = directory / CONFIG_FILE_NAME
        if candidate.exists():
            if ignored is not None:
                log.warning(
                    "ignored %s (the config file must be named %s)",
                    ignored,
                    CONFIG_FILE_NAME,
                )
            return candidate
        if ignored is None and (directory / IGNORED_FILE_NAME).exists():
            ignored = directory / IGNORED_FILE_NAME
        directory = directory.parent
    if ignored is not None:
        log.warning(
            "ignored %s (the config file must be named %s)", ignored, CONFIG_FILE_NAME
        )
    return None


def config_path(
    explicit: str | None = None, cwd: str | os.PathLike[str] | None = None
) -> Path | None:
    """``--config`` if given, else ``$SOPS_CONFIG``, else :func:`find_config`."""
    chosen = explicit or os.environ.get(CONFIG_ENV)
    if chosen:
        return Path(chosen)
    return find_config(cwd)


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and parse the config file at ``path``.

    Raises ConfigError (exit code 1, as Go sops) naming the file, and the
    line where known, when it cannot be read or has the wrong shape.
    """
    path = Path(path)
    try:
        text = path.read_bytes()
    except OSError as err:
        raise _error(
            path, f"cannot read the config file: {err.strerror or err}"
        ) from err
    return parse_config(text, path)


def parse_config(text: str | bytes, path: Path | None = None) -> Config:
    """Parse config text; ``path`` names it in errors and anchors rule paths."""
    global yaml  # bound on first use: importing PyYAML costs ~30 ms of start-up
    import yaml

    name = path if path is not None else Path(CONFIG_FILE_NAME)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        # Go reads only the first document of a multi-document file
        root = next(iter(yaml.compose_all(text, Loader=loader)), None)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(err, "problem", None) or "invalid YAML"
        raise _error(name, f"invalid YAML: {problem}", line) from err
    return _Parser(name).config(root, path)


def _error(path: Path, message: str, line: int | None = None) -> ConfigError:
    where = f"{path}:{line}" if line is not None else str(path)
    return ConfigError(f"{where}: {message}", exit_code=exitcodes.GENERIC)


class _Parser:
    """Walks composed YAML nodes, checking shapes and collecting rules."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, node: yaml.Node, message: str) -> ConfigError:
        return _error(self.path, message, node.start_mark.line + 1)

    # --- generic node readers -------------------------------------------------

    def mapping(self, node: yaml.Node | None, what: str) -> dict[str, yaml.Node]:
        if node is None or _is_null(node):
            return {}
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping")
        result: dict[str, yaml.Node] = {}
        for key_node, value in _merged_pairs(node):
            key = self.string(key_node, "a mapping key")
            if key in result:
                raise self.fail(key_node, f"duplicate key {key!r} in {what}")
            result[key] = value
        return result

    def sequence(self, node: yaml.Node | None, what: str) -> list[yaml.Node]:
        if node is None or _is_null(node):
            return []
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, f"{what} must be a list")
        return [item for item in node.value if not _is_null(item)]

    def string(self, node: yaml.Node | None, what: str) -> str:
        if node is None or _is_null(node):
            return ""
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, f"{what} must be text")
        return str(node.value)

    def integer(self, node: yaml.Node | None, what: str) -> int:
        if node is None or _is_null(node):
            return 0
        if isinstance(node, yaml.ScalarNode) and node.tag == _TAG + "int":
            digits = str(node.value).replace("_", "")
            try:
                return int(digits, 0)
            except ValueError:
                try:
                    return int(digits, 10)
                except ValueError:
                    pass
        raise self.fail(node, f"{what} must be an integer")

    def boolean(self, node: yaml.Node | None, what: str) -> bool:
        if node is None or _is_null(node):
            return False
        if isinstance(node, yaml.ScalarNode):
            word = str(node.value).lower()
            if word in _BOOL_WORDS:
                return _BOOL_WORDS[word]
        raise self.fail(node, f"{what} must be true or false")

    # --- the document ----------------------------------------------------------

    def config(self, root: yaml.Node | None, path: Path | None) -> Config:
        top = self.mapping(root, "the config file")
        rules_node = top.get("creation_rules")
        creation_rules = None
        if rules_node is not None and not _is_null(rules_node):
            creation_rules = [
                self.creation_rule(item)
                for item in self.sequence(rules_node, "creation_rules")
            ]
        destination_rules = [
            self.destination_rule(item)
            for item in self.sequence(top.get("destination_rules"), "destination_rules")
        ]
        return Config(
            creation_rules, destination_rules, self.stores(top.get("stores")), path
        )

    def stores(self, node: yaml.Node | None) -> StoresConfig:
        fields = self.mapping(node, "stores")

        def indent(name: str) -> int | None:
            options = self.mapping(fields.get(name), f"stores.{name}")
            if "indent" not in options or _is_null(options["indent"]):
                return None
            return self.integer(options["indent"], f"stores.{name}.indent")

        for name in ("dotenv", "ini"):
            self.mapping(fields.get(name), f"stores.{name}")
        return StoresConfig(indent("yaml"), indent("json"), indent("json_binary"))

    def creation_rule(self, node: yaml.Node) -> CreationRule:
        fields = self.mapping(node, "a creation rule")
        problems: list[str] = []
        text = {
            name: self.string(fields.get(name), name)
            for name in ("path_regex", "aws_profile", *_SUFFIX_FIELDS)
        }
        if sum(1 for name in _SUFFIX_FIELDS if text[name]) > 1:
            problems.append(
                "a creation rule may use only one of " + ", ".join(_SUFFIX_FIELDS)
            )

        groups_node = fields.get("key_groups")
        groups_items = self.sequence(groups_node, "key_groups")
        if groups_items:
            key_groups = [self.key_group(group, problems) for group in groups_items]
        else:
            key_groups = [self.flat_keys(fields, text["aws_profile"], problems)]

        return CreationRule(
            path_regex=text["path_regex"],
            key_groups=key_groups,
            shamir_threshold=self.integer(
                fields.get("shamir_threshold"), "shamir_threshold"
            ),
            mac_only_encrypted=self.boolean(
                fields.get("mac_only_encrypted"), "mac_only_encrypted"
            ),
            aws_profile=text["aws_profile"],
            problems=tuple(problems),
            **{name: text[name] for name in _SUFFIX_FIELDS},
        )

    def destination_rule(self, node: yaml.Node) -> DestinationRule:
        fields = self.mapping(node, "a destination rule")
        names = (
            "path_regex",
            "s3_bucket",
            "s3_prefix",
            "gcs_bucket",
            "gcs_prefix",
            "vault_path",
            "vault_address",
            "vault_kv_mount_name",
        )
        text = {name: self.string(fields.get(name), name) for name in names}
        recreation = fields.get("recreation_rule")
        return DestinationRule(
            vault_kv_version=self.integer(
                fields.get("vault_kv_version"), "vault_kv_version"
            ),
            recreation_rule=self.creation_rule(recreation)
            if recreation is not None and not _is_null(recreation)
            else CreationRule(),
            omit_extensions=self.boolean(
                fields.get("omit_extensions"), "omit_extensions"
            ),
            **text,
        )

    # --- keys -------------------------------------------------------------------

    def flat_keys(
        self, fields: dict[str, yaml.Node], aws_profile: str, problems: list[str]
    ) -> list[KeySpec]:
        # Go's order for a rule without key_groups: age, pgp, kms, gcp, azure, vault
        specs: list[KeySpec] = []
        for field_name, type_id in _FLAT_KEY_FIELDS:
            values = self.flat_values(fields.get(field_name), field_name, problems)
            for item in ",".join(values).split(","):
                spec = _spec_from_string(type_id, item, problems, aws_profile)
                if spec is not None:
                    specs.append(spec)
        return _deduplicate(specs)

    def flat_values(
        self, node: yaml.Node | None, name: str, problems: list[str]
    ) -> list[str]:
        if node is None or _is_null(node):
            return []
        if isinstance(node, yaml.ScalarNode) and node.tag == _TAG + "str":
            return [item.strip() for item in str(node.value).split(",")]
        if isinstance(node, yaml.SequenceNode):
            if all(
                isinstance(item, yaml.ScalarNode) and item.tag == _TAG + "str"
                for item in node.value
            ):
                return [str(item.value) for item in node.value]
        problems.append(
            f"{name} (line {node.start_mark.line + 1}) must be "
            "comma-separated text or a list of text"
        )
        return []

    def key_group(self, node: yaml.Node, problems: list[str]) -> list[KeySpec]:
        fields = self.mapping(node, "a key group")
        specs: list[KeySpec] = []
        for merged in self.sequence(fields.get("merge"), "merge"):
            specs.extend(self.key_group(merged, problems))
        for name, type_id in (("age", "age"), ("pgp", "pgp")):
            for item in self.sequence(fields.get(name), name):
                text = self.string(item, f"an entry of {name}")
                pieces = text.split(",") if type_id == "age" else [text]
                for piece in pieces:
                    spec = _spec_from_string(type_id, piece, problems)
                    if spec is not None:
                        specs.append(spec)
        for item in self.sequence(fields.get("kms"), "kms"):
            specs.append(self.kms_entry(item))
        for item in self.sequence(fields.get("gcp_kms"), "gcp_kms"):
            entry = self.mapping(item, "a gcp_kms entry")
            specs.append(
                KeySpec("gcp_kms", self.string(entry.get("resource_id"), "resource_id"))
            )
        for item in self.sequence(fields.get("azure_keyvault"), "azure_keyvault"):
            entry = self.mapping(item, "an azure_keyvault entry")
            url, name, version = (
                self.string(entry.get(key), key)
                for key in ("vaultUrl", "key", "version")
            )
            specs.append(
                KeySpec(
                    "azure_kv",
                    f"{url}/keys/{name}/{version}",
                    {"vault_url": url, "name": name, "version": version},
                )
            )
        for item in self.sequence(fields.get("hc_vault"), "hc_vault"):
            spec = _spec_from_string(
                "hc_vault", self.string(item, "hc_vault"), problems
            )
            if spec is not None:
                specs.append(spec)
        for item in self.sequence(fields.get("hckms"), "hckms"):
            key_id = (
                self.string(
                    self.mapping(item, "an hckms entry").get("key_id"), "key_id"
                )
                if isinstance(item, yaml.MappingNode)
                else self.string(item, "hckms")
            )
            specs.append(KeySpec("hckms", key_id.strip()))
        return _deduplicate(specs)

    def kms_entry(self, node: yaml.Node) -> KeySpec:
        entry = self.mapping(node, "a kms entry")
        context = {
            key: self.string(value, f"context.{key}")
            for key, value in self.mapping(entry.get("context"), "context").items()
        }
        return KeySpec(
            "kms",
            self.string(entry.get("arn"), "arn"),
            {
                "role": self.string(entry.get("role"), "role"),
                "context": context,
                "aws_profile": self.string(entry.get("aws_profile"), "aws_profile"),
            },
        )


def _spec_from_string(
    type_id: str, text: str, problems: list[str], aws_profile: str = ""
) -> KeySpec | None:
    """A spec from the textual form of a key, normalised as Go sops does."""
    if type_id in ("pgp", "kms", "gcp_kms"):
        text = text.replace(" ", "")
    else:
        text = text.strip()
    if not text:
        return None
    if type_id == "kms":
        arn, _, role = text.partition("+arn:aws:iam::")
        return KeySpec(
            "kms",
            arn,
            {
                "role": f"arn:aws:iam::{role}" if role else "",
                "aws_profile": aws_profile,
            },
        )
    if type_id == "azure_kv":
        match = _AZURE_URL.match(text)
        if match is None:
            problems.append(f"{text!r} is not an Azure Key Vault key URL")
            return None
        url, name, version = match.group(1), match.group(2), (match.group(3) or "/")[1:]
        return KeySpec(
            "azure_kv",
            f"{url}/keys/{name}/{version}",
            {"vault_url": url, "name": name, "version": version},
        )
    if type_id == "hc_vault":
        return _vault_spec(text, problems)
    if type_id == "age":
        from ..keys.age import parse_recipient
        from ..keys.interface import MasterKeyFailure

        try:
            parse_recipient(text)
        except MasterKeyFailure as err:
            problems.append(err.message)
            return None
    return KeySpec(type_id, text)


def _vault_spec(uri: str, problems: list[str]) -> KeySpec | None:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(uri)
    path = parts.path
    if not parts.scheme:
        problems.append(
            f"{uri!r} has no scheme (expected https://HOST/v1/ENGINE/keys/NAME)"
        )
        return None
    if re.search(r"/[^/]+/v\d+/[^/]+/[^/]+/[^/]+", path) or not re.search(
        r"/v\d+/[^/]+/[^/]+/[^/]+", path
    ):
        problems.append(
            f"{uri!r} is not a Vault key URI like https://HOST/v1/ENGINE/keys/NAME"
        )
        return None
    dirs = path.strip("/").split("/")
    address = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    engine, name = "/".join(d for d in dirs[1:-2] if d), dirs[-1]
    return KeySpec(
        "hc_vault",
        f"{address}/v1/{engine}/keys/{name}",
        {"vault_address": address, "engine_path": engine, "key_name": name},
    )


def _deduplicate(specs: list[KeySpec]) -> list[KeySpec]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for spec in specs:
        if spec.dedup_key not in seen:
            seen.add(spec.dedup_key)
            unique.append(spec)
    return unique


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _TAG + "null"


def _merged_pairs(node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
    """The pairs of a mapping with YAML ``<<`` merge keys expanded (own keys win)."""
    own = [(k, v) for k, v in node.value if k.tag != _TAG + "merge"]
    merged: list[tuple[yaml.Node, yaml.Node]] = []
    for key, value in node.value:
        if key.tag != _TAG + "merge":
            continue
        sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
        for source in sources:
            if isinstance(source, yaml.MappingNode):
                merged.extend(_merged_pairs(source))
    own_keys = {k.value for k, _ in own}
    merged = [(k, v) for k, v in merged if k.value not in own_keys]
    unique: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key, value in merged:
        unique.setdefault(key.value, (key, value))
    return own + list(unique.values())
