"""``pysops filestatus FILE``: print ``{"encrypted":true}`` or ``{"encrypted":false}``.

A file counts as encrypted when it has sops metadata with a version and a
MAC, as Go sops decides; the output is byte for byte what Go prints.
"""

from __future__ import annotations

import sys

from .. import exitcodes
from ..errors import MetadataNotFound, SopsError
from ..stores import get_store, resolve_store_name
from .common import file_error, read_source
from .flags import Parsed


def run(command: str, args: Parsed) -> int:
    if not args.positionals:
        raise SopsError("no file specified", exit_code=exitcodes.NO_FILE_SPECIFIED)
    path = args.positionals[0]
    try:
        source = read_source(path)
        encrypted = is_encrypted(
            source.data, resolve_store_name(args.str("input_type"), path)
        )
    except SopsError as err:
        err.exit_code = exitcodes.GENERIC
        raise file_error(path, err) from None
    sys.stdout.write('{"encrypted":%s}\n' % ("true" if encrypted else "false"))
    return 0


def is_encrypted(data: bytes, store_name: str) -> bool:
    """Whether ``data`` parses with sops metadata holding a version and a MAC."""
    try:
        _, raw = get_store(store_name).load_encrypted(data)
    except MetadataNotFound:
        return False
    return isinstance(raw, dict) and bool(raw.get("version")) and bool(raw.get("mac"))
