"""Key-level interoperability with Go sops, without pysops' own file pipeline.

Go encrypts a small JSON file for one master key; a test unwraps Go's ``enc``
with a pysops key and checks the data key against one of the file's values,
or wraps that data key with pysops, splices the entry into the metadata in
place of Go's, and lets Go decrypt the file.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from pathlib import Path
from typing import Any

from conftest import run_go
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PLAIN = {"secret": "hello", "n": 3}

_ENC = re.compile(r"^ENC\[AES256_GCM,data:(.*),iv:(.+),tag:(.+),type:(.+)\]")


def go_encrypt(go: Path, directory: Path, *flags: str) -> dict[str, Any]:
    """The document Go sops writes when encrypting :data:`PLAIN` with ``flags``."""
    plain = directory / "plain.json"
    plain.write_text(json.dumps(PLAIN))
    done = run_go(go, "encrypt", *flags, str(plain))
    assert done.returncode == 0, done.stderr.decode()
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def go_decrypt(go: Path, directory: Path, document: dict[str, Any]) -> Any:
    """What Go sops decrypts ``document`` to (asserting that it succeeds)."""
    path = directory / "spliced.json"
    path.write_text(json.dumps(document, indent="\t"))
    done = run_go(go, "decrypt", str(path))
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def decrypt_value(data_key: bytes, value: str, aad: str) -> bytes:
    """Plaintext of an ``ENC[...]`` value (AES-256-GCM, AAD = the value's path)."""
    match = _ENC.match(value)
    assert match is not None, value
    data, iv, tag = (base64.b64decode(part) for part in match.groups()[:3])
    return AESGCM(data_key).decrypt(iv, data + tag, aad.encode())


def splice(document: dict[str, Any], type_id: str, entry: dict[str, Any]) -> Any:
    """A copy of ``document`` whose only ``type_id`` master key is ``entry``."""
    spliced = copy.deepcopy(document)
    assert len(spliced["sops"][type_id]) == 1
    spliced["sops"][type_id] = [entry]
    return spliced


# --- whole files through both command lines ------------------------------------

PLAIN_YAML = "secret: hello\nn: 3\nlist:\n    - a\n"
PLAIN_YAML_TREE = {"secret": "hello", "n": 3, "list": ["a"]}

_ENC_DATA = re.compile(r"data:[A-Za-z0-9+/=]*,")
_WIDE_BASE64 = re.compile(r"[A-Za-z0-9+/=]{20,}")
_ARMOR_CHECKSUM = re.compile(r"^(\s*)=[A-Za-z0-9+/]{4}$", re.MULTILINE)
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def layout(text: str) -> str:
    """``text`` with ciphertexts and times masked, to compare two encryptions."""
    text = _ENC_DATA.sub("data:D,", text)
    text = _WIDE_BASE64.sub("B", text)
    text = _ARMOR_CHECKSUM.sub(r"\1=C", text)
    return _TIMESTAMP.sub("T", text)


def encrypt_both(go: Path, directory: Path, *flags: str) -> tuple[str, str]:
    """(pysops output, Go output) of ``encrypt FLAGS plain.yaml``."""
    from conftest import run_pysops

    plain = directory / "plain.yaml"
    plain.write_text(PLAIN_YAML)
    ours = run_pysops("encrypt", *flags, str(plain))
    assert ours.returncode == 0, ours.stderr.decode()
    theirs = run_go(go, "encrypt", *flags, str(plain))
    assert theirs.returncode == 0, theirs.stderr.decode()
    return ours.stdout.decode(), theirs.stdout.decode()


def decrypt_both(go: Path, directory: Path, ours: str, theirs: str) -> None:
    """Go decrypts pysops' file and pysops decrypts Go's, both to the plain tree."""
    import yaml
    from conftest import run_pysops

    (directory / "ours.yaml").write_text(ours)
    (directory / "theirs.yaml").write_text(theirs)
    by_go = run_go(go, "decrypt", str(directory / "ours.yaml"))
    assert by_go.returncode == 0, by_go.stderr.decode()
    by_us = run_pysops("decrypt", str(directory / "theirs.yaml"))
    assert by_us.returncode == 0, by_us.stderr.decode()
    assert yaml.safe_load(by_go.stdout) == PLAIN_YAML_TREE
    assert yaml.safe_load(by_us.stdout) == PLAIN_YAML_TREE
