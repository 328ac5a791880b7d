"""Opening an encrypted input for the commands that read one."""

from __future__ import annotations

from typing import Any

from .. import exitcodes, sopsfile
from ..errors import MetadataNotFound, SopsError, StoreError
from ..metadata import Metadata
from ..stores.interface import Store
from ..tree import Branch
from .common import decryption_order, key_services
from .flags import Parsed


def load_encrypted(store: Store, data: bytes) -> tuple[list[Branch], Metadata]:
    """Parse without decrypting; a parse error is exit code 1, as in Go sops."""
    if not data.strip():
        raise MetadataNotFound()
    try:
        return sopsfile.load(data, store)
    except StoreError as err:
        if err.exit_code == exitcodes.COULD_NOT_READ_INPUT_FILE:
            err.exit_code = exitcodes.GENERIC
        raise


def open_file(
    args: Parsed, store: Store, data: bytes, **extra: Any
) -> sopsfile.SopsFile:
    """Load and decrypt, honouring ``--ignore-mac`` and ``--decryption-order``."""
    branches, metadata = load_encrypted(store, data)
    return sopsfile.open_encrypted(
        branches,
        metadata,
        ignore_mac=args.bool("ignore_mac"),
        decryption_order=decryption_order(args),
        services=key_services(args),
        **extra,
    )


def not_found(message: str) -> SopsError:
    return SopsError(message, exit_code=exitcodes.GENERIC)
