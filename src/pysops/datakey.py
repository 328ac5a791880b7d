"""Wrapping the data key for every master key, and recovering it from them."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from functools import partial
from typing import Protocol, TypeVar

from .errors import DataKeyUnavailable, SopsError
from .exitcodes import DUPLICATE_DECRYPTION_KEY_TYPE, ERROR_ENCRYPTING_TREE
from .keys import KEY_TYPES, KeyGroup, MasterKey

log = logging.getLogger(__name__)

DATA_KEY_SIZE = 32
#: key types tried first within a group unless told otherwise (Go sops' default)
DEFAULT_DECRYPTION_ORDER = ("age", "pgp")

_T = TypeVar("_T")


class KeyAccess(Protocol):
    """A way to use master keys: this machine's key sources, or a key service."""

    def encrypt(self, key: MasterKey, data_key: bytes) -> None: ...

    def decrypt(self, key: MasterKey) -> bytes: ...


class LocalAccess:
    """Use each key's own source on this machine (age identities, gpg, KMS...)."""

    def encrypt(self, key: MasterKey, data_key: bytes) -> None:
        key.encrypt(data_key)

    def decrypt(self, key: MasterKey) -> bytes:
        return key.decrypt()

    def __str__(self) -> str:
        return "local"


LOCAL: tuple[KeyAccess, ...] = (LocalAccess(),)


def _first_success(
    key: MasterKey, services: Sequence[KeyAccess], call: Callable[[KeyAccess], _T]
) -> _T:
    """Try each service in turn; the first that succeeds wins."""
    errors: list[str] = []
    for service in services:
        try:
            return call(service)
        except SopsError as err:
            errors.append(
                err.message if len(services) == 1 else f"{service}: {err.message}"
            )
    raise SopsError("; ".join(errors) or "no key service to use")


def _wrap_with(key: MasterKey, data_key: bytes, service: KeyAccess) -> None:
    service.encrypt(key, data_key)


def _unwrap_with(key: MasterKey, service: KeyAccess) -> bytes:
    return service.decrypt(key)


def parse_decryption_order(text: str) -> tuple[str, ...]:
    """Parse ``--decryption-order`` / ``SOPS_DECRYPTION_ORDER`` (``age,pgp,...``)."""
    order = tuple(part.strip() for part in text.split(",") if part.strip())
    for type_id in order:
        if type_id not in KEY_TYPES:
            raise SopsError(
                f"unknown key type {type_id!r} in the decryption order; "
                f"known types: {', '.join(sorted(KEY_TYPES))}"
            )
    if len(set(order)) != len(order):
        raise SopsError(
            "the decryption order names a key type twice",
            exit_code=DUPLICATE_DECRYPTION_KEY_TYPE,
        )
    return order


def new_data_key() -> bytes:
    return os.urandom(DATA_KEY_SIZE)


def wrap_data_key(
    data_key: bytes,
    key_groups: Sequence[KeyGroup],
    threshold: int,
    services: Sequence[KeyAccess] = LOCAL,
) -> None:
    """Wrap ``data_key`` for every master key (Shamir shares with several groups).

    Every key must succeed, or the file could later be undecryptable for
    someone who expects to hold a key: the first failure is raised.
    """
    if len(key_groups) > 1:
        from .shamir import split

        parts = split(data_key, len(key_groups), threshold)
    else:
        parts = [data_key] * len(key_groups)
    for group, part in zip(key_groups, parts, strict=True):
        for key in group:
            try:
                _first_success(key, services, partial(_wrap_with, key, part))
            except SopsError as err:
                raise SopsError(
                    f"could not wrap the data key for {key.type_id} key {key.identifier}: {err}",
                    exit_code=ERROR_ENCRYPTING_TREE,
                ) from None


def _ordered(group: KeyGroup, order: Sequence[str]) -> list[MasterKey]:
    rank = {type_id: i for i, type_id in enumerate(order)}
    return sorted(group, key=lambda k: rank.get(k.type_id, len(rank)))


def recover_data_key(
    key_groups: Sequence[KeyGroup],
    threshold: int,
    order: Sequence[str] = DEFAULT_DECRYPTION_ORDER,
    services: Sequence[KeyAccess] = LOCAL,
) -> bytes:
    """Unwrap the data key: one key per group, ``threshold`` groups at least.

    Raises DataKeyUnavailable listing every key tried and why it failed.
    """
    failures: list[tuple[str, str]] = []
    parts: list[bytes] = []
    needed = threshold if len(key_groups) > 1 else 1

    # 1. Try the groups in order, the keys of a group in decryption order.
    for index, group in enumerate(key_groups):
        for key in _ordered(group, order):
            label = f"{key.type_id} {key.identifier}"
            try:
                part = bytes(_first_success(key, services, partial(_unwrap_with, key)))
            except SopsError as err:
                log.debug("key %s failed: %s", label, err)
                failures.append(
                    (
                        label
                        if len(key_groups) == 1
                        else f"group {index + 1}: {label}",
                        str(err),
                    )
                )
                continue
            log.debug("key %s unwrapped the data key", label)
            parts.append(part)
            break
        if len(parts) >= needed:
            break

    # 2. Enough parts? One group gives the key itself, several are combined.
    if len(parts) < needed:
        if len(key_groups) > 1:
            message = f"only {len(parts)} of the {needed} key groups needed could be decrypted"
        else:
            message = "no master key could decrypt the data key"
        raise DataKeyUnavailable(message, failures)
    if len(key_groups) > 1:
        from .shamir import combine

        return combine(parts)
    return parts[0]
