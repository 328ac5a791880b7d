"""The envelope: the QR code scans back to the key, the PDF renders and holds the key."""

from __future__ import annotations

import base64
import re
import subprocess
from pathlib import Path

import pytest
from _drkit import scan_qr

from pysops.dr import envelope, keygen
from pysops.keys.age import IdentityError


@pytest.fixture
def sealed() -> envelope.Envelope:
    return envelope.Envelope(
        keygen.generate(), "https://example.com/team/repo.git", "2025-01-02T03:04:05Z"
    )


def test_pdf_renders_and_its_qr_code_scans_back_to_the_key(
    sealed: envelope.Envelope, tmp_path: Path
) -> None:
    pdf = tmp_path / "envelope.pdf"
    pdf.write_bytes(envelope.render(sealed, "pdf"))

    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "150",
            "-png",
            "-singlefile",
            str(pdf),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    assert scan_qr(tmp_path / "page.png") == sealed.key.secret

    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert sealed.key.secret in text.split()
    assert sealed.key.recipient in text
    grouped = [row for row in sealed.key.paper_rows()]
    assert all(row in text for row in grouped)
    assert "".join("".join(grouped).split()) == sealed.key.secret
    assert "SEALED RECOVERY KEY" in text and "pysops dr rotate" in text
    assert (
        "sops decrypt" in text and sealed.repository in text and sealed.created in text
    )


def test_html_has_key_warning_and_a_scannable_qr_code(
    sealed: envelope.Envelope, tmp_path: Path
) -> None:
    page = envelope.render(sealed, "html").decode()
    png = re.search(r'src="data:image/png;base64,([^"]+)"', page)
    assert png is not None
    (tmp_path / "qr.png").write_bytes(base64.b64decode(png.group(1)))
    assert scan_qr(tmp_path / "qr.png") == sealed.key.secret
    assert "<br>".join(sealed.key.paper_rows()) in page
    assert "SEALED RECOVERY KEY" in page and sealed.key.recipient in page


def test_key_typed_from_paper_is_read_back_and_a_typo_is_caught(
    sealed: envelope.Envelope,
) -> None:
    typed = "\n".join(sealed.key.paper_rows()).lower() + "\n"
    identities, recipients = keygen.parse_key_text(typed, "typed")
    assert recipients == [sealed.key.recipient] and len(identities) == 1

    rows = sealed.key.paper_rows()
    last = rows[-1]
    wrong = "Q" if last[0] != "Q" else "P"
    with pytest.raises(IdentityError) as caught:
        keygen.parse_key_text("\n".join([*rows[:-1], wrong + last[1:]]), "typed")
    assert sealed.key.secret[20:] not in caught.value.message


def test_secret_never_shows_in_repr() -> None:
    key = keygen.generate()
    assert key.secret not in repr(key)
    assert keygen.recipient_of(key.secret) == key.recipient
