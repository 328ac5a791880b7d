"""The repository as disaster recovery sees it: its SOPS files, stores and rules."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Config, find_config, load_config
from ..errors import SopsError
from ..keys import KeyGroup, MasterKey, key_class
from ..stores import get_store, store_name_for_path
from ..stores.interface import Store

log = logging.getLogger(__name__)

#: configuration files are never SOPS files, even when they mention ``sops:``
_NOT_SECRETS = frozenset({".sops.yaml", ".sops-check.yaml"})


@dataclass(frozen=True)
class SecretFile:
    """A SOPS file found by its content; ``store_name`` is how to read it."""

    path: Path
    display: str
    store_name: str


def find_secret_files(root: Path, use_gitignore: bool = True) -> list[SecretFile]:
    """Every SOPS file under ``root``, recognised by content, ``.gitignore`` honoured.

    Raises SopsError when ``root`` does not exist.
    """
    from ..check.discovery import discover
    from ..check.reader import read_metadata

    found = []
    for candidate in discover([str(root)], use_gitignore=use_gitignore):
        if candidate.path.name in _NOT_SECRETS:
            continue
        try:
            data = candidate.path.read_bytes()
        except OSError as err:
            log.warning("%s: cannot read: %s", candidate.display, err.strerror)
            continue
        meta = read_metadata(data)
        if meta is None:
            continue
        found.append(
            SecretFile(
                candidate.path,
                candidate.display,
                _store_name(candidate.path, meta.store),
            )
        )
    log.debug("%d SOPS file(s) under %s", len(found), root)
    return found


def _store_name(path: Path, content_store: str) -> str:
    by_name = store_name_for_path(path.name)
    # An encrypted binary file is JSON inside; a YAML file without a known
    # extension was encrypted with --input-type and is read as what it is.
    if by_name == "binary" and content_store != "json":
        return content_store
    return by_name


def store_for(secret: SecretFile, config: Config | None) -> Store:
    """The store for a file, with the indentation ``.sops.yaml`` asks for."""
    indent = None
    if config is not None:
        stores = config.stores
        indent = {
            "yaml": stores.yaml_indent,
            "json": stores.json_indent,
            "binary": stores.json_binary_indent,
        }.get(secret.store_name)
    return get_store(secret.store_name, indent=indent)


def sops_config(root: Path) -> Config | None:
    """The ``.sops.yaml`` that governs ``root`` (found upward), or None."""
    found = find_config(str(root))
    return load_config(found) if found else None


def keys_for(config: Config, path: Path) -> tuple[list[KeyGroup], int]:
    """Fresh master keys (not yet wrapping anything) and threshold of the file's rule.

    Raises NoMatchingRule or ConfigError from the config, SopsError when a
    key in the rule is malformed.
    """
    rule = config.creation_rule_for(path)
    groups: list[KeyGroup] = []
    for spec_group in rule.key_groups:
        group: list[MasterKey] = []
        for spec in spec_group:
            options: dict[str, Any] = dict(spec.extra)
            if spec.type_id == "kms":
                options.setdefault("aws_profile", rule.aws_profile)
            try:
                group.append(key_class(spec.type_id).from_string(spec.value, **options))
            except SopsError as err:
                raise SopsError(f"{config.path}: {err.message}") from None
        if group:
            groups.append(group)
    if not groups:
        raise SopsError(f"{config.path}: the creation rule for {path} names no key")
    return groups, rule.shamir_threshold


def repository_name(root: Path) -> str:
    """How the envelope names the repository: its ``origin`` URL, else the directory."""
    git_dir = _git_dir(root.resolve())
    if git_dir is not None:
        url = _origin_url(git_dir / "config")
        if url:
            return url
        return str(git_dir.parent)
    return str(root.resolve())


def _git_dir(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        if (directory / ".git").is_dir():
            return directory / ".git"
    return None


def _origin_url(config_file: Path) -> str:
    try:
        lines = config_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    in_origin = False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("["):
            in_origin = stripped.replace(" ", "") == '[remote"origin"]'
        elif in_origin and stripped.startswith("url") and "=" in stripped:
            url = stripped.split("=", 1)[1].strip()
            # credentials embedded in an https URL never go on paper
            return _without_credentials(url)
    return ""


def _without_credentials(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest.split("/", 1)[0]:
        return f"{scheme}://{rest.split('@', 1)[1]}"
    return url


def age_recipients(keys: Sequence[MasterKey]) -> list[str]:
    """The recipients of the age keys among ``keys``."""
    return [k.identifier for k in keys if k.type_id == "age"]
