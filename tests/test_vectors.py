"""Known-answer vectors: files written by Go sops 3.11 decrypt to Go's own output."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_pysops

VECTORS = Path(__file__).parent / "data" / "vectors"


def load_vectors() -> list[Path]:
    """Every ``enc.*`` file that has a matching ``dec.*`` file."""
    return sorted(
        p for p in VECTORS.glob("enc.*") if (VECTORS / ("dec." + p.name[4:])).exists()
    )


@pytest.mark.parametrize("encrypted", load_vectors(), ids=lambda p: p.name)
def test_go_file_decrypts_to_go_output(encrypted: Path) -> None:
    keys = "\n".join((VECTORS / k).read_text() for k in ("key.txt", "key2.txt"))
    expected = (VECTORS / ("dec." + encrypted.name[4:])).read_bytes()
    result = run_pysops("decrypt", str(encrypted), env={"SOPS_AGE_KEY": keys})
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == expected
    assert result.stderr == b""


def test_tampered_value_is_detected(tmp_path: Path) -> None:
    text = (VECTORS / "enc.basic.json").read_text()
    # Swap the ciphertexts of two values: each still decrypts with its own
    # IV, but under the wrong path (AAD), so authentication fails.
    lines = text.splitlines()
    a = next(i for i, line in enumerate(lines) if line.strip().startswith('"a":'))
    b = next(i for i, line in enumerate(lines) if line.strip().startswith('"n":'))
    va, vb = lines[a].split(": ", 1)[1], lines[b].split(": ", 1)[1]
    lines[a] = lines[a].replace(va, vb)
    lines[b] = lines[b].replace(vb, va)
    target = tmp_path / "tampered.json"
    target.write_text("\n".join(lines) + "\n")
    result = run_pysops(
        "decrypt", str(target), env={"SOPS_AGE_KEY_FILE": str(VECTORS / "key.txt")}
    )
    assert result.returncode == 25
    assert b"tampered.json" in result.stderr
    assert len(result.stderr.decode().strip().splitlines()) == 1


def test_edited_lastmodified_breaks_the_mac(tmp_path: Path) -> None:
    text = (VECTORS / "enc.basic.yaml").read_text()
    start = text.index('lastmodified: "') + len('lastmodified: "')
    changed = text[:start] + "2001-01-01T00:00:00Z" + text[start + 20 :]
    target = tmp_path / "f.yaml"
    target.write_text(changed)
    result = run_pysops(
        "decrypt", str(target), env={"SOPS_AGE_KEY_FILE": str(VECTORS / "key.txt")}
    )
    assert result.returncode == 51
    ignored = run_pysops(
        "decrypt",
        "--ignore-mac",
        str(target),
        env={"SOPS_AGE_KEY_FILE": str(VECTORS / "key.txt")},
    )
    assert ignored.returncode == 0
    assert ignored.stdout == (VECTORS / "dec.basic.yaml").read_bytes()


def test_wrong_key_exit_code(tmp_path: Path, age_key) -> None:  # type: ignore[no-untyped-def]
    result = run_pysops(
        "decrypt",
        str(VECTORS / "enc.basic.yaml"),
        env={"SOPS_AGE_KEY_FILE": str(age_key.path)},
    )
    assert result.returncode == 128
    assert b"enc.basic.yaml" in result.stderr


def test_one_of_two_groups_is_not_enough() -> None:
    result = run_pysops(
        "decrypt",
        str(VECTORS / "enc.groups.basic.yaml"),
        env={"SOPS_AGE_KEY_FILE": str(VECTORS / "key.txt")},
    )
    assert result.returncode == 128
    assert b"1 of the 2 key groups" in result.stderr
