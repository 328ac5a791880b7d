"""``pysops groups add|delete``: add a key group to a file, or remove one.

Flags follow the sub-subcommand (``groups add --age R -f FILE``), and key
flags may be repeated, each occurrence adding keys to the new group.
"""

from __future__ import annotations

from .. import editing, sopsfile
from ..cipher import ValueCipher
from ..datakey import recover_data_key
from ..errors import SopsError, UsageError
from ..keys import KeyGroup
from . import options
from .common import decryption_order, emit_result, file_error, read_source, stores_for
from .flags import Flag, Kind, Parsed, parse
from .keysel import (
    KEY_FLAGS,
    load_config_for,
    make_key,
    parse_encryption_context,
    parse_threshold,
    split_list,
)
from .opening import load_encrypted

# In ``groups add`` every key flag may be given several times.
_REPEATABLE = {"age", "pgp", "kms", "gcp-kms", "azure-kv", "hc-vault-transit", "hckms"}
FLAGS = [
    Flag(f.names, Kind.LIST, f.help, f.metavar, f.group)
    if f.names[0] in _REPEATABLE
    else f
    for f in options.ALL
]


def run(command: str, args: Parsed) -> int:
    if not args.positionals or args.positionals[0] not in ("add", "delete"):
        raise UsageError("use 'pysops groups add' or 'pysops groups delete'")
    action = args.positionals[0]
    sub = parse(args.positionals[1:], FLAGS, stop_at_positional=False)
    for key, value in args.values.items():
        sub.values.setdefault(key, value)
    path = sub.str("file")
    if not path:
        raise SopsError("no file specified: use --file FILE")
    source = read_source(path)
    try:
        data = (
            _add(sub, path, source.data)
            if action == "add"
            else _delete(sub, path, source.data)
        )
    except SopsError as err:
        raise file_error(path, err) from None
    emit_result(sub, path, data)
    return 0


def _open(args: Parsed, path: str, data: bytes) -> tuple[sopsfile.SopsFile, object]:
    """The file's metadata and data key; values stay encrypted (only keys change)."""
    store = stores_for(args, path, load_config_for(args))[1]
    branches, metadata = load_encrypted(store, data)
    data_key = recover_data_key(
        metadata.key_groups, metadata.effective_threshold(), decryption_order(args)
    )
    return sopsfile.SopsFile(branches, metadata, data_key, ValueCipher(data_key)), store


def _add(args: Parsed, path: str, data: bytes) -> bytes:
    if args.positionals:
        raise SopsError("groups add takes no positional arguments")
    group = _group_from_flags(args)
    if not group:
        raise SopsError(
            "the new key group has no keys: give --age, --pgp, --kms ... flags"
        )
    doc, store = _open(args, path, data)
    editing.add_group(doc, group, parse_threshold(args))
    return store.emit_encrypted(doc.branches, doc.metadata.to_branch())  # type: ignore[attr-defined,no-any-return]


def _delete(args: Parsed, path: str, data: bytes) -> bytes:
    if len(args.positionals) != 1:
        raise SopsError(
            "groups delete takes exactly one argument: the group's index (from 0)"
        )
    try:
        index = int(args.positionals[0])
    except ValueError:
        raise SopsError(
            f"the group index must be a number, not {args.positionals[0]!r}"
        ) from None
    doc, store = _open(args, path, data)
    editing.delete_group(doc, index, parse_threshold(args))
    return store.emit_encrypted(doc.branches, doc.metadata.to_branch())  # type: ignore[attr-defined,no-any-return]


def _group_from_flags(args: Parsed) -> KeyGroup:
    group: KeyGroup = []
    context = parse_encryption_context(args.str("encryption_context"))
    for dest, (type_id, _env) in KEY_FLAGS.items():
        for value in args.list(dest):
            for item in split_list(value):
                extra = (
                    {"context": context, "aws_profile": args.str("aws_profile") or ""}
                    if type_id == "kms"
                    else {}
                )
                group.append(make_key(type_id, item, **extra))
    return group
