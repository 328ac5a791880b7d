"""``pysops rotate FILE...`` (and the classic ``-r``): a new data key, optionally new master keys.

Beyond Go sops, several files may be rotated in one run with ``-i``: one
process instead of one per file, which matters for whole repositories.
"""

from __future__ import annotations

import sys

from .. import editing, sopsfile
from ..errors import SopsError, UsageError
from .common import (
    check_output_flags,
    emit_result,
    file_error,
    input_path,
    name_for_rules,
    read_source,
    stores_for,
)
from .flags import Parsed
from .keysel import keys_from_flags, load_config_for
from .opening import open_file


def run(command: str, args: Parsed) -> int:
    check_output_flags(args)
    paths = args.positionals if command == "rotate" else args.positionals[:1]
    if len(paths) <= 1:
        return _rotate(args, input_path(args))
    if not args.bool("in_place"):
        raise UsageError("rotating several files needs --in-place")
    failed = 0
    for path in paths:
        try:
            _rotate(args, path)
        except SopsError as err:
            sys.stderr.write(f"pysops: {err.message}\n")
            failed += 1
    if failed:
        raise SopsError(
            f"{failed} of {len(paths)} files could not be rotated (named above)"
        )
    return 0


def _rotate(args: Parsed, path: str | None) -> int:
    source = read_source(path)
    try:
        add = keys_from_flags(args, prefix="add_")
        remove = keys_from_flags(args, prefix="rm_")
        config = load_config_for(args) if args.str("indent") is None else None
        store_in, store_out = stores_for(args, name_for_rules(args, path), config)
        doc = open_file(args, store_in, source.data)
        editing.rotate(doc, add=add, remove=remove)
        sopsfile.seal(doc)
        data = store_out.emit_encrypted(doc.branches, doc.metadata.to_branch())
    except SopsError as err:
        raise file_error(source.display_name, err) from None
    emit_result(args, source.path, data)
    return 0
