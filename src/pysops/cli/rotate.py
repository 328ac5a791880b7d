"""``pysops rotate FILE`` (and the classic ``-r``): a new data key, optionally new master keys."""

from __future__ import annotations

from .. import editing, sopsfile
from ..errors import SopsError
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
    path = input_path(args)
    check_output_flags(args)
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
