"""The classic form: ``pysops -d FILE``, ``-e``, ``-r``, ``--set`` or edit."""

from __future__ import annotations

import importlib

from ..errors import UsageError
from .flags import Parsed


def run_classic(args: Parsed) -> int:
    modes = [m for m in ("encrypt", "decrypt", "rotate") if args.bool(m)]
    if args.str("set") is not None:
        modes.append("set")
    if len(modes) > 1:
        raise UsageError(
            "only one of --encrypt, --decrypt, --rotate and --set may be given"
        )
    mode = modes[0] if modes else "edit"
    module = {
        "encrypt": "encrypt",
        "decrypt": "decrypt",
        "rotate": "rotate",
        "set": "set_value",
        "edit": "edit",
    }[mode]
    command = "classic-" + mode
    return int(importlib.import_module(f".{module}", __package__).run(command, args))
