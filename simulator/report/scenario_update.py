"""Setting parameter values in a scenario file while keeping everything else as written.

The file is edited as text, line by line, at the positions the scenario reader gives for every
key (:func:`simulator.spec.yamlsource.parse_yaml`): a value already set is replaced on its own
line, a new one is added under its block, a missing block is added where it belongs. Every
other line (comments, blank lines, quoting, flow mappings wrapped by hand) stays byte for byte.
A YAML round-trip library re-flows hand-wrapped flow mappings (five of the six bundled
scenarios have some), which is why the edit is done on the text.

Only blocks of scalar values (or ``[low, high]`` ranges) are edited (``perception:``,
``satisfaction:``, a class's ``expected_wait``, ``uncertainty.ranges``); a block written as a
flow mapping (``perception: {time_sense_sd: 0}``) is rewritten in block style so that each
value can carry its comment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from simulator.errors import FieldPath, ScenarioError
from simulator.spec.yamlsource import YamlDocument, dotted, parse_yaml

COMMENT_COLUMN = 36
"""Column where an added comment starts, as in the bundled scenarios (further right when the
value is longer)."""

Setting = tuple[float | tuple[float, float], str]
"""A value (a number, or a range written ``[low, high]``) and the comment written beside it."""


def _line(indent: int, key: str, value: Any, comment: str = "") -> str:
    text = f"{' ' * indent}{key}: {value}"
    if comment:
        text = f"{text.ljust(COMMENT_COLUMN - 1)} # {comment}"
    return text + "\n"


def _scalar(value: Any) -> str:
    """A scalar of a flow mapping as YAML writes it in block style."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _format(value: float | tuple[float, float]) -> str:
    if isinstance(value, tuple):
        return f"[{', '.join(_format(end) for end in value)}]"
    return f"{value:.4g}"


def _node(doc: YamlDocument, path: FieldPath) -> Any:
    node = doc.data
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _children(doc: YamlDocument, path: FieldPath) -> list[FieldPath]:
    return [p for p in doc.positions if len(p) == len(path) + 1 and p[:len(path)] == path]


def _flow_end(lines: list[str], line: int, column: int) -> tuple[int, int]:
    """Line and column just past the ``}`` closing the flow mapping that opens at or after
    ``column`` of ``line`` (0-based)."""
    depth = 0
    for i in range(line, len(lines)):
        start = column if i == line else 0
        for j, char in enumerate(lines[i][start:], start=start):
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    return i, j + 1
    raise ScenarioError(f"line {line + 1}: unclosed flow mapping")


def _to_block_style(text: str, doc: YamlDocument, path: FieldPath) -> str:
    """The flow mapping at ``path`` rewritten one key a line (a comment after it is kept on
    the block's first line)."""
    lines = text.splitlines(keepends=True)
    where = doc.positions[path]
    first = where.line - 1
    brace = lines[first].index("{", where.column - 1)
    last, end = _flow_end(lines, first, brace)
    rest = lines[last][end:].rstrip("\n").strip()
    head = lines[first][:brace].rstrip() + (f"  {rest}" if rest else "") + "\n"
    indent = where.column - 1 + 2
    body = [_line(indent, str(key), _scalar(value)) for key, value in _node(doc, path).items()]
    return "".join([*lines[:first], head, *body, *lines[last + 1:]])


def _insert_block(text: str, doc: YamlDocument, path: FieldPath) -> str:
    """An empty block ``path[-1]:`` added to its parent mapping: at the top level before
    ``customers:`` (and the comments just above it), in a class first after its name."""
    lines = text.splitlines(keepends=True)
    parent, key = path[:-1], str(path[-1])
    siblings = _children(doc, parent)
    if not parent:
        anchor = doc.positions.get(("customers",)) or doc.positions[siblings[-1]]
        at = anchor.line - 1
        while at > 0 and (not lines[at - 1].strip() or lines[at - 1].lstrip().startswith("#")):
            at -= 1
        block = [f"{key}:\n"]
        if at and lines[at - 1].strip():  # a blank line around the new block
            block.insert(0, "\n")
        if at < len(lines) and lines[at].strip():
            block.append("\n")
    else:
        header = doc.positions[parent]
        columns = {doc.positions[s].line for s in siblings}
        if header.line in columns:
            raise ScenarioError(f"{doc.file}:{header.line}: {dotted(parent)}: written as a flow "
                                "mapping; write it one key a line to let calibrate add to it")
        at = header.line
        indent = (doc.positions[siblings[0]].column - 1 if siblings else header.column + 1)
        block = [f"{' ' * indent}{key}:\n"]
    return "".join([*lines[:at], *block, *lines[at:]])


def set_values(text: str, file: str, path: FieldPath, values: Mapping[str, Setting]) -> str:
    """``text`` with each ``name: value  # comment`` of ``values`` set in the mapping at
    ``path`` (not empty; created when missing); every other line as it was."""
    doc = parse_yaml(text, file)
    for depth in range(1, len(path) + 1):  # the block and any block above it that is missing
        if path[:depth] not in doc.positions:
            text = _insert_block(text, doc, path[:depth])
            doc = parse_yaml(text, file)
    block = _node(doc, path)
    if block is not None and not isinstance(block, dict):
        where = doc.positions[path]
        raise ScenarioError(f"{file}:{where.line}: {dotted(path)}: expected a mapping")
    children = _children(doc, path)
    if block == {} or any(doc.positions[c].line == doc.positions[path].line
                          for c in children):
        text = _to_block_style(text, doc, path)
        doc = parse_yaml(text, file)
        children = _children(doc, path)
    lines = text.splitlines(keepends=True)
    indent = (doc.positions[children[0]].column - 1 if children
              else doc.positions[path].column + 1)
    nested = any(isinstance(v, dict | list) for v in (block or {}).values())
    # Added keys go after the last one, or first when a value spans lines (a nested block).
    last = (doc.positions[path].line if nested or not children
            else max(doc.positions[c].line for c in children))
    added: list[str] = []
    for name, (value, comment) in values.items():
        key_at = doc.positions.get((*path, name))
        if key_at is None:
            added.append(_line(indent, name, _format(value), comment))
            continue
        old = lines[key_at.line - 1]
        if not re.match(rf"\s*{re.escape(name)}\s*:\s*[^\s#]", old):
            raise ScenarioError(f"{file}:{key_at.line}: {dotted((*path, name))}: the value is "
                                "not on the key's line; write it there to let calibrate set it")
        lines[key_at.line - 1] = _line(key_at.column - 1, name, _format(value), comment)
    lines[last:last] = added
    return "".join(lines)
