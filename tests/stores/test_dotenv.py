"""The dotenv store: Go's line format, the multi-line extension, and Go agreement."""

from __future__ import annotations

from pathlib import Path

import pytest
from _godiff import assert_same_shape, go_roundtrip
from conftest import AgeKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pysops.errors import EmitError, MetadataNotFound, StoreError
from pysops.stores.dotenv import DotenvStore
from pysops.tree import DOTENV_LINES_TAG, Branch, Comment, Tagged


def roundtrip(data: bytes) -> bytes:
    store = DotenvStore()
    return store.emit_plain(store.load_plain(data))


def test_load_lines_comments_and_escapes() -> None:
    data = b'#top\nA=1\n\nexport B=x=y\\nz\nQ="q"\nE=\n #not a comment=1\n'
    assert DotenvStore().load_plain(data)[0] == Branch(
        [
            (Comment("top"), None),
            ("A", "1"),
            ("export B", "x=y\nz"),
            ("Q", '"q"'),
            ("E", ""),
            (" #not a comment", "1"),
        ]
    )


def test_emit_escapes_newlines_and_drops_empty_lines() -> None:
    assert roundtrip(b"#c\n\nA=a\\nb\n\nB=\n") == b"#c\nA=a\\nb\nB=\n"


def test_invalid_utf8_is_kept() -> None:
    assert roundtrip(b"U=\xff\xfe\n") == b"U=\xff\xfe\n"


def test_line_without_equals_names_its_number() -> None:
    with pytest.raises(StoreError) as caught:
        DotenvStore().load_plain(b"A=1\n\nsecret-looking-line\n")
    assert caught.value.line == 3
    assert "line 3" in str(caught.value)
    assert "secret-looking-line" not in str(caught.value)
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("quote", ['"', "'"])
def test_multiline_quoted_value_is_kept_as_written(quote: str) -> None:
    data = f"A=1\nKEY={quote}first\n\nsecond x\\n{quote}\nB=2\n".encode()
    branch = DotenvStore().load_plain(data)[0]
    value = Tagged(DOTENV_LINES_TAG, f"{quote}first\n\nsecond x\\n{quote}")
    assert branch == Branch([("A", "1"), ("KEY", value), ("B", "2")])
    assert roundtrip(data) == data


def test_quote_that_go_reads_line_by_line_stays_go() -> None:
    # Every line has '=', so Go accepts the file: the value is just '"abc'.
    data = b'KEY="abc\nOTHER=1\nLAST=2"\n'
    assert DotenvStore().load_plain(data)[0] == Branch(
        [("KEY", '"abc'), ("OTHER", "1"), ("LAST", '2"')]
    )


def test_unclosed_multiline_quote_is_an_error() -> None:
    with pytest.raises(StoreError) as caught:
        DotenvStore().load_plain(b'KEY="abc\nno equals here\n')
    assert caught.value.line == 2


def test_multiline_value_is_written_as_read() -> None:
    # Issue 5: the value written across lines comes back across lines, while
    # the same text written on one line with \n comes back as Go writes it.
    assert roundtrip(b'KEY="first\nsecond"\n') == b'KEY="first\nsecond"\n'
    assert roundtrip(b'KEY="first\\nsecond"\n') == b'KEY="first\\nsecond"\n'


def test_non_string_values_use_go_formatting() -> None:
    branch = Branch([("f", 100.0), ("g", 1e21), ("b", True), ("i", 3), ("n", None)])
    assert DotenvStore().emit_plain([branch]) == (
        b"f=100.0\ng=1E+21\nb=true\ni=3\nn=<nil>\n"
    )


@pytest.mark.parametrize("value", [Branch([("a", "b")]), ["x"]])
def test_nested_values_cannot_be_written(value: object) -> None:
    with pytest.raises(EmitError):
        DotenvStore().emit_plain([Branch([("k", value)])])


def test_metadata_lines_are_sorted_and_escaped() -> None:
    metadata = Branch(
        [
            ("age", [Branch([("recipient", "age1x"), ("enc", "a\nb\n")])]),
            ("lastmodified", "2024-05-06T07:08:09Z"),
            ("version", "3.11.0"),
            ("shamir_threshold", 2),
        ]
    )
    out = DotenvStore().emit_encrypted([Branch([("A", "ENC[x]")])], metadata)
    assert out == (
        b"A=ENC[x]\n"
        b"sops_age__list_0__map_enc=a\\nb\\n\n"
        b"sops_age__list_0__map_recipient=age1x\n"
        b"sops_lastmodified=2024-05-06T07:08:09Z\n"
        b"sops_shamir_threshold=2\n"
        b"sops_version=3.11.0\n"
    )
    branches, loaded = DotenvStore().load_encrypted(out)
    assert branches == [Branch([("A", "ENC[x]")])]
    assert loaded == {
        "age": [{"enc": "a\nb\n", "recipient": "age1x"}],
        "lastmodified": "2024-05-06T07:08:09Z",
        "shamir_threshold": 2,
        "version": "3.11.0",
    }


def test_plain_file_has_no_metadata() -> None:
    with pytest.raises(MetadataNotFound):
        DotenvStore().load_encrypted(b"A=1\n")


def test_reserved_prefix_detection() -> None:
    store = DotenvStore()
    assert store.has_metadata_key(Branch([("sops_x", "1")]))
    assert not store.has_metadata_key(Branch([("sops", "1"), (Comment("sops_"), None)]))


def test_emit_value_only_strings() -> None:
    assert DotenvStore().emit_value("x") == b"x"
    with pytest.raises(EmitError):
        DotenvStore().emit_value(3)


# --- agreement with Go sops -------------------------------------------------

GO_SAMPLE = (
    b'#top comment\nA=1\nexport B=x=y\\nz\n\nQ="quoted"\nE=\n# spaced comment\n'
    b'PEM="a\\nb\\n"\nU=\xff\xfe\nW=  spaces  \nS_unencrypted=clear\n=emptykey\n'
)


@pytest.mark.gosops
def test_go_output_is_a_fixed_point(go_sops: Path, age_key: AgeKey) -> None:
    encrypted, decrypted = go_roundtrip(go_sops, age_key, "a.env", GO_SAMPLE)
    assert roundtrip(GO_SAMPLE) == decrypted
    assert roundtrip(decrypted) == decrypted
    store = DotenvStore()
    assert_same_shape(
        store.load_plain(GO_SAMPLE)[0], store.load_encrypted(encrypted)[0][0]
    )


@pytest.mark.gosops
def test_metadata_lines_equal_go(go_sops: Path, age_key: AgeKey) -> None:
    encrypted, _ = go_roundtrip(go_sops, age_key, "a.env", GO_SAMPLE)
    store = DotenvStore()
    branches, metadata = store.load_encrypted(encrypted)
    assert store.emit_encrypted(branches, metadata) == encrypted


_line_text = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\n"), max_size=12
)
_key = _line_text.filter(lambda k: k and "=" not in k and k[0] != "#").filter(
    lambda k: not k.startswith("sops_")
)
_entry = st.tuples(_key, _line_text).map(
    lambda kv: f"{kv[0]}={kv[1]}"
) | _line_text.map(lambda text: "#" + text)


@pytest.mark.gosops
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(lines=st.lists(_entry | st.just(""), min_size=1, max_size=12))
def test_random_files_agree_with_go(
    go_sops: Path, age_key: AgeKey, lines: list[str]
) -> None:
    data = "\n".join(lines).encode() + b"\n"
    if not any(line and not line.startswith("#") for line in lines):
        data += b"K=v\n"
    encrypted, decrypted = go_roundtrip(go_sops, age_key, "r.env", data)
    assert roundtrip(data) == decrypted
    assert roundtrip(decrypted) == decrypted
    store = DotenvStore()
    assert_same_shape(store.load_plain(data)[0], store.load_encrypted(encrypted)[0][0])
