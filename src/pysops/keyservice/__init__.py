"""The sops gRPC key service: a server answering for local keys and a client.

Wire-compatible with Go sops (``/KeyService/Encrypt``, ``/KeyService/Decrypt``,
messages of its ``keyservice.proto``).  The protobuf classes are built at
import time from a descriptor with the protobuf runtime (see ``_messages``);
no generated code is committed.  grpc and protobuf are imported only when
this package is used (extra ``pysops[keyservice]``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import KeyServiceClient
    from .server import serve

__all__ = ["KeyServiceClient", "serve"]


def __getattr__(name: str) -> Any:
    if name == "KeyServiceClient":
        from .client import KeyServiceClient

        return KeyServiceClient
    if name == "serve":
        from .server import serve

        return serve
    raise AttributeError(name)
