"""``pysops encrypt``: encrypt a plaintext file."""

from __future__ import annotations

from .. import sopsfile
from ..errors import AlreadyEncrypted, SopsError, UsageError
from ..rules import EncryptionRules
from .common import (
    check_output_flags,
    emit_result,
    file_error,
    input_path,
    key_services,
    name_for_rules,
    read_source,
    stores_for,
)
from .flags import Parsed
from .keysel import load_config_for, recipe_for


def run(command: str, args: Parsed) -> int:
    path = input_path(args, required=command != "encrypt")
    if path is None and not args.str("filename_override"):
        raise UsageError(
            "must specify --filename-override when reading from standard input"
        )
    check_output_flags(args)
    source = read_source(path)
    name = name_for_rules(args, path)
    try:
        return _encrypt(args, source.path, source.data, name)
    except SopsError as err:
        raise file_error(source.display_name, err) from None


def _encrypt(args: Parsed, path: str | None, data: bytes, name: str) -> int:
    if args.str("reuse_from"):
        from .edit import reencrypt_file

        emit_result(
            args, path, reencrypt_file(args, args.str("reuse_from") or "", data, name)
        )
        return 0
    config = load_config_for(args)
    store_in, store_out = stores_for(args, name, config)
    branches = store_in.load_plain(data)
    if any(store_in.has_metadata_key(branch) for branch in branches):
        raise AlreadyEncrypted(
            "the file is already encrypted (it has a top-level sops key"
            + (" or a sops_ key)" if store_in.name == "dotenv" else ")"),
            hint="to change an encrypted file, use 'pysops edit' or 'pysops set'",
        )
    recipe = recipe_for(args, name, config)
    rules = recipe.rules
    mac_only = recipe.mac_only_encrypted
    if store_in.name == "binary":
        # The binary store has one value; rules about keys have nothing to act on.
        rules, mac_only = EncryptionRules(), False
    doc = sopsfile.new_document(
        branches,
        recipe.key_groups,
        shamir_threshold=recipe.shamir_threshold,
        rules=rules,
        mac_only_encrypted=mac_only,
        services=key_services(args),
    )
    if store_in.name == "binary":
        doc.metadata.rules = EncryptionRules()
    sopsfile.seal(doc)
    emit_result(
        args, path, store_out.emit_encrypted(doc.branches, doc.metadata.to_branch())
    )
    return 0
