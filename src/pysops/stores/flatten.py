"""Helpers of the flat stores (dotenv, INI): metadata flattening and scalar text.

Formats without nesting keep the ``sops`` metadata as ``name = text`` lines.
A nested map key is appended to the name as ``__map_<key>``, a list index as
``__list_<n>``: ``key_groups[1].pgp[0].fp`` becomes
``key_groups__list_1__map_pgp__list_0__map_fp``.  Empty lists and maps leave
no line, and on the way back the two non-string fields are typed again.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from ..errors import MetadataError
from ..tree import Branch, Comment, Tagged, Timestamp

MAP_SEPARATOR = "__map_"
LIST_SEPARATOR = "__list_"

_TOKEN = re.compile(r"(__map_|__list_)")
_FRACTION = re.compile(r"\.\d+(?=(Z|[+-]\d\d:\d\d)$)")


def flatten_metadata(metadata: Any) -> list[tuple[str, str]]:
    """Flatten metadata (a branch or dict) into ``(name, text)`` pairs sorted by name.

    ``None`` values and empty containers are dropped, as Go sops does.
    Newlines are kept; each store escapes them in its own way.
    """
    flat: dict[str, str] = {}
    for key, value in _as_dict(metadata).items():
        _flatten_into(flat, key, value)
    return sorted(flat.items())


def _as_dict(value: Any) -> Any:
    if isinstance(value, Branch):
        return {k: _as_dict(v) for k, v in value if not isinstance(k, Comment)}
    if isinstance(value, dict):
        return {k: _as_dict(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_dict(v) for v in value if not isinstance(v, Comment)]
    return value


def _flatten_into(flat: dict[str, str], prefix: str, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten_into(flat, prefix + MAP_SEPARATOR + key, item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _flatten_into(flat, f"{prefix}{LIST_SEPARATOR}{index}", item)
    elif value is not None:
        flat[prefix] = _metadata_text(value)


def _metadata_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def unflatten_metadata(flat: dict[str, str]) -> dict[str, Any]:
    """Rebuild the metadata dict from flat names, typing the non-string fields.

    Raises :class:`MetadataError` for names that do not fit together (a gap
    in list indices, one name used both as a value and as a container).
    """
    root: dict[str, Any] = {}
    for name, text in flat.items():
        tokens = _tokenize(name)
        _place(root, tokens, text, name)
    result = _close_lists(root)
    _type_fields(result)
    return result  # type: ignore[no-any-return]


def _tokenize(name: str) -> list[str | int]:
    parts = _TOKEN.split(name)
    tokens: list[str | int] = [parts[0]]
    for separator, text in zip(parts[1::2], parts[2::2], strict=True):
        if separator == MAP_SEPARATOR:
            tokens.append(text)
        elif text.isdigit() and text.isascii():
            tokens.append(int(text))
        else:
            raise MetadataError(f"invalid list index in metadata entry {name!r}")
    return tokens


def _place(root: dict[str, Any], tokens: list[str | int], text: str, name: str) -> None:
    # Lists are collected as {index: value} dicts first and turned into lists
    # once every entry is known, so entries may come in any order.
    node: Any = root
    for token, following in zip(tokens, tokens[1:], strict=False):
        kind = _ListDraft if isinstance(following, int) else dict
        child = node.get(token)
        if child is None:
            child = node[token] = kind()
        elif type(child) is not kind:
            raise MetadataError(f"conflicting metadata entry {name!r}")
        node = child
    last = tokens[-1]
    if last in node:
        raise MetadataError(f"conflicting metadata entry {name!r}")
    node[last] = text


class _ListDraft(dict):  # type: ignore[type-arg]
    """A list under construction: index -> item."""


def _close_lists(node: Any) -> Any:
    if isinstance(node, _ListDraft):
        if sorted(node) != list(range(len(node))):
            raise MetadataError("metadata list entries have a gap in their indices")
        return [_close_lists(node[i]) for i in range(len(node))]
    if isinstance(node, dict):
        return {k: _close_lists(v) for k, v in node.items()}
    return node


def _type_fields(metadata: dict[str, Any]) -> None:
    if "mac_only_encrypted" in metadata:
        metadata["mac_only_encrypted"] = metadata["mac_only_encrypted"] == "true"
    if "shamir_threshold" in metadata:
        text = metadata["shamir_threshold"]
        try:
            metadata["shamir_threshold"] = int(text)
        except (TypeError, ValueError):
            # Old sops versions wrote the threshold as a float such as "2.0".
            try:
                number = float(text)
            except (TypeError, ValueError) as err:
                raise MetadataError("shamir_threshold is not an integer") from err
            if not number.is_integer():
                raise MetadataError("shamir_threshold is not an integer") from None
            metadata["shamir_threshold"] = int(number)


def scalar_to_text(value: Any) -> str:
    """Render a non-container value the way Go sops writes it into dotenv and INI.

    Floats use Go's ``%G``-style shortest form with at least one decimal
    (``100.0``, ``1.5``, ``1E+21``), booleans ``true``/``false``, timestamps
    RFC 3339 without fractional seconds, ``None`` Go's ``<nil>``.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float_g(value)
    if value is None:
        return "<nil>"
    if isinstance(value, Timestamp):
        return _FRACTION.sub("", value.text)
    if isinstance(value, Tagged):
        return scalar_to_text(value.value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    return str(value)


def _go_float_g(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "+Inf" if value > 0 else "-Inf"
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits)).rstrip("0") or "0"
    point = len(digits) + exponent
    neg = "-" if sign else ""
    if text == "0":
        return neg + "0.0"
    power = point - 1
    if power < -4 or power >= 6:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{neg}{mantissa}E{'-' if power < 0 else '+'}{abs(power):02d}"
    if point <= 0:
        return f"{neg}0.{'0' * -point}{text}"
    if point >= len(text):
        return f"{neg}{text}{'0' * (point - len(text))}.0"
    return f"{neg}{text[:point]}.{text[point:]}"
