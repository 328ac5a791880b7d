"""The sealed envelope: a printable page (HTML or PDF) holding the recovery key."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from . import _pdf
from .keygen import RecoveryKey

WARNING = (
    "SEALED RECOVERY KEY. Opening this envelope means the key is exposed: "
    "afterwards run `pysops dr rotate` to re-key every file with a new key."
)
TYPING_HINT = (
    "Type the key exactly as printed; spaces, line breaks and letter case do not "
    "matter. The last characters are a checksum, so a typo is detected."
)


@dataclass(frozen=True)
class Envelope:
    """What the page shows besides the key: where it belongs and when it was made."""

    key: RecoveryKey
    repository: str
    created: str


def usage_lines(recipient: str) -> list[tuple[str, list[str]]]:
    """Headed blocks of commands for using the key, with pysops and with Go sops."""
    return [
        (
            "Prove the key works (writes nothing)",
            [
                "pysops dr drill --identity -      # type the key, then Ctrl-D",
            ],
        ),
        (
            "Recover: re-key every file to the anchors now in .sops.yaml",
            [
                "umask 077; cat > dr-key.txt        # type the key, then Ctrl-D",
                "pysops dr restore --identity dr-key.txt",
                "pysops dr rotate --identity dr-key.txt --envelope new-envelope.pdf",
                "shred -u dr-key.txt",
            ],
        ),
        (
            "One file, with pysops or Go sops",
            [
                "SOPS_AGE_KEY_FILE=dr-key.txt pysops decrypt FILE",
                "SOPS_AGE_KEY_FILE=dr-key.txt sops decrypt FILE",
                "SOPS_AGE_KEY_FILE=dr-key.txt sops updatekeys -y FILE",
                "SOPS_AGE_KEY_FILE=dr-key.txt sops rotate -i FILE",
            ],
        ),
        ("Public key (recipient in .sops.yaml and in every file)", [recipient]),
    ]


def _qr(secret: str) -> Any:
    import segno

    # Upper-case Bech32 stays in the QR alphanumeric mode: a smaller code.
    return segno.make(secret, error="m", micro=False)


# --- HTML -------------------------------------------------------------------

_CSS = """
body { font-family: sans-serif; max-width: 48em; margin: 2em auto; color: #000; }
.warning { border: 3px solid #000; padding: .6em; font-weight: bold; font-size: 1.2em; }
.key { font-family: monospace; font-size: 2em; font-weight: bold; letter-spacing: .08em;
       line-height: 1.5; margin: .6em 0; }
.oneline { font-family: monospace; font-size: .8em; word-break: break-all; }
pre { font-size: .85em; background: #f4f4f4; padding: .5em; white-space: pre-wrap; }
.qr { float: right; margin-left: 1em; }
@media print { .noprint { display: none; } pre { background: none; } }
"""


def render_html(envelope: Envelope) -> bytes:
    """A self-contained HTML page (QR code inlined as a PNG data URI)."""
    key = envelope.key
    esc = html.escape
    rows = "<br>".join(esc(row) for row in key.paper_rows())
    qr_uri = _qr(key.secret).png_data_uri(scale=6, border=4)
    blocks = "".join(
        f"<h3>{esc(title)}</h3><pre>{esc(chr(10).join(lines))}</pre>"
        for title, lines in usage_lines(key.recipient)
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>pysops disaster-recovery key</title><style>{_CSS}</style></head>
<body>
<h1>pysops disaster-recovery key</h1>
<p class="warning">{esc(WARNING)}</p>
<p class="noprint"><b>Print this page, seal it in an envelope, then delete this file.</b></p>
<p>Repository: <b>{esc(envelope.repository)}</b><br>Created: {esc(envelope.created)}</p>
<img class="qr" alt="QR code of the secret key" src="{qr_uri}">
<h2>Secret key</h2>
<div class="key" id="secret-key">{rows}</div>
<p>{esc(TYPING_HINT)}</p>
<p class="oneline">{esc(key.secret)}</p>
{blocks}
</body></html>
"""
    return page.encode("utf-8")


# --- PDF ---------------------------------------------------------------------


def render_pdf(envelope: Envelope) -> bytes:
    """The same content as :func:`render_html` on one A4 page."""
    key = envelope.key
    page = _pdf.Page()
    left, y = 50.0, page.height - 60

    # 1. Title and warning box.
    page.text(left, y, "F2", 20, "pysops disaster-recovery key")
    y -= 18
    box_top = y
    y -= 20
    for line in _wrap(WARNING, 78):
        page.text(left + 10, y, "F2", 11, line)
        y -= 14
    page.stroke_rect(left, y + 4, page.width - 2 * left, box_top - y - 4, width=2.5)
    y -= 20

    # 2. Where the key belongs.
    page.text(left, y, "F1", 10, f"Repository: {envelope.repository}")
    page.text(left, y - 14, "F1", 10, f"Created: {envelope.created}")
    y -= 40

    # 3. The secret in large groups, the QR code to its right.
    qr_module = 3.5
    matrix = [[bool(v) for v in row] for row in _qr(key.secret).matrix]
    qr_size = len(matrix) * qr_module
    page.squares(page.width - left - qr_size, y + 10, qr_module, matrix)
    qr_bottom = y + 10 - qr_size
    page.text(left, y, "F2", 12, "Secret key")
    y -= 28
    for row in key.paper_rows():
        page.text(left, y, "F4", 20, row)
        y -= 28
    y = min(y, qr_bottom - 16)
    for line in _wrap(TYPING_HINT, 95):
        page.text(left, y, "F1", 9, line)
        y -= 12
    page.text(left, y - 4, "F3", 8, key.secret)
    y -= 30

    # 4. Usage.
    for title, lines in usage_lines(key.recipient):
        page.text(left, y, "F2", 10, title)
        y -= 13
        for line in lines:
            page.text(left + 8, y, "F3", 8.5, line)
            y -= 11
        y -= 6
    return _pdf.render(page, "pysops disaster-recovery key")


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return [*lines, current] if current else lines


def render(envelope: Envelope, kind: str) -> bytes:
    """The envelope as ``pdf`` or ``html`` bytes; raises ValueError for another kind."""
    if kind == "pdf":
        return render_pdf(envelope)
    if kind == "html":
        return render_html(envelope)
    raise ValueError(f"unknown envelope kind {kind!r}: use pdf or html")
