"""QR codes as inline SVG (segno), for offer and request links that a phone scans."""

from __future__ import annotations

import io

import segno


def qr_svg(text: str) -> str:
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(
        buffer, kind="svg", xmldecl=False, svgns=True, scale=4, border=4
    )
    return buffer.getvalue().decode()
