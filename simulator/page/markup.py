"""The HTML of the report page: escaping, elements, tables, inline figures and the style sheet.

Every string that reaches the page from a scenario or a results folder (names, descriptions)
goes through :func:`esc`; the helpers here take text and escape it, or take markup made by
them (:class:`Markup`) and keep it. Figures are embedded as SVG in ``data:`` URLs, so the page
is one file that needs no network, stays sharp when printed, and keeps each figure's SVG ids
to itself.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable, Sequence

import matplotlib as mpl
from matplotlib.figure import Figure

from simulator.plots.style import STYLE


class Markup(str):
    """HTML made by this module's helpers: inserted as it is, never escaped again."""


def esc(text: object) -> Markup:
    """``text`` as HTML text (``<``, ``>``, ``&`` and both quotes escaped); markup as it is."""
    if isinstance(text, Markup):
        return text
    return Markup(html.escape(str(text), quote=True))


def join(parts: Iterable[object], sep: str = "") -> Markup:
    """Parts joined, each escaped unless it is markup already."""
    return Markup(esc(sep).join(esc(p) for p in parts))


def element(tag: str, *content: object, **attributes: str) -> Markup:
    """``<tag attributes>content</tag>``; ``class_`` gives the ``class`` attribute."""
    attrs = "".join(f' {name.rstrip("_").replace("_", "-")}="{esc(value)}"'
                    for name, value in attributes.items())
    return Markup(f"<{tag}{attrs}>{join(content)}</{tag}>")


def table(header: Sequence[object], rows: Iterable[Sequence[object]],
          numeric_from: int = 1, caption: object = "", class_: str = "") -> Markup:
    """A table; columns from ``numeric_from`` on are right-aligned (numbers)."""
    def cells(row: Sequence[object], tag: str) -> Markup:
        return join(element(tag, cell, class_="num") if k >= numeric_from
                    else element(tag, cell) for k, cell in enumerate(row))

    head = element("thead", element("tr", cells(header, "th")))
    body = element("tbody", *(element("tr", cells(row, "td")) for row in rows))
    parts = [element("caption", caption)] if caption else []
    return element("table", *parts, head, body, class_=class_ or "data")


def svg_data_url(fig: Figure) -> str:
    """The figure as an SVG ``data:`` URL (no date in it: the same figure, the same bytes)."""
    buffer = io.BytesIO()
    with mpl.rc_context(STYLE):  # svg.hashsalt is read when saving
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def figure(fig: Figure, alt: str, caption: object) -> Markup:
    """A figure embedded in the page, with its caption (what to read in it)."""
    width, height = (round(x * 100) for x in fig.get_size_inches())
    image = Markup(f'<img src="{svg_data_url(fig)}" alt="{esc(alt)}" width="{width}" '
                   f'height="{height}">')
    return element("figure", image, element("figcaption", caption))


CSS = """
:root { --ink: #1a1a1a; --muted: #555; --rule: #d0d0d0; --accent: #0072B2; --warn: #8a4b00; }
* { box-sizing: border-box; }
body { font-family: "Segoe UI", "Helvetica Neue", Arial, sans-serif; color: var(--ink);
       margin: 0 auto; max-width: 1100px; padding: 24px 32px 48px; line-height: 1.45;
       font-size: 15px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 32px 0 8px; border-bottom: 2px solid var(--accent);
     padding-bottom: 3px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
p { margin: 6px 0; }
.meta { color: var(--muted); font-size: 13px; margin-bottom: 16px; }
.verdict { border-left: 6px solid var(--accent); background: #eef5fb; padding: 14px 18px;
           margin: 12px 0 8px; }
.verdict .headline { font-size: 20px; font-weight: 600; margin: 0 0 8px; }
.verdict .caveat { color: var(--warn); }
table.data { border-collapse: collapse; margin: 8px 0 4px; font-size: 14px; }
table.data th, table.data td { padding: 4px 10px; border-bottom: 1px solid var(--rule);
                               text-align: left; vertical-align: top; }
table.data th { background: #f3f3f3; font-weight: 600; vertical-align: bottom; }
table.names td:nth-child(-n+2) { white-space: nowrap; }
table.data td.num, table.data th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.data td.num { white-space: nowrap; }
table.data caption { caption-side: top; text-align: left; font-weight: 600; padding: 4px 0; }
tr.best td { background: #eef5fb; font-weight: 600; }
.note { color: var(--muted); font-size: 13px; }
figure { margin: 16px 0; page-break-inside: avoid; break-inside: avoid; }
figure img { width: 100%; max-width: 1000px; height: auto; display: block;
             border: 1px solid #eee; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; max-width: 1000px; }
ul { margin: 6px 0; padding-left: 22px; }
li { margin: 3px 0; }
code { font-family: Consolas, "DejaVu Sans Mono", monospace; font-size: 13px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  table.data { break-inside: avoid; page-break-inside: avoid; }
  .verdict { background: none; }
}
"""
"""The page's style: readable on a screen, compact on paper, system fonts only."""


def page(title: str, body: Iterable[object]) -> str:
    """A whole HTML5 document: ``title`` (text) and the body's parts, the style inline."""
    return ("<!DOCTYPE html>\n"
            f'<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{esc(title)}</title>\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<style>{CSS}</style>\n</head>\n<body>\n"
            f"{join(body, chr(10))}\n</body>\n</html>\n")
