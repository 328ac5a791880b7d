"""pysops: SOPS encrypted files in Python, compatible with Go sops.

The supported API: :func:`decrypt_file`, :func:`decrypt_data`,
:func:`load_file`, :func:`encrypt_file`, :func:`encrypt_data` and the errors
in :mod:`pysops.errors`.  Imported lazily so that the command line starts fast.
"""

from __future__ import annotations

import logging
from typing import Any

# A library logs, it does not print: without this, Python's last-resort
# handler would write warnings to stderr of every program that imports us.
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["decrypt_data", "decrypt_file", "encrypt_data", "encrypt_file", "load_file"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'pysops' has no attribute {name!r}")
