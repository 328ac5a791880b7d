"""The JSON store: parsing, Go's exact output layout, and agreement with Go sops."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest
from _godiff import assert_same_shape, go_roundtrip
from conftest import AgeKey, run_go
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pysops.errors import EmitError, MetadataNotFound, StoreError
from pysops.stores.json import JsonStore, format_float, parse_object
from pysops.tree import Branch, Comment, Timestamp


def roundtrip(data: bytes, indent: int | None = None) -> bytes:
    store = JsonStore(indent)
    return store.emit_plain(store.load_plain(data))


def test_load_keeps_order_duplicates_and_types() -> None:
    branch = JsonStore().load_plain(
        b'{"b": 1, "a": [true, null, 1.5, "x"], "b": {"c": 123456789012345678901234}}'
    )[0]
    assert branch == Branch(
        [
            ("b", 1),
            ("a", [True, None, 1.5, "x"]),
            ("b", Branch([("c", 123456789012345678901234)])),
        ]
    )
    assert isinstance(branch[2][1], Branch)


def test_default_layout_is_tabs_with_trailing_newline() -> None:
    data = b'{"a": {"b": [1, {}], "c": []}, "d": "x"}'
    assert roundtrip(data) == (
        b'{\n\t"a": {\n\t\t"b": [\n\t\t\t1,\n\t\t\t{}\n\t\t],\n\t\t"c": []\n\t},'
        b'\n\t"d": "x"\n}\n'
    )


@pytest.mark.parametrize(
    ("indent", "expected"),
    [
        (2, b'{\n  "a": [\n    1\n  ]\n}\n'),
        (0, b'{\n"a": [\n1\n]\n}\n'),
        (-1, b'{\n\t"a": [\n\t\t1\n\t]\n}\n'),
    ],
)
def test_indent_setting(indent: int, expected: bytes) -> None:
    assert roundtrip(b'{"a":[1]}', indent) == expected


def test_indent_below_minus_one_is_rejected() -> None:
    with pytest.raises(EmitError):
        JsonStore(-2)


def test_empty_object() -> None:
    assert roundtrip(b"  {}  ") == b"{}\n"


def test_go_string_escaping() -> None:
    data = '{"k<>&": "<a & b>\\u2028\\u2029\\n\\t\\b\\f\\u0001\\u007f é 😀"}'.encode()
    assert roundtrip(data) == (
        b'{\n\t"k\\u003c\\u003e\\u0026": "\\u003ca \\u0026 b\\u003e\\u2028\\u2029'
        b'\\n\\t\\b\\f\\u0001\x7f \xc3\xa9 \xf0\x9f\x98\x80"\n}\n'
    )


def test_invalid_utf8_becomes_one_replacement_per_byte() -> None:
    branch = JsonStore().load_plain(b'{"a": "x\xe2\x82y\xff"}')[0]
    assert branch == Branch([("a", "x\ufffd\ufffdy\ufffd")])


def test_unpaired_surrogate_escape_becomes_replacement_character() -> None:
    branch = JsonStore().load_plain(b'{"a": "\\ud800", "b": "\\ud83d\\ude00"}')[0]
    assert branch == Branch([("a", "\ufffd"), ("b", "\U0001f600")])


def test_surrogateescaped_bytes_are_written_as_escaped_replacement() -> None:
    branch = Branch([("a", b"x\xff".decode("utf-8", "surrogateescape"))])
    assert JsonStore().emit_plain([branch]) == b'{\n\t"a": "x\\ufffd"\n}\n'


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1e-7, "1e-7"),
        (1e-6, "0.000001"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (2.0, "2"),
        (-0.0, "-0"),
        (0.1, "0.1"),
        (1.5e300, "1.5e+300"),
        (1e-100, "1e-100"),
        (123456789.125, "123456789.125"),
    ],
)
def test_go_float_format(value: float, text: str) -> None:
    assert format_float(value) == text


def test_non_finite_numbers_cannot_be_written() -> None:
    with pytest.raises(EmitError):
        format_float(float("nan"))


def test_comments_are_skipped_and_scalars_written() -> None:
    stamp = Timestamp(
        __import__("datetime").datetime(2024, 1, 2), "2024-01-02T00:00:00Z"
    )
    branch = Branch([(Comment("c"), None), ("t", stamp), ("l", [Comment("x"), 1])])
    assert JsonStore().emit_plain([branch]) == (
        b'{\n\t"t": "2024-01-02T00:00:00Z",\n\t"l": [\n\t\t1\n\t]\n}\n'
    )


@pytest.mark.parametrize("data", [b"[1, 2]", b'"text"', b"3"])
def test_top_level_must_be_an_object(data: bytes) -> None:
    with pytest.raises(StoreError) as caught:
        JsonStore().load_plain(data)
    assert caught.value.exit_code == 2
    assert caught.value.hint is not None and '{"data"' in caught.value.hint


def test_syntax_error_names_line_and_column() -> None:
    with pytest.raises(StoreError) as caught:
        JsonStore().load_plain(b'{\n  "a": 1,\n  "b" 2\n}')
    assert caught.value.line == 3
    assert "line 3, column 7" in str(caught.value)


@pytest.mark.parametrize(
    "data", [b"", b" \n", b'{"a": NaN}', b'{"a": 1e400}', b'{"a": 1} x', b'{"a": 1']
)
def test_invalid_documents(data: bytes) -> None:
    with pytest.raises(StoreError):
        JsonStore().load_plain(data)


def test_load_encrypted_splits_metadata() -> None:
    data = b'{"a": "ENC[x]", "sops": {"version": "3.11.0", "shamir_threshold": 2}}'
    branches, metadata = JsonStore().load_encrypted(data)
    assert branches == [Branch([("a", "ENC[x]")])]
    assert metadata == {"version": "3.11.0", "shamir_threshold": 2}


@pytest.mark.parametrize("data", [b'{"a": 1}', b'{"a": 1, "sops": null}'])
def test_load_encrypted_without_metadata(data: bytes) -> None:
    with pytest.raises(MetadataNotFound):
        JsonStore().load_encrypted(data)


def test_emit_encrypted_appends_metadata_last() -> None:
    metadata = Branch([("age", [Branch([("recipient", "r"), ("enc", "a\nb\n")])])])
    out = JsonStore(2).emit_encrypted([Branch([("a", "x")])], metadata)
    assert out == (
        b'{\n  "a": "x",\n  "sops": {\n    "age": [\n      {\n        "recipient": "r",'
        b'\n        "enc": "a\\nb\\n"\n      }\n    ]\n  }\n}\n'
    )


def test_emit_value_is_reindented_without_newline() -> None:
    assert JsonStore().emit_value([1, Branch([("a", True)])]) == (
        b'[\n\t1,\n\t{\n\t\t"a": true\n\t}\n]'
    )


def test_large_file_is_linear() -> None:
    rng = random.Random(7)
    doc = {
        f"section{i}": {f"key{j}": f"value{rng.random()}" for j in range(420)}
        for i in range(400)
    }
    data = json.dumps(doc).encode()
    assert len(data) > 6_000_000, len(data)
    store = JsonStore()
    start = time.perf_counter()
    out = store.emit_plain(store.load_plain(data))
    elapsed = time.perf_counter() - start
    assert json.loads(out) == doc
    assert elapsed < 5, elapsed  # about 1 s on one core; Go 3.11 needs ~24 s


# --- agreement with Go sops -------------------------------------------------

GO_SAMPLE = b"""{
  "name": "alice", "age": 30, "pi": 3.14, "ok": true, "nothing": null,
  "empty": "", "tiny": 1e-7, "huge": 1e21, "round": 2.0, "neg": -12,
  "html": "<b>&amp;</b>\\u2028", "ctl": "a\\u0001\\b\\f\\n\\t",
  "uni": "\xc3\xa9\xf0\x9f\x98\x80",
  "list": ["a", 2, [], {}, [1.5, {"x": "y"}]],
  "nested": {"deep": {"k": "v"}, "secret_unencrypted": "plain"},
  "dup": 1, "dup": 2
}"""


@pytest.mark.gosops
def test_go_output_is_a_fixed_point(go_sops: Path, age_key: AgeKey) -> None:
    encrypted, decrypted = go_roundtrip(go_sops, age_key, "a.json", GO_SAMPLE)
    assert roundtrip(decrypted) == decrypted
    assert roundtrip(GO_SAMPLE) == decrypted


@pytest.mark.gosops
def test_structure_and_types_match_go(go_sops: Path, age_key: AgeKey) -> None:
    encrypted, _ = go_roundtrip(go_sops, age_key, "a.json", GO_SAMPLE)
    plain = JsonStore().load_plain(GO_SAMPLE)[0]
    branches, metadata = JsonStore().load_encrypted(encrypted)
    assert_same_shape(plain, branches[0])
    assert metadata["age"][0]["recipient"] == age_key.recipient


@pytest.mark.gosops
@pytest.mark.parametrize("indent", [None, 0, 4])
def test_encrypted_layout_equals_go(
    go_sops: Path, age_key: AgeKey, indent: int | None
) -> None:
    # Go 3.11 ignores the global --indent flag for subcommands; the config works.
    directory = Path(age_key.path).parent
    setting = "" if indent is None else f"stores:\n  json:\n    indent: {indent}\n"
    (directory / ".sops.yaml").write_text(
        f"{setting}creation_rules:\n  - age: {age_key.recipient}\n"
    )
    (directory / "l.json").write_bytes(GO_SAMPLE)
    done = run_go(go_sops, "encrypt", "l.json", cwd=directory)
    assert done.returncode == 0, done.stderr
    encrypted = done.stdout
    store = JsonStore(indent)
    branches, _ = store.load_encrypted(encrypted)
    metadata = parse_object(encrypted).get("sops")
    assert store.emit_encrypted(branches, metadata) == encrypted


_scalars = (
    st.text(max_size=12)
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False).filter(
        lambda f: f != 0 or str(f) == "0.0"
    )
    | st.booleans()
    | st.none()
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(st.tuples(st.text(max_size=6), inner), max_size=4).map(Branch)
    ),
    max_leaves=20,
)
_documents = st.lists(
    st.tuples(st.text(max_size=8).filter(lambda k: k != "sops"), _values), max_size=8
).map(Branch)


@pytest.mark.gosops
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(document=_documents, indent=st.sampled_from([None, 0, 1, 3]))
def test_random_documents_agree_with_go(
    go_sops: Path, age_key: AgeKey, document: Branch, indent: int | None
) -> None:
    data = JsonStore(indent).emit_plain([document])
    encrypted, decrypted = go_roundtrip(go_sops, age_key, "r.json", data)
    assert roundtrip(data) == decrypted
    assert roundtrip(decrypted) == decrypted
    assert_same_shape(
        JsonStore().load_plain(data)[0], JsonStore().load_encrypted(encrypted)[0][0]
    )
