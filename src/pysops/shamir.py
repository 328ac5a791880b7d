"""Shamir secret sharing over GF(2^8), share-compatible with Go sops.

A share is the secret's length in y bytes followed by one x byte.  Shares of
a split get x = 1, 2, ..., n in order, so share *i* belongs to key group *i*.
The field is GF(2^8) reduced by the AES polynomial x^8 + x^4 + x^3 + x + 1,
the encoding HashiCorp Vault's ``shamir`` package also uses.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

MAX_SHARES = 255


def _build_tables() -> tuple[list[int], list[int]]:
    """Exponent and logarithm tables for the generator 3 of GF(2^8)."""
    exp = [0] * 510
    log = [0] * 256
    value = 1
    for power in range(255):
        exp[power] = value
        log[value] = power
        # multiply by 3 = x + 1: (value * x) ^ value, reduced by 0x11B
        doubled = value << 1
        if doubled & 0x100:
            doubled ^= 0x11B
        value = doubled ^ value
    # a second period so exp[log a + log b] needs no modulo
    for power in range(255, 510):
        exp[power] = exp[power - 255]
    return exp, log


_EXP, _LOG = _build_tables()


def _mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP[_LOG[a] + _LOG[b]]


def _div(a: int, b: int) -> int:
    if a == 0:
        return 0
    return _EXP[_LOG[a] + 255 - _LOG[b]]


def split(
    secret: bytes,
    n: int,
    k: int,
    rng: Callable[[int], bytes] = os.urandom,
) -> list[bytes]:
    """Split ``secret`` into ``n`` shares of which any ``k`` recover it.

    ``rng(size)`` supplies the random polynomial coefficients (inject a
    deterministic one for reproducible tests).  Raises ValueError when the
    parameters are out of range or the secret is empty.
    """
    if n < k:
        raise ValueError("The number of shares must not be less than the threshold.")
    if n > MAX_SHARES:
        raise ValueError("The number of shares must not exceed 255.")
    if k < 2:
        raise ValueError("The threshold must be at least 2.")
    if not secret:
        raise ValueError("An empty secret cannot be split.")

    degree = k - 1
    coefficients = rng(len(secret) * degree)
    if len(coefficients) != len(secret) * degree:
        raise ValueError("The random source returned the wrong number of bytes.")

    shares = [bytearray(len(secret) + 1) for _ in range(n)]
    for index, byte in enumerate(secret):
        poly = coefficients[index * degree : (index + 1) * degree]
        for share_index, share in enumerate(shares):
            x = share_index + 1
            y = 0
            # Horner, highest coefficient first, the secret byte as constant term
            for coefficient in reversed(poly):
                y = _mul(y, x) ^ coefficient
            share[index] = _mul(y, x) ^ byte

    for share_index, share in enumerate(shares):
        share[-1] = share_index + 1
    return [bytes(share) for share in shares]


def combine(shares: Sequence[bytes]) -> bytes:
    """Recover the secret from at least two shares by interpolating at x = 0.

    Raises ValueError for fewer than two shares, shares of unequal or too
    short length, or two shares with the same x.  Shares from too few groups
    or from different splits yield a wrong secret, not an error: the caller
    notices when the data key fails to decrypt.
    """
    if len(shares) < 2:
        raise ValueError("At least two shares are needed to recover the secret.")
    length = len(shares[0])
    if length < 2:
        raise ValueError("Each share must be at least two bytes long.")
    if any(len(share) != length for share in shares):
        raise ValueError("All shares must have the same length.")
    xs = [share[-1] for share in shares]
    if len(set(xs)) != len(xs):
        raise ValueError("Two shares have the same x coordinate.")

    # Lagrange basis at 0: prod_j x_j / (x_i - x_j); subtraction is XOR in GF(2^8)
    weights = []
    for i, xi in enumerate(xs):
        weight = 1
        for j, xj in enumerate(xs):
            if i != j:
                weight = _mul(weight, _div(xj, xi ^ xj))
        weights.append(weight)

    secret = bytearray(length - 1)
    for share, weight in zip(shares, weights, strict=True):
        if weight == 0:
            continue
        log_weight = _LOG[weight]
        for index in range(length - 1):
            y = share[index]
            if y:
                secret[index] ^= _EXP[_LOG[y] + log_weight]
    return bytes(secret)
