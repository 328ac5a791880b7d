"""A one-page PDF writer: text in the standard fonts, filled rectangles, no dependency.

The standard 14 fonts need no embedding, so a page of text and a QR code drawn
as squares fits in a few kilobytes and renders in every reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field

A4 = (595.0, 842.0)
FONTS = {
    "F1": "Helvetica",
    "F2": "Helvetica-Bold",
    "F3": "Courier",
    "F4": "Courier-Bold",
}
#: average glyph width of the Courier fonts, in units of the font size
COURIER_ADVANCE = 0.6


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _num(value: float) -> bytes:
    return (f"{value:.2f}".rstrip("0").rstrip(".") or "0").encode("ascii")


@dataclass
class Page:
    """Drawing operations of one page, with the origin at the bottom left."""

    width: float = A4[0]
    height: float = A4[1]
    ops: list[bytes] = field(default_factory=list)

    def text(self, x: float, y: float, font: str, size: float, text: str) -> None:
        """One line of text with its baseline at ``y``; ``font`` is a key of FONTS."""
        self.ops.append(
            b"BT /"
            + font.encode()
            + b" "
            + _num(size)
            + b" Tf "
            + _num(x)
            + b" "
            + _num(y)
            + b" Td ("
            + _escape(text)
            + b") Tj ET"
        )

    def fill_rect(
        self, x: float, y: float, w: float, h: float, grey: float = 0
    ) -> None:
        self.ops.append(
            _num(grey) + b" g " + b" ".join(map(_num, (x, y, w, h))) + b" re f 0 g"
        )

    def stroke_rect(
        self, x: float, y: float, w: float, h: float, width: float = 1
    ) -> None:
        self.ops.append(
            _num(width) + b" w " + b" ".join(map(_num, (x, y, w, h))) + b" re S"
        )

    def squares(
        self, x: float, y_top: float, module: float, rows: list[list[bool]]
    ) -> None:
        """A grid of black squares (a QR matrix); row 0 is at the top."""
        parts = []
        for r, row in enumerate(rows):
            y = y_top - (r + 1) * module
            for c, dark in enumerate(row):
                if dark:
                    parts.append(
                        b" ".join(map(_num, (x + c * module, y, module, module)))
                        + b" re"
                    )
        if parts:
            self.ops.append(b"0 g\n" + b"\n".join(parts) + b"\nf")


def render(page: Page, title: str) -> bytes:
    """The complete PDF file for ``page``."""
    content = b"\n".join(page.ops)
    font_ids = list(FONTS)
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 "
        + _num(page.width)
        + b" "
        + _num(page.height)
        + b"] /Resources << /Font << "
        + b" ".join(f"/{f} {6 + i} 0 R".encode() for i, f in enumerate(font_ids))
        + b" >> >> /Contents 4 0 R >>",
        b"<< /Length "
        + str(len(content)).encode()
        + b" >>\nstream\n"
        + content
        + b"\nendstream",
        b"<< /Title (" + _escape(title) + b") /Producer (pysops) >>",
    ]
    objects += [
        b"<< /Type /Font /Subtype /Type1 /BaseFont /"
        + FONTS[f].encode()
        + b" /Encoding /WinAnsiEncoding >>"
        for f in font_ids
    ]

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 5 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)
