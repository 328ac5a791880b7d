"""``pysops updatekeys FILE...``: bring each file's master keys in line with ``.sops.yaml``.

Only the metadata changes: the data key is unwrapped once and wrapped again
for the keys the matching creation rule names, so values, MAC and
``lastmodified`` stay byte for byte the same.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from .. import exitcodes, sopsfile
from ..cipher import ValueCipher
from ..datakey import recover_data_key
from ..editing import GroupDiff, diff_key_groups, update_keys
from ..errors import SopsError
from .common import decryption_order, file_error, read_source, stores_for, write_atomic
from .flags import Parsed
from .keysel import (
    keys_from_spec_groups,
    load_config_for,
    parse_encryption_context,
    parse_threshold,
)
from .opening import load_encrypted

# Progress goes to the log: shown with --verbose only, so scripts see a quiet stderr.
log = logging.getLogger(__name__)


def run(command: str, args: Parsed) -> int:
    paths = args.positionals
    if not paths:
        raise SopsError("no file specified", exit_code=exitcodes.NO_FILE_SPECIFIED)
    config = load_config_for(args)
    if config is None:
        raise SopsError(
            "no .sops.yaml found: updatekeys takes the keys from its creation rules",
            exit_code=exitcodes.CONFIG_FILE_NOT_FOUND,
            hint="run it inside the repository, or pass --config",
        )
    failed = 0
    for path in paths:
        try:
            update_file(args, config, path)
        except SopsError as err:
            if len(paths) == 1:
                raise file_error(path, err) from None
            failed += 1
            sys.stderr.write(f"pysops: {file_error(path, err).message}\n")
    if failed:
        raise SopsError(f"could not update the keys of {failed} of {len(paths)} files")
    return 0


def update_file(args: Parsed, config: Any, path: str) -> None:
    """Sync one file, asking first unless ``--yes``; writes it only if keys change."""
    if os.path.isdir(path):
        raise SopsError("is a directory")
    data = read_source(path).data
    store = stores_for(args, path, config)[0]
    branches, metadata = load_encrypted(store, data)

    # 1. What the config wants for this file.
    rule = config.creation_rule_for(path)
    wanted = keys_from_spec_groups(
        rule.key_groups,
        rule.aws_profile,
        parse_encryption_context(args.str("encryption_context")),
    )
    wanted = [g for g in wanted if g]
    # NOTE: Go sops 3.11 ignores the rule's shamir_threshold here and keeps the
    # file's (so a file gaining groups needs all of them); the rule is what
    # the user asked for, so it wins unless the flag is given.
    threshold = (
        parse_threshold(args) or rule.shamir_threshold or metadata.shamir_threshold
    )
    threshold = min(threshold, len(wanted))

    # 2. Nothing to do?
    diffs = diff_key_groups(metadata.key_groups, wanted)
    if not any(d.changes for d in diffs) and threshold == metadata.shamir_threshold:
        log.info("%s: keys already match the config", path)
        return

    # 3. Show the change and ask.
    out = sys.stdout
    out.write(f"{path}: the key groups will change as follows\n")
    out.write(render_changes(diffs, metadata.shamir_threshold, threshold))
    if not args.bool("yes") and not _confirm():
        log.info("%s: left unchanged", path)
        return

    # 4. Re-wrap the data key for the new keys and write the file.
    data_key = recover_data_key(
        metadata.key_groups, metadata.effective_threshold(), decryption_order(args)
    )
    doc = sopsfile.SopsFile(branches, metadata, data_key, ValueCipher(data_key))
    update_keys(doc, wanted, threshold)
    write_atomic(path, store.emit_encrypted(doc.branches, doc.metadata.to_branch()))
    log.info("%s: keys updated", path)


def render_changes(
    diffs: list[GroupDiff], old_threshold: int, new_threshold: int
) -> str:
    """The per-group listing: kept keys indented, ``+++`` added, ``---`` removed."""
    lines: list[str] = []
    if old_threshold > 0 and old_threshold == new_threshold:
        lines.append(f"shamir_threshold: {new_threshold}")
    else:
        if new_threshold > 0:
            lines.append(f"+++ shamir_threshold: {new_threshold}")
        if old_threshold > 0:
            lines.append(f"--- shamir_threshold: {old_threshold}")
    for number, diff in enumerate(diffs, start=1):
        lines.append(f"Group {number}")
        lines += [f"    {k.identifier}" for k in diff.kept]
        lines += [f"+++ {k.identifier}" for k in diff.added]
        lines += [f"--- {k.identifier}" for k in diff.removed]
    return "\n".join(lines) + "\n"


def _confirm() -> bool:
    while True:
        sys.stdout.write("Apply these changes? (y/n): ")
        sys.stdout.flush()
        answer = sys.stdin.readline()
        if not answer:
            raise SopsError(
                "no answer on standard input; pass -y to update without asking"
            )
        if answer.strip() in ("y", "n"):
            return answer.strip() == "y"
