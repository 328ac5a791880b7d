"""``pysops keyservice``: answer key service requests with this machine's keys."""

from __future__ import annotations

import os

from .flags import Parsed


def run(command: str, args: Parsed) -> int:
    # gRPC logs its own start-up chatter to stderr unless told otherwise.
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    from ..keyservice import serve

    network = args.str("network") or "tcp"
    address = args.str("address") or "127.0.0.1:5000"
    serve(network, address, args.bool("prompt"))
    return 0
