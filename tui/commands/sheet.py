"""`sheet.html`: a print-ready page of message QR codes, each with its message and link.

Self-contained (inline SVG, no scripts, fonts or requests): it opens offline and
prints on A4 and Letter alike: the page size is left to the printer (`@page` sets the
margins) and 12 codes (3 x 4, 62 mm each: a 40 mm QR, four lines of message, the link)
fill the part both papers share within 10 mm margins, 190 x 259 mm.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from tui.text import plain

PER_PAGE = 12
WA_LINK = "https://wa.me/"

STYLE = """
@page { size: auto; margin: 10mm; }
* { box-sizing: border-box; }
body { margin: 0; font: 8pt/1.25 system-ui, sans-serif; color: #000; background: #fff; }
header { padding: 0 0 4mm; font-size: 10pt; }
.page { display: grid; grid-template-columns: repeat(3, 62mm); grid-auto-rows: 62mm; gap: 2mm;
        width: 190mm; break-after: page; page-break-after: always; }
.page:last-child { break-after: auto; page-break-after: auto; }
.card { margin: 0; padding: 2mm; border: 0.2mm dashed #999; display: flex; flex-direction: column;
        align-items: center; overflow: hidden; break-inside: avoid; }
.card svg { width: 40mm; height: 40mm; flex: none; shape-rendering: crispEdges; }
.message { flex: none; margin: 1mm 0 0; width: 100%; font-size: 7.5pt; max-height: 5em; overflow: hidden;
           display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 4; line-clamp: 4;
           text-align: center; white-space: pre-wrap; overflow-wrap: anywhere; }
.link { margin-top: auto; max-width: 100%; font: 6.5pt/1.2 ui-monospace, monospace; color: #000;
        white-space: nowrap; overflow: hidden; text-overflow: ellipsis; text-decoration: none; }
@media print { header { display: none; } }
@media screen { body { padding: 10mm; background: #eee; } .page { background: #fff; margin-bottom: 10mm; } }
"""


@dataclass(frozen=True)
class Card:
    code: str
    message: str
    link: str
    svg: str
    """Inline SVG of the QR (from `qr_svg`)."""


def qr_svg(link: str) -> str:
    """The QR of `link` as inline SVG (segno, black on white, 4-module quiet zone, sized by CSS)."""
    import segno

    return segno.make_qr(link, error="M").svg_inline(scale=1, border=4, omitsize=True, dark="#000", light="#fff")


def _card(card: Card) -> str:
    message = html.escape(plain(card.message))
    link = html.escape(plain(card.link, line=True))
    shown = (f'<a class="link" href="{link}">{link}</a>' if card.link.startswith(WA_LINK) and link == card.link
             else f'<span class="link">{link}</span>')
    label = html.escape(plain(card.code, line=True))
    return (f'<figure class="card" id="{label}" aria-label="{label}">{card.svg}'
            f'<figcaption class="message">{message}</figcaption>{shown}</figure>')


def render(cards: Sequence[Card], title: str) -> str:
    """The whole page: pages of PER_PAGE cards."""
    heading = html.escape(plain(title, line=True))
    pages = []
    for start in range(0, len(cards), PER_PAGE):
        body = "\n".join(_card(c) for c in cards[start : start + PER_PAGE])
        pages.append(f'<section class="page">\n{body}\n</section>')
    return (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{heading}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<header>{heading} · {len(cards)} codes</header>\n" + "\n".join(pages) + "\n</body>\n</html>\n"
    )
