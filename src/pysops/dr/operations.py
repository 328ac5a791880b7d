"""The recovery workflows: init, rotate, restore and verify over a whole repository.

init, rotate and restore compute every new file first and return a
:class:`Plan`; nothing on disk changes until the caller commits it (after
writing the envelope, so a key is never in use without its paper copy).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .. import editing, sopsfile
from ..config import CONFIG_FILE_NAME, find_config
from ..datakey import recover_data_key
from ..errors import ConfigError, DataKeyUnavailable, SopsError
from ..keys import KeyGroup
from ..keys.age import AgeKey, Identity
from ..sopsfile import SopsFile
from . import configedit
from .recover import FileResult, Progress, data_key_with, open_with
from .repo import SecretFile, find_secret_files, keys_for, sops_config, store_for
from .staging import Staging

log = logging.getLogger(__name__)

CHECK_CONFIG_NAME = ".sops-check.yaml"


@dataclass
class Plan:
    """Staged new contents of the repository's files, not yet in place."""

    staging: Staging = field(default_factory=Staging)
    results: list[FileResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    config_files: list[Path] = field(default_factory=list)

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if not r.ok]

    @property
    def changed(self) -> int:
        return sum(1 for r in self.results if r.ok and r.reason != "unchanged")

    def commit(self) -> list[Path]:
        """Put every staged file in place."""
        return self.staging.commit()

    def discard(self) -> None:
        self.staging.discard()


Rewrite = Callable[[SecretFile, bytes], "bytes | None"]


def _rewrite_all(
    plan: Plan,
    secrets: Sequence[SecretFile],
    rewrite: Rewrite,
    progress: Progress | None,
) -> None:
    for index, secret in enumerate(secrets, start=1):
        if progress is not None:
            progress(index, len(secrets), secret.display)
        try:
            new = rewrite(secret, secret.path.read_bytes())
            if new is not None:
                plan.staging.stage(secret.path, new)
        except OSError as err:
            plan.results.append(
                FileResult(secret.display, False, f"cannot read: {err.strerror}")
            )
        except SopsError as err:
            log.debug("%s: %s", secret.display, err.message)
            plan.results.append(FileResult(secret.display, False, err.message))
        else:
            plan.results.append(
                FileResult(secret.display, True, "" if new else "unchanged")
            )


def _stage_text(plan: Plan, path: Path, old: str | None, new: str) -> None:
    if new != old:
        plan.staging.stage(path, new.encode("utf-8"))
        plan.config_files.append(path)


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(
            f"{path}: cannot read: {getattr(err, 'strerror', None) or err}"
        ) from None


def _config_path(root: Path) -> Path:
    found = find_config(str(root))
    if found is None:
        raise ConfigError(
            f"no {CONFIG_FILE_NAME} in {root} or above",
            hint="disaster recovery adds its recipient to the creation rules; create them first",
        )
    return Path(found)


def _emit(doc: SopsFile, secret: SecretFile, config: object) -> bytes:
    store = store_for(secret, config)  # type: ignore[arg-type]
    return store.emit_encrypted(doc.branches, doc.metadata.to_branch())


# --- init -----------------------------------------------------------------------


def plan_init(
    root: Path,
    recipient: str,
    *,
    use_gitignore: bool = True,
    progress: Progress | None = None,
) -> Plan:
    """Add ``recipient`` to every creation rule and to every key group of every file.

    Files keep their data key, values, MAC and ``lastmodified``: only the
    metadata gains an age entry, as ``updatekeys`` would write it.  The data
    key is unwrapped with this machine's usual key sources.
    """
    plan = Plan()
    config_file = _config_path(root)
    text = _read_text(config_file) or ""
    try:
        new_text, rules = configedit.add_recipient(text, recipient)
    except ConfigError as err:
        raise ConfigError(f"{config_file}: {err.message}") from None
    _stage_text(plan, config_file, text, new_text)
    plan.notes.append(f"{config_file}: recipient added to {rules} creation rule(s)")
    check_file = config_file.parent / CHECK_CONFIG_NAME
    check_text = _read_text(check_file)
    _stage_text(
        plan, check_file, check_text, configedit.record_recipient(check_text, recipient)
    )
    config = sops_config(config_file.parent)

    def rewrite(secret: SecretFile, data: bytes) -> bytes | None:
        store = store_for(secret, config)
        branches, metadata = sopsfile.load(data, store)
        lacking = [g for g in metadata.key_groups if recipient not in _age_ids(g)]
        if not lacking:
            return None
        data_key = recover_data_key(metadata.key_groups, metadata.effective_threshold())
        doc = SopsFile(branches, metadata, data_key, None)  # type: ignore[arg-type]
        if len(metadata.key_groups) == 1:
            # one group: only the new entry wraps the key; the others stay byte for byte
            entry = AgeKey(recipient)
            entry.encrypt(data_key)
            metadata.key_groups[0].append(entry)
        else:
            groups = [
                [*g, AgeKey(recipient)] if g in lacking else list(g)
                for g in metadata.key_groups
            ]
            editing.update_keys(doc, groups, metadata.shamir_threshold)
        return store.emit_encrypted(branches, metadata.to_branch())

    _rewrite_all(plan, find_secret_files(root, use_gitignore), rewrite, progress)
    return plan


def _age_ids(group: KeyGroup) -> list[str]:
    return [k.identifier for k in group if k.type_id == "age"]


# --- rotate ---------------------------------------------------------------------


def plan_rotate(
    root: Path,
    old_recipient: str,
    new_recipient: str,
    *,
    identities: Sequence[Identity] = (),
    use_gitignore: bool = True,
    progress: Progress | None = None,
) -> Plan:
    """Replace the recovery recipient everywhere and give every file a new data key.

    The data key is unwrapped with ``identities`` (the old recovery key)
    first, then with this machine's usual key sources.  Afterwards no file
    can be opened with the old key: it is gone from the metadata, and the
    data key it could unwrap before is no longer used.
    """
    plan = Plan()
    config_file = _config_path(root)
    text = _read_text(config_file) or ""
    new_text, count = configedit.replace_recipient(text, old_recipient, new_recipient)
    if not count:
        new_text, _ = configedit.add_recipient(text, new_recipient)
        plan.notes.append(
            f"{config_file}: the old recipient was not there; the new one was added"
        )
    _stage_text(plan, config_file, text, new_text)
    check_file = config_file.parent / CHECK_CONFIG_NAME
    check_text = _read_text(check_file)
    if check_text is not None and old_recipient in check_text:
        new_check = configedit.replace_recipient(
            check_text, old_recipient, new_recipient
        )[0]
    else:
        new_check = configedit.record_recipient(check_text, new_recipient)
    _stage_text(plan, check_file, check_text, new_check)
    config = sops_config(config_file.parent)

    def rewrite(secret: SecretFile, data: bytes) -> bytes:
        store = store_for(secret, config)
        branches, metadata = sopsfile.load(data, store)
        data_key = _data_key_any(identities, metadata)
        doc = sopsfile.open_encrypted(branches, metadata, data_key=data_key)
        groups = []
        for group in metadata.key_groups:
            kept = [
                k
                for k in group
                if not (
                    k.type_id == "age"
                    and k.identifier in (old_recipient, new_recipient)
                )
            ]
            groups.append([*kept, AgeKey(new_recipient)])
        metadata.key_groups = groups
        editing.rotate(doc)
        sopsfile.seal(doc)
        return _emit(doc, secret, config)

    _rewrite_all(plan, find_secret_files(root, use_gitignore), rewrite, progress)
    return plan


def _data_key_any(identities: Sequence[Identity], metadata: object) -> bytes:
    if identities:
        try:
            return data_key_with(identities, metadata)  # type: ignore[arg-type]
        except DataKeyUnavailable as err:
            log.debug(
                "the given identity does not open the file (%s); trying the usual sources",
                err,
            )
    return recover_data_key(metadata.key_groups, metadata.effective_threshold())  # type: ignore[attr-defined]


# --- restore --------------------------------------------------------------------


def plan_restore(
    root: Path,
    identities: Sequence[Identity],
    recovery_recipients: Sequence[str],
    *,
    use_gitignore: bool = True,
    progress: Progress | None = None,
) -> Plan:
    """Open every file with the recovery key alone and re-key it to its creation rule.

    Each file gets the master keys ``.sops.yaml`` names for it today and a new
    data key.  Files whose rule leaves out the recovery recipient are noted
    (they would no longer be recoverable).
    """
    plan = Plan()
    config = sops_config(root)
    if config is None or not config.has_creation_rules:
        raise ConfigError(
            f"no {CONFIG_FILE_NAME} with creation_rules in {root} or above",
            hint="write the new trust anchors into .sops.yaml first",
        )
    uncovered: list[str] = []

    def rewrite(secret: SecretFile, data: bytes) -> bytes:
        doc = open_with(identities, secret, data, config)
        groups, threshold = keys_for(config, secret.path)
        if not all(set(recovery_recipients) & set(_age_ids(g)) for g in groups):
            uncovered.append(secret.display)
        doc.metadata.key_groups = groups
        doc.metadata.shamir_threshold = threshold
        editing.rotate(doc)
        sopsfile.seal(doc)
        return _emit(doc, secret, config)

    _rewrite_all(plan, find_secret_files(root, use_gitignore), rewrite, progress)
    if uncovered:
        plan.notes.append(
            f"{len(uncovered)} file(s) are no longer readable with the recovery key, "
            f"because their creation rule does not name it: {', '.join(uncovered)}"
        )
    return plan


# --- verify ---------------------------------------------------------------------


def recorded_recipients(root: Path) -> list[str]:
    """The recovery age recipients ``.sops-check.yaml`` requires (beside ``.sops.yaml``)."""
    found = find_config(str(root))
    base = Path(found).parent if found else root
    text = _read_text(base / CHECK_CONFIG_NAME)
    return configedit.recorded_age_recipients(text) if text else []


def verify(
    root: Path, recipients: Sequence[str], *, use_gitignore: bool = True
) -> object:
    """The compliance checker's recovery-recipient check (and broken metadata) alone.

    Returns a :class:`pysops.check.Report`.
    """
    from ..check import default_config, run_check
    from ..check.config import BuiltinCheck
    from ..check.model import Level

    config = default_config(root.resolve())
    config.checks["recoveryRecipient"] = BuiltinCheck(
        "recoveryRecipient", True, Level.ERROR, {"recipients": list(recipients)}
    )
    return run_check([str(root)], config, use_gitignore=use_gitignore, use_rules=False)
