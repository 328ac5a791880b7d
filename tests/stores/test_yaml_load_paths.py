"""The YAML loader's two readers (composed nodes, events) build the same trees."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from pysops.errors import StoreError
from pysops.stores import _yaml_load
from pysops.stores._yaml_load import Loader
from pysops.stores.yaml import YamlStore
from pysops.tree import Branch, Comment

CORPUS = sorted((Path(__file__).parent / "yaml_corpus").glob("*.yaml"))

SNIPPETS = [
    "a: 1 # one\nb:\n  c: [1, 2] # flow\n  d: {x: 1, y: [a, b]} # map\n# end\n",
    "s: [a: 1, b: 2, {c: 3}, [d]]  # pairs\nt: [? x : y, z]\nu: [a: {b: 1}]\n",
    "x: ! 12\ny: &a ! 13\nz: !!str 14\nw: !custom v\nm: !t {a: 1}\nq: ! [1]\n",
    "k: &anchor\n  a: 1\n  # inside\nl: &s [1, 2]\n",
    "lit: | # header\n  line # not a comment\n  more\nfold: >-\n  a\n  b\n# after\n",
    "a: 1\n---\n# only a comment\n---\nb: 2 # two\n...\n# after end\n---\nc: 3\n",
    "- not: a map\n",
    "root: x\n# c\n? complex key\n: value\n'quoted': \"dq\" # q\n",
    "a:\n- x\n- y: 1\n  z: 2 # zz\n  # foot\n- - nested\n  - seq\nb:\n",
    "e1:\ne2: # empty\ne3: ''\nlist:\n  -\n  - # empty item\n  - x\n",
    "{a: 1, b: 2}\n# after flow root\n",
    "a: {x: 1,\n  # inside flow\n  y: 2}\nb: [1,\n  2, # two\n  3]\n",
    "n: 0x1F\nf: 1.5\nt: 2001-12-14\nb: yes\nnul: ~\nint: 017\n",
    "big: 18446744073709551616\n",
    "dup: 1\ndup: 2\n",
    "a:\n  b: 1\n  b: 2\n# c\n",
    "1: numeric key\n",
    "a: [1, 2\n",
    "---\n- a\n- b\n",
    "plain value\n",
    "x: &a 1\ny: &a 2\n",
    "a:\n    b:\n        c: 1\n        # deep\n    # mid\n  # odd\n# top\nd: 2\n",
]


def _outcome(read: object) -> str:
    try:
        return repr(read())  # type: ignore[operator]
    except StoreError as err:
        return f"error: {err} (line {err.line})"


def _node_outcome(text: str) -> str | None:
    """What the node reader gives, or ``None`` when it hands over to events."""
    import yaml

    loader = Loader(text)
    try:
        return repr(loader._from_nodes())
    except (_yaml_load._Fallback, yaml.YAMLError):
        return None
    except StoreError as err:
        return f"error: {err} (line {err.line})"


def _event_outcome(text: str) -> str:
    import yaml

    loader = Loader(text)
    try:
        return repr(loader._from_events())
    except StoreError as err:
        return f"error: {err} (line {err.line})"
    except yaml.YAMLError:
        return "yaml error"


def _mutations(text: str, rng: random.Random, count: int) -> list[str]:
    """Copies of ``text`` with comment lines and inline comments added at random."""
    lines = text.split("\n")
    out = []
    for _ in range(count):
        new = list(lines)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(new))
            if rng.random() < 0.5:
                new.insert(at, " " * rng.choice([0, 1, 2, 4, 6, 8]) + "# m")
            elif new[at].strip():
                new[at] += " # i"
        out.append("\n".join(new))
    return out


def _random_tree(rng: random.Random, depth: int = 0) -> Branch:
    """A random branch with comments, scalars of every kind and nested collections."""
    scalars = ["x", "yes", "12", 3, 1.5, True, None, "a b", "ENC[x]", "", "#h", "l\n"]
    branch = Branch()
    for i in range(rng.randint(1, 4)):
        if rng.random() < 0.3:
            branch.append((Comment(f" c{i}"), None))
        roll = rng.random()
        if roll < 0.2 and depth < 3:
            value: object = _random_tree(rng, depth + 1)
        elif roll < 0.35 and depth < 3:
            value = [rng.choice(scalars) for _ in range(rng.randint(1, 3))]
            if rng.random() < 0.4:
                value.insert(rng.randrange(len(value)), Comment(" s"))
            if rng.random() < 0.3:
                value.append(_random_tree(rng, depth + 1))
        else:
            value = rng.choice(scalars)
        branch.append((f"k{i}", value))
    return branch


def _cases() -> list[str]:
    rng = random.Random(99)
    emitted = [YamlStore(rng.choice([2, 4])).emit_plain(
        [_random_tree(rng) for _ in range(rng.randint(1, 2))]).decode()
        for _ in range(40)]  # fmt: skip
    texts = [p.read_text() for p in CORPUS] + SNIPPETS + emitted
    rng = random.Random(1234)
    cases = list(texts)
    for text in texts:
        cases += _mutations(text, rng, 10)
    return cases


def test_node_reader_matches_event_reader() -> None:
    compared = 0
    for text in _cases():
        ours = _node_outcome(text)
        if ours is None:
            continue
        assert ours == _event_outcome(text), text
        compared += 1
    # the node reader must carry nearly every case, or this test proves little
    assert compared > 0.6 * len(_cases())


@pytest.mark.parametrize("text", SNIPPETS)
def test_load_gives_the_event_readers_result(text: str) -> None:
    event = _event_outcome(text)
    if event == "yaml error":
        with pytest.raises(StoreError, match="invalid YAML"):
            Loader(text).load()
    else:
        assert _outcome(Loader(text).load) == event


def test_aliases_are_read_from_events() -> None:
    docs = Loader("a: &x [1, {b: 2}]\nc: *x\n").load()
    assert docs[0].get("c") == docs[0].get("a")
    assert docs[0].get("c") is not docs[0].get("a")
