"""Explaining YAML indentation mistakes: which line, and what was probably meant.

PyYAML reports a misplaced line in its parser's terms (``expected <block end>, but found
'<block mapping start>'``, ``mapping values are not allowed here``), sometimes on the line
after the mistake (a key without its ``:`` is read as text running on into the next line).
When parsing fails, :func:`explain` re-reads the lines before the error the way a person
does: each key must start at the column of a key above it (a sibling, or a parent's
sibling), or deeper than a key that opens a block (``key:`` with nothing after it). The first
line that breaks this is the mistake; the message says so and proposes the column meant.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_KEY = re.compile(r"""^(?:-\s+)*("[^"]*"|'[^']*'|[^\s"'#:\[\]{}][^#:]*?)\s*:(?:\s|$)""")
"""A block mapping key at the start of a line's content (after any ``- `` of list items)."""
_NEAR = 2
"""The misplaced line found must be at most this many block lines (not counting comments and
text) above the line PyYAML stopped at."""


@dataclass(frozen=True)
class _Line:
    number: int
    """1-based line number."""
    indent: int
    """Columns of spaces before the content."""
    content: str
    """The line without its indentation and its comment."""

    @property
    def key(self) -> str | None:
        match = _KEY.match(self.content)
        return match[1].strip("\"'") if match else None

    @property
    def item_indent(self) -> int | None:
        """Where the content of a list item (``- key: value``) starts, or None."""
        match = re.match(r"^((?:-\s+)+)", self.content)
        return self.indent + len(match[1]) if match else None

    @property
    def opens_block(self) -> bool:
        """``key:`` with nothing after it (or a bare ``-``): a deeper block may follow."""
        return self.content.endswith(":") or self.content == "-"

    @property
    def opens_text(self) -> bool:
        """``key: |`` or ``key: >``: the deeper lines that follow are text."""
        return re.search(r":\s+[|>][-+0-9]*$", self.content) is not None

    def shown(self) -> str:
        return f"'{self.key}'" if self.key is not None else f"'{self.content[:30]}'"


def _strip_comment(text: str) -> str:
    """``text`` without a trailing ``# comment`` (a # outside quotes, after a space)."""
    quote = None
    for k, char in enumerate(text):
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#" and (k == 0 or text[k - 1] in " \t"):
            return text[:k].rstrip()
    return text.rstrip()


def _depth(text: str) -> int:
    """Flow brackets ``{[`` opened minus closed in ``text``, outside quotes."""
    depth, quote = 0, None
    for char in text:
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
    return depth


def _block_lines(text: str) -> Iterator[_Line]:
    """The lines that carry block structure: not blank, not comments, not inside a flow
    collection or a text block."""
    flow = 0
    text_above: int | None = None  # indentation of a ``key: |`` whose text is running
    text_column: int | None = None  # the column its first line of text set
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.lstrip(" ")
        indent = len(raw) - len(stripped)
        if not stripped or (stripped.startswith("#") and text_above is None):
            continue
        if text_above is not None:
            if text_column is None and indent > text_above:
                text_column = indent
            if text_column is not None and indent >= text_column:
                continue
        text_above = text_column = None
        if stripped.startswith("#"):
            continue
        content = _strip_comment(stripped)
        inside = flow > 0
        flow = max(0, flow + _depth(content))
        if inside:
            continue
        line = _Line(number, indent, content)
        if line.opens_text:
            text_above = indent
        yield line


def _tab(text: str, last: int) -> str | None:
    """The message for a tab in the indentation of a line up to ``last``, or None."""
    for number, raw in enumerate(text.splitlines()[:last], start=1):
        lead = raw[: len(raw) - len(raw.lstrip(" \t"))]
        if "\t" in lead and raw.strip() and not raw.strip().startswith("#"):
            return (f"{number}: YAML syntax error (indentation): a tab in the indentation; YAML "
                    "indents with spaces only (replace the tab with spaces: 2 per level in "
                    "the bundled scenarios)")
    return None


def _spaces(n: int) -> str:
    return f"{n} space{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class _Level:
    """An open block: the column its keys (or list items) start at."""

    column: int
    first: _Line
    """The first line at that column: the line that set it."""
    is_list: bool
    opener: _Line | None = None
    """The ``key:`` line the block belongs to (None at the top, and for an item's keys)."""

    @property
    def opener_column(self) -> int | None:
        if self.opener is None:
            return None
        item = self.opener.item_indent
        return item if item is not None else self.opener.indent


def _usual_step(text: str) -> int:
    """How many columns this file indents a block by (most often): 2 in the bundled files."""
    steps: dict[int, int] = {}
    above: _Line | None = None
    for line in _block_lines(text):
        if above is not None and above.opens_block and line.indent > above.indent:
            step = line.indent - (above.item_indent or above.indent)
            steps[step] = steps.get(step, 0) + 1
        above = line
    return max(steps, key=lambda step: (steps[step], -step)) if steps else 2


def _set_wrong(line: _Line, levels: list[_Level], step: int) -> str | None:
    """When ``line`` sits where the file's usual step puts the keys of a block, but the
    block's first key set another column, the first key is the mistake: its message."""
    top = levels[0]
    if line.indent == 0 and top.column > 0:  # the top-level keys start at column 0
        return (f"{top.first.number}: YAML syntax error (indentation): {top.first.shown()} "
                f"is indented {_spaces(top.column)}, but the top-level keys start at column "
                f"0 (like {line.shown()} on line {line.number}); probably meant 0 spaces")
    for level in reversed(levels):
        start = level.opener_column
        if (level.opener is not None and start is not None and level.column != line.indent
                and start + step == line.indent and level.is_list == line.content.startswith("-")):
            first = level.first
            return (f"{first.number}: YAML syntax error (indentation): {first.shown()} is "
                    f"indented {_spaces(first.indent - start)} more than "
                    f"{level.opener.shown()} on line {level.opener.number}, but the other "
                    f"lines of its block {_spaces(step)} more (like {line.shown()} on line "
                    f"{line.number}); probably meant {_spaces(line.indent)}")
    return None


def _misplaced(line: _Line, above: _Line, levels: list[_Level], step: int) -> str:
    """What is wrong with ``line``, whose indentation starts no block it could belong to."""
    where = f"{line.number}: YAML syntax error (indentation): {line.shown()}"
    column = above.item_indent if above.item_indent is not None else above.indent
    if line.indent > column and above.key is None and above.item_indent is None:
        return (f"{above.number}: YAML syntax error (indentation): {above.shown()} has no "
                f"':'; a key needs one to open the block indented below it (line "
                f"{line.number})")
    first_wrong = _set_wrong(line, levels, step)
    if first_wrong is not None:
        return first_wrong
    if line.indent > column:
        return (f"{where} is indented {_spaces(line.indent - column)} more than "
                f"{above.shown()} on line {above.number}, which already has its value on its "
                f"line; probably meant {_spaces(column)}, like {above.shown()}")
    item = line.content.startswith("-")
    fitting = [lv for lv in levels if lv.is_list == item and lv.column != line.indent] \
        or [lv for lv in levels if lv.column != line.indent]
    # the nearest column; at equal distance the deeper (a sibling's, not a parent's)
    fitting.sort(key=lambda lv: (abs(lv.column - line.indent), -lv.column))
    what = "list item" if item else "key"
    best = fitting[0]
    text = (f"{where} is indented {_spaces(line.indent)}, where no {what} above it starts; "
            f"probably meant {_spaces(best.column)}, like {best.first.shown()} on line "
            f"{best.first.number}")
    if len(fitting) > 1:
        other = fitting[1]
        text += (f" (or {_spaces(other.column)}, like {other.first.shown()} on line "
                 f"{other.first.number})")
    return text


def explain(text: str, error_line: int) -> str | None:
    """``"LINE: YAML syntax error (indentation): ..."`` for the indentation mistake that
    made parsing fail at ``error_line`` (1-based) of YAML ``text``, or None when the lines up
    to there are indented consistently."""
    tab = _tab(text, error_line)
    if tab is not None:
        return tab
    levels: list[_Level] = []
    above: _Line | None = None
    lines = [line for line in _block_lines(text) if line.number <= error_line]
    for index, line in enumerate(lines):
        item = line.content.startswith("-")
        opened = above is not None and above.opens_block and (
            line.indent > above.indent or (line.indent == above.indent and item))
        if above is None or opened:
            levels.append(_Level(line.indent, line, item, above))
        elif any(lv.column == line.indent and lv.is_list == item for lv in levels):
            levels = [lv for lv in levels if lv.column < line.indent
                      or (lv.column == line.indent and lv.is_list == item)]
        else:
            if len(lines) - 1 - index > _NEAR:
                return None  # far above the error: something this reading does not know
            return _misplaced(line, above, levels, _usual_step(text))
        if line.item_indent is not None and line.key is not None:
            levels.append(_Level(line.item_indent, line, False))  # the item's keys
        above = line
    return None
