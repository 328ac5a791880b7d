"""Opening files with the recovery key alone, and the drill that proves it works."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .. import sopsfile
from ..errors import DataKeyUnavailable, SopsError
from ..keys.age import AgeKey, Identity, only_identities
from ..keys.interface import MasterKeyFailure
from ..metadata import Metadata
from .repo import SecretFile, find_secret_files, store_for

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]


def data_key_with(identities: Sequence[Identity], metadata: Metadata) -> bytes:
    """Unwrap a file's data key with ``identities`` and nothing else.

    Only the file's age entries are tried, each with exactly these
    identities: no KMS, Vault, PGP, key service or other age source is ever
    consulted.  With several key groups the identities must open as many
    groups as the Shamir threshold needs.  Raises DataKeyUnavailable.
    """
    needed = metadata.effective_threshold()
    parts: list[bytes] = []
    failures: list[tuple[str, str]] = []

    # 1. One share per group, from the first age entry the identities open.
    for group in metadata.key_groups:
        for key in group:
            if not isinstance(key, AgeKey):
                continue
            try:
                parts.append(key.decrypt_with(identities))
                break
            except MasterKeyFailure as err:
                failures.append((f"age {key.recipient}", err.message))
        if len(parts) >= needed:
            break

    # 2. Enough shares? One group gives the key, several are combined.
    if len(parts) < needed:
        if not any(isinstance(k, AgeKey) for k in metadata.master_keys()):
            message = "the file has no age master key, so no recovery key can open it"
        elif len(metadata.key_groups) > 1:
            message = (
                f"the recovery key opens {len(parts)} of the {needed} key groups needed"
            )
        else:
            message = "the recovery key is not among the file's master keys"
        raise DataKeyUnavailable(message, failures)
    if len(metadata.key_groups) > 1:
        from ..shamir import combine

        return combine(parts)
    return parts[0]


def open_with(
    identities: Sequence[Identity],
    secret: SecretFile,
    data: bytes,
    config: object = None,
) -> sopsfile.SopsFile:
    """Load, decrypt and MAC-check one file with the recovery key alone."""
    store = store_for(secret, config)  # type: ignore[arg-type]
    branches, metadata = sopsfile.load(data, store)
    with only_identities(identities):
        data_key = data_key_with(identities, metadata)
    return sopsfile.open_encrypted(branches, metadata, data_key=data_key)


@dataclass(frozen=True)
class FileResult:
    """How one file fared; ``reason`` is empty on success and never secret."""

    display: str
    ok: bool
    reason: str = ""


@dataclass
class DrillReport:
    """Per-file results of a drill, in discovery order."""

    results: list[FileResult] = field(default_factory=list)

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if not r.ok]

    @property
    def passed(self) -> bool:
        return bool(self.results) and not self.failed


def drill(
    root: Path,
    identities: Sequence[Identity],
    *,
    use_gitignore: bool = True,
    progress: Progress | None = None,
) -> DrillReport:
    """Decrypt every SOPS file under ``root`` with ``identities`` alone; writes nothing.

    Each file is fully decrypted and its MAC verified in memory, then dropped.
    """
    from .repo import sops_config

    config = sops_config(root)
    secrets = find_secret_files(root, use_gitignore)
    report = DrillReport()
    for index, secret in enumerate(secrets, start=1):
        if progress is not None:
            progress(index, len(secrets), secret.display)
        try:
            open_with(identities, secret, secret.path.read_bytes(), config)
        except OSError as err:
            report.results.append(
                FileResult(secret.display, False, f"cannot read: {err.strerror}")
            )
        except SopsError as err:
            report.results.append(FileResult(secret.display, False, err.message))
            log.debug("%s: %s", secret.display, err.message)
        else:
            report.results.append(FileResult(secret.display, True))
    return report
