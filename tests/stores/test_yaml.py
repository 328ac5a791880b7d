"""Unit tests of the YAML store: typing, quoting, comment placement, errors."""

from __future__ import annotations

import math

import pytest

from pysops import exitcodes
from pysops.errors import MetadataNotFound, StoreError
from pysops.stores.yaml import YamlStore, find_metadata_line
from pysops.tree import Branch, Comment, Tagged, Timestamp


def load(text: str) -> list[Branch]:
    return YamlStore().load_plain(text.encode())


def emit(branches: list[Branch], indent: int | None = None) -> str:
    return YamlStore(indent).emit_plain(branches).decode()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1), ("0x1F", 31), ("017", 17), ("+12", 12), ("1e10", 1e10),
        ("08", 8), ("true", True), ("False", False), ("yes", "yes"), ("~", None),
        ("null", None), ("1_000", "1_000"), ("12345_54321", "12345_54321"),
        ("18446744073709551616", 18446744073709551616), ("1e400", "1e400"),
        ("2001-12-14 21:59:43.10 -5", "2001-12-14 21:59:43.10 -5"), 
    ],
)  # fmt: skip
def test_plain_scalar_typing(text: str, expected: object) -> None:
    value = load(f"k: {text}\n")[0].get("k")
    assert value == expected and type(value) is type(expected)


def test_special_floats_and_timestamps() -> None:
    doc = load("a: .inf\nb: .nan\nc: 2024-01-02\nd: 2024-01-02T03:04:05.5+02:00\n")[0]
    assert doc.get("a") == math.inf and math.isnan(doc.get("b"))
    assert doc.get("c") == Timestamp(doc.get("c").value, "2024-01-02T00:00:00Z")
    assert doc.get("d").text == "2024-01-02T03:04:05.5+02:00"


def test_tags() -> None:
    doc = load(
        "a: !env HOME\nb: !!str 5\nc: !!float 5\nd: !!int x\ne: !!binary aGk=\n"
    )[0]
    assert doc.get("a") == Tagged("!env", "HOME")
    assert (doc.get("b"), doc.get("c"), doc.get("d"), doc.get("e")) == (
        "5",
        5.0,
        None,
        "hi",
    )
    assert "a: !env HOME\n" in emit([doc])


@pytest.mark.parametrize(
    ("value", "line"),
    [
        ("yes", 'k: "yes"'), ("y", 'k: "y"'), ("1:30", 'k: "1:30"'), ("", 'k: ""'),
        ("2024-01-02", 'k: "2024-01-02"'), ("a: b", "k: 'a: b'"), ("#x", "k: '#x'"),
        ("a\tb", 'k: "a\\tb"'), ("x\U0001F600", 'k: "x\\U0001F600"'), ("plain", "k: plain"),
        ("ENC[AES256_GCM,data:x,type:str]", "k: ENC[AES256_GCM,data:x,type:str]"),
        (1e10, "k: 1e+10"), (1.5, "k: 1.5"), (None, "k: null"), (True, "k: true"),
    ],
)  # fmt: skip
def test_scalar_quoting(value: object, line: str) -> None:
    assert emit([Branch([("k", value)])]) == line + "\n"


def test_literal_blocks() -> None:
    out = emit(
        [Branch([("a", "x\ny\n"), ("b", "x\ny"), ("c", "  x\n"), ("d", "k\n\n")])]
    )
    assert (
        out
        == "a: |\n    x\n    y\nb: |-\n    x\n    y\nc: |4\n      x\nd: |+\n    k\n\n"
    )


def test_layout_and_indent() -> None:
    doc = Branch([("a", Branch([("b", [1, Branch([("c", 1), ("d", [2])])])]))])
    assert emit([doc]) == (
        "a:\n    b:\n        - 1\n        - c: 1\n          d:\n            - 2\n"
    )
    assert (
        emit([doc], indent=2)
        == "a:\n  b:\n    - 1\n    - c: 1\n      d:\n        - 2\n"
    )


def test_keys_needing_quotes() -> None:
    assert (
        emit([Branch([("n", 1), ("y", 2), ("<<", 3)])])
        == '"n": 1\n"y": 2\n!!merge <<: 3\n'
    )
    assert emit([Branch([("k" * 129, 1)])]) == "? " + "k" * 129 + "\n: 1\n"


def test_comments_become_items() -> None:
    doc = load("# top\na: 1 # inline\nb:\n  - x # item\n  # tail\n# end\n")[0]
    assert list(doc) == [
        (Comment(" top"), None), (Comment(" inline"), None), ("a", 1),
        ("b", [Comment(" item"), "x", Comment(" tail")]), (Comment(" end"), None),
    ]  # fmt: skip
    assert (
        emit([doc])
        == "# top\n# inline\na: 1\nb:\n    # item\n    - x\n    # tail\n# end\n"
    )


def test_comment_runs_by_indentation() -> None:
    text = "a:\n  b:\n    - 1\n    # s\n  # m\n# t\nx: 1\n"
    doc = load(text)[0]
    inner = doc.get("a")
    assert inner.get("b") == [1, Comment(" s")]
    assert list(inner)[-1] == (Comment(" m"), None)
    assert list(doc)[1] == (Comment(" t"), None)


def test_multi_document_and_empty_document() -> None:
    docs = load("a: 1\n---\n---\nb: 2\n")
    assert [list(d) for d in docs] == [[("a", 1)], [], [("b", 2)]]
    assert emit(docs) == "a: 1\n---\n{}\n---\nb: 2\n"


def test_aliases_are_expanded() -> None:
    doc = load("a: &x\n  k: 1\nb: *x\n")[0]
    assert doc.get("b") == Branch([("k", 1)]) and doc.get("b") is not doc.get("a")


@pytest.mark.parametrize(
    ("text", "code"),
    [("", exitcodes.NEED_AT_LEAST_ONE_DOCUMENT), ("- a\n", 2), ("just text\n", 2),
     ("a: 1\na: 2\n", 2), ("1: x\n", 2), ("a: [\n", 2)],
)  # fmt: skip
def test_errors(text: str, code: int) -> None:
    with pytest.raises(StoreError) as info:
        load(text)
    assert info.value.exit_code == code


def test_error_carries_line() -> None:
    with pytest.raises(StoreError) as info:
        load("a: 1\nb: 2\na: 3\n")
    assert info.value.line == 3


def test_encrypted_round_trip() -> None:
    store = YamlStore()
    meta = Branch(
        [
            ("lastmodified", "2024-05-06T07:08:09Z"),
            ("version", "3.11.0"),
            ("age", [Branch([("recipient", "age1x"), ("enc", "-----A-----\nxx\n")])]),
        ]
    )
    data = store.emit_encrypted([Branch([("a", "v")]), Branch([("b", 1)])], meta)
    text = data.decode()
    assert (
        text.count("sops:\n") == 2
        and '    lastmodified: "2024-05-06T07:08:09Z"\n' in text
    )
    assert "          enc: |\n            -----A-----\n            xx\n" in text
    branches, metadata = store.load_encrypted(data)
    assert [list(b) for b in branches] == [[("a", "v")], [("b", 1)]]
    assert (
        metadata["version"] == "3.11.0" and metadata["age"][0]["recipient"] == "age1x"
    )
    assert find_metadata_line(data) == 2
    with pytest.raises(MetadataNotFound):
        store.load_encrypted(b"a: 1\n")
