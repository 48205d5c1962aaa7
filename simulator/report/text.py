"""Plain-text layout for the console: tables and paragraphs that fit the terminal's width.

A table too wide for the width is cut into blocks of columns, one under the other, each block
repeating the key columns on the left (the metric, or the variant); a long column title wraps
onto several header lines. Paragraphs wrap at spaces. Nothing is ever truncated: a single cell
wider than the width still prints whole.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence

DEFAULT_WIDTH = 100
"""Columns when the output is not a terminal (a file, a pipe) and $COLUMNS is not set."""
NARROWEST = 60
"""Tables are laid out for at least this many columns, however narrow the terminal."""
_TITLE_WRAP = 12
"""A column title longer than its cells wraps at this width (or at its longest word)."""
_GAP = "  "


def console_width() -> int:
    """Columns to lay text out for: $COLUMNS, else the terminal's width, else
    :data:`DEFAULT_WIDTH`; at least :data:`NARROWEST`."""
    return max(NARROWEST, shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns)


def paragraph(text: str, width: int | None = None) -> str:
    """``text`` wrapped at spaces to ``width`` columns (default :func:`console_width`); words
    longer than a line (a path) are kept whole."""
    return textwrap.fill(text, width or console_width(), break_long_words=False,
                         break_on_hyphens=False)


def _column_width(title: str, cells: Sequence[str]) -> int:
    """A column as wide as its widest cell, or its title when that is short; a longer title
    wraps (never narrower than its longest word)."""
    widest = max((len(c) for c in cells), default=0)
    longest_word = max((len(w) for w in title.split()), default=0)
    return max(widest, longest_word, min(len(title), max(widest, _TITLE_WRAP)))


def _block(header: Sequence[str], rows: Sequence[Sequence[str]], columns: Sequence[int],
           widths: Sequence[int]) -> list[str]:
    """Lines of the table made of ``columns`` (indices): titles wrapped and aligned on their
    last line, a rule, then the rows."""
    titles = [textwrap.wrap(header[k], widths[k], break_on_hyphens=False) or [""]
              for k in columns]
    depth = max(len(t) for t in titles)
    titles = [[""] * (depth - len(t)) + t for t in titles]
    lines = [[t[line] for t in titles] for line in range(depth)]
    lines += [[r[k] for k in columns] for r in rows]
    text = [_GAP.join(cell.ljust(widths[k]) for cell, k in zip(line, columns, strict=True))
            .rstrip() for line in lines]
    text.insert(depth, _GAP.join("-" * widths[k] for k in columns))
    return text


def grid(header: Sequence[str], rows: Sequence[Sequence[str]], width: int | None = None,
         keep: int = 1) -> list[str]:
    """Lines of a left-aligned text table with a rule under the header, at most ``width``
    columns wide (default :func:`console_width`): when the table is wider, its columns after
    the first ``keep`` go into blocks that each repeat those ``keep`` columns, separated by a
    blank line."""
    width = width or console_width()
    widths = [_column_width(header[k], [r[k] for r in rows]) for k in range(len(header))]
    kept = list(range(min(keep, len(header))))
    room = width - sum(widths[k] + len(_GAP) for k in kept)
    blocks: list[list[int]] = []
    used = room + 1  # start a block at the first column
    for k in range(len(kept), len(header)):
        if used + widths[k] > room and (not blocks or blocks[-1]):
            blocks.append([])
            used = 0
        blocks[-1].append(k)
        used += widths[k] + len(_GAP)
    if not blocks:
        return _block(header, rows, kept, widths)
    lines: list[str] = []
    for block in blocks:
        if lines:
            lines.append("")
        lines += _block(header, rows, kept + block, widths)
    return lines
