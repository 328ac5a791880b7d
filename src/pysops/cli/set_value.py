"""``pysops set FILE PATH VALUE``, ``pysops unset FILE PATH`` and the classic ``--set``.

The file is changed in place.  With ``--value-file`` or ``--value-stdin`` the
value never appears on a command line, where other users could read it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from .. import exitcodes, sopsfile
from ..errors import SopsError
from ..tree import Branch
from ..treepath import PathPart, parse_path, set_value, unset_value
from .common import file_error, name_for_rules, read_source, stores_for, write_atomic
from .flags import Parsed
from .keysel import load_config_for
from .opening import open_file


def run(command: str, args: Parsed) -> int:
    if command == "unset":
        return _run_unset(args)
    if command == "classic-set":
        path_text, value = _split_classic(args.str("set") or "")
        if not args.positionals:
            raise SopsError("no file specified", exit_code=exitcodes.NO_FILE_SPECIFIED)
        return _change(
            args,
            args.positionals[0],
            _path_or_7(path_text, "--set format"),
            value,
            False,
        )
    return _run_set(args)


def _run_set(args: Parsed) -> int:
    positionals = args.positionals
    if args.bool("value_file") and args.bool("value_stdin"):
        raise SopsError("cannot use both --value-file and --value-stdin")
    wanted = 2 if args.bool("value_stdin") else 3
    if len(positionals) != wanted:
        raise SopsError(
            f"set needs exactly {wanted} arguments: FILE PATH"
            + ("" if wanted == 2 else " VALUE"),
            exit_code=exitcodes.NO_FILE_SPECIFIED,
        )
    path = _path_or_7(positionals[1], "set index format")
    if args.bool("value_stdin"):
        text = sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
    elif args.bool("value_file"):
        try:
            text = Path(positionals[2]).read_text("utf-8", "surrogateescape")
        except OSError as err:
            raise SopsError(
                f"{positionals[2]}: cannot read the value file: {err.strerror}"
            ) from None
    else:
        text = positionals[2]
    return _change(
        args, positionals[0], path, parse_json_value(text), args.bool("idempotent")
    )


def _run_unset(args: Parsed) -> int:
    if len(args.positionals) != 2:
        raise SopsError(
            "unset needs exactly 2 arguments: FILE PATH",
            exit_code=exitcodes.NO_FILE_SPECIFIED,
        )
    file_path = args.positionals[0]
    path = _path_or_7(args.positionals[1], "unset index format")
    source = read_source(file_path)
    try:
        store_in, store_out, doc = _open(args, file_path, source.data)
        if not _exists(doc.branches[0], path):
            if args.bool("idempotent"):
                return 0
            raise SopsError(f"key not found: {_render(path)}")
        unset_value(doc.branches[0], path)
        sopsfile.seal(doc)
        data = store_out.emit_encrypted(doc.branches, doc.metadata.to_branch())
    except SopsError as err:
        raise file_error(file_path, err) from None
    write_atomic(file_path, data)
    return 0


def _change(
    args: Parsed, file_path: str, path: list[PathPart], value: Any, idempotent: bool
) -> int:
    source = read_source(file_path)
    try:
        store_in, store_out, doc = _open(args, file_path, source.data)
        _refuse_reserved(path, store_in, store_out)
        changed = set_value(doc.branches[0], path, value)
        if not changed and idempotent:
            return 0
        sopsfile.seal(doc)
        data = store_out.emit_encrypted(doc.branches, doc.metadata.to_branch())
    except SopsError as err:
        raise file_error(file_path, err) from None
    write_atomic(file_path, data)
    return 0


def _refuse_reserved(path: list[PathPart], *stores: Any) -> None:
    """Refuse a top-level key that the store keeps for the metadata (issue 5).

    Writing one would make the file impossible to decrypt (Go sops 3.11 lets
    it happen).
    """
    top = Branch([(path[0], None)]) if path and isinstance(path[0], str) else Branch()
    if any(store.has_metadata_key(top) for store in stores):
        raise SopsError(
            f"the top-level key {path[0]!r} is reserved for the sops metadata "
            "in this format; choose another name",
            exit_code=exitcodes.INVALID_TREE_PATH_FORMAT,
        )


def _open(
    args: Parsed, file_path: str, data: bytes
) -> tuple[Any, Any, sopsfile.SopsFile]:
    config = load_config_for(args) if args.str("indent") is None else None
    store_in, store_out = stores_for(args, name_for_rules(args, file_path), config)
    return store_in, store_out, open_file(args, store_in, data)


def _path_or_7(text: str, what: str) -> list[PathPart]:
    try:
        path = parse_path(text)
    except SopsError:
        path = []
    if not path:
        raise SopsError(
            f"invalid {what}: {text!r}", exit_code=exitcodes.INVALID_SET_FORMAT
        )
    return path


def _split_classic(text: str) -> tuple[str, Any]:
    """``--set '["a"][0] VALUE'``: the path ends at the first ``] ``."""
    head, sep, value = text.partition("] ")
    if not sep:
        raise SopsError(
            "invalid --set format: expected '[\"path\"] JSON-VALUE'",
            exit_code=exitcodes.INVALID_SET_FORMAT,
        )
    return head + "]", parse_json_value(value)


def parse_json_value(text: str) -> Any:
    """A JSON value as Go sops inserts it: numbers become floats, objects branches."""
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except ValueError:
        raise SopsError(
            "the value is not valid JSON", exit_code=exitcodes.INVALID_SET_FORMAT
        ) from None
    return _from_json(value)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _from_json(value: Any) -> Any:
    if isinstance(value, dict):
        return Branch((k, _from_json(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        # Go decodes every JSON number as float64 (type "float" when encrypted).
        return float(value)
    return value


def _exists(tree: Any, path: list[PathPart]) -> bool:
    """Whether ``path`` exists; SopsError when it runs through a scalar (as Go)."""
    node = tree
    for part in path:
        if isinstance(node, Branch) and isinstance(part, str):
            index = node.index_of(part)
            if index < 0:
                return False
            node = node[index][1]
        elif (
            isinstance(node, list)
            and not isinstance(node, Branch)
            and isinstance(part, int)
        ):
            if not 0 <= part < len(node):
                return False
            node = node[part]
        else:
            raise SopsError(
                f"cannot descend into a {type(node).__name__} at {_render(path)}"
            )
    return True


def _render(path: list[PathPart]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f'["{p}"]' for p in path)
