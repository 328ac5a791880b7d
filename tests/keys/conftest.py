"""Fixtures for key-backend tests: the local servers of ``tests/servers.py``."""

from servers import (  # noqa: F401
    aws,
    gnupg,
    gnupg_server,
    moto_server,
    openbao_server,
    vault,
)
