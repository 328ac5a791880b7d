"""``pysops decrypt``: decrypt a file to stdout, ``--output`` or in place."""

from __future__ import annotations

from ..errors import SopsError
from ..stores.interface import Store
from ..tree import Branch
from ..treepath import get, parse_path
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
from .keysel import load_config_for
from .opening import open_file


def run(command: str, args: Parsed) -> int:
    path = input_path(args, required=command != "decrypt")
    check_output_flags(args)
    extract_text = args.str("extract")
    extract = parse_path(extract_text) if extract_text is not None else None
    source = read_source(path)
    try:
        config = load_config_for(args) if args.str("indent") is None else None
        store_in, store_out = stores_for(args, name_for_rules(args, path), config)
        doc = open_file(args, store_in, source.data)
        if extract is not None:
            data = render_extract(store_out, get(doc.branches[0], extract))
        else:
            data = store_out.emit_plain(doc.branches)
    except SopsError as err:
        raise file_error(source.display_name, err) from None
    emit_result(args, source.path, data)
    return 0


def render_extract(store: Store, value: object) -> bytes:
    """A string prints raw, a mapping as a document, anything else as a value."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    if isinstance(value, Branch):
        return store.emit_plain([value])
    return store.emit_value(value)
