"""Reading YAML with the line of every key, for error messages that point at the file.

PyYAML's safe loader is used with three changes that matter to scenario authors:

* duplicate keys are an error (PyYAML silently keeps the last one);
* ``12:30`` stays the string ``"12:30"`` (YAML 1.1 would read it as the base-60 number 750);
* only ``true``/``false`` are booleans (YAML 1.1 also reads ``on``, ``off``, ``yes``, ``no``).

Nothing read from YAML is ever evaluated as code: only the safe constructors are used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from simulator.errors import FieldPath as Path_
from simulator.errors import ScenarioError


@dataclass(frozen=True)
class Located:
    """Where a piece of YAML stands: file, 1-based line and column."""

    file: str
    line: int
    column: int


def _strict_resolvers() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    dropped = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool"}
    return {
        first: [(tag, rx) for tag, rx in resolvers if tag not in dropped]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


class _Loader(yaml.SafeLoader):
    """Safe loader without YAML 1.1's surprises (see the module docstring)."""


_Loader.yaml_implicit_resolvers = _strict_resolvers()
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        # no leading zero before more digits: 0777 is octal in YAML 1.1 (text here)
        r"^(?:[-+]?(?:0|[1-9][0-9_]*)(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.[0-9_]+(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


@dataclass
class YamlDocument:
    """A parsed YAML document and the position of every mapping key and sequence item."""

    data: Any
    file: str
    positions: dict[Path_, Located] = field(default_factory=dict)
    key_texts: dict[Path_, str] = field(default_factory=dict)
    """Keys that YAML reads as something other than text (``true``, ``1``), as written, by
    their path (with ``str`` of the key, as in :attr:`positions`)."""

    def _walk_path(self, path: Path_) -> Path_:
        # Parts that are not keys in the file (pydantic's union tags, for instance) are skipped.
        walked: Path_ = ()
        for part in path:
            if (*walked, str(part)) in self.positions:
                walked = (*walked, str(part))
        return walked

    def locate(self, path: Path_) -> Located:
        """Position of the deepest part of ``path`` written in the file: the closest line the
        user wrote."""
        return self.positions.get(self._walk_path(path), Located(self.file, 1, 1))

    def as_written(self, path: Path_) -> Path_:
        """``path`` with each key that is not text (``True``) as the file writes it
        (``true``)."""
        shown: list[str | int | float] = []
        walked: Path_ = ()
        for part in path:
            walked = (*walked, str(part))
            shown.append(self.key_texts.get(walked, part))
        return tuple(shown)

    def matched_depth(self, path: Path_) -> int:
        """How many parts of ``path`` were found in the file."""
        return len(self._walk_path(path))


def dotted(path: Path_) -> str:
    """``("stations", "teller", "servers")`` -> ``"stations.teller.servers"``."""
    return ".".join(str(p) for p in path) if path else "(top level)"


MAX_DEPTH = 64
"""Nesting deeper than this is refused (a scenario needs fewer than ten levels)."""
MAX_NODES = 200_000
"""Nodes (aliases expanded) a document may hold: refuses "billion laughs" alias bombs."""


class _Walker:
    """Records the position of every key and sequence item, and refuses duplicate keys,
    self-referencing aliases and documents that are too deep or too large."""

    def __init__(self, loader: _Loader, doc: YamlDocument) -> None:
        self.loader, self.doc = loader, doc
        self.on_path: set[int] = set()
        self.nodes = 0

    def fail(self, node: yaml.Node, path: Path_, message: str) -> ScenarioError:
        return ScenarioError(f"{self.doc.file}:{node.start_mark.line + 1}: {dotted(path)}: "
                             f"{message}")

    def key_of(self, key_node: yaml.Node) -> Any:
        if isinstance(key_node, yaml.ScalarNode):
            return self.loader.construct_object(key_node)
        return str(key_node.value)

    def walk(self, node: yaml.Node, path: Path_) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(node, path, f"the document expands to more than {MAX_NODES:,} "
                                        "values (aliases?); a scenario needs far fewer")
        if len(path) > MAX_DEPTH:
            raise self.fail(node, path, f"nested more than {MAX_DEPTH} levels deep")
        if id(node) in self.on_path:
            raise self.fail(node, path, "an alias refers to a block that contains it")
        if isinstance(node, yaml.MappingNode):
            children = self.mapping_children(node, path)
        elif isinstance(node, yaml.SequenceNode):
            children = [(str(i), item, item) for i, item in enumerate(node.value)]
        else:
            return
        self.on_path.add(id(node))
        for key, mark_node, child in children:
            here = (*path, key)
            mark = mark_node.start_mark
            self.doc.positions[here] = Located(self.doc.file, mark.line + 1, mark.column + 1)
            self.walk(child, here)
        self.on_path.discard(id(node))

    def mapping_children(self, node: yaml.MappingNode, path: Path_
                         ) -> list[tuple[str, yaml.Node, yaml.Node]]:
        seen: dict[Any, int] = {}
        children = []
        for key_node, value_node in node.value:
            key = self.key_of(key_node)
            if key in seen:
                raise self.fail(key_node, (*path, str(key)),
                                f"duplicate key (first given on line {seen[key]})")
            seen[key] = key_node.start_mark.line + 1
            if not isinstance(key, str) and isinstance(key_node, yaml.ScalarNode):
                self.doc.key_texts[tuple([*path, str(key)])] = str(key_node.value)
            children.append((str(key), key_node, value_node))
        return children


def _syntax_error(file: str, exc: yaml.MarkedYAMLError) -> ScenarioError:
    mark = exc.problem_mark or exc.context_mark
    line = f":{mark.line + 1}" if mark is not None else ""
    problem = exc.problem or exc.context or "invalid YAML"
    if exc.problem and exc.context and exc.context_mark is not None:
        opened = exc.context_mark.line + 1
        if mark is None or opened != mark.line + 1:
            problem += f" ({exc.context} that starts on line {opened})"
    return ScenarioError(f"{file}{line}: YAML syntax error: {problem}")


def parse_yaml(text: str, file: str) -> YamlDocument:
    """Parse one YAML document, recording key positions. Raises ScenarioError on bad YAML."""
    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        doc = YamlDocument(data=None, file=file)
        if node is not None:
            mark = node.start_mark
            doc.positions[()] = Located(file, mark.line + 1, mark.column + 1)
            _Walker(loader, doc).walk(node, ())
            doc.data = loader.construct_document(node)
        return doc
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(file, exc) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise ScenarioError(f"{file}:{line}: YAML error: character {chr(exc.character)!r} is not "
                            "allowed in a YAML file") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{file}: YAML error: {exc}") from None
    except RecursionError:
        raise ScenarioError(f"{file}: YAML error: nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()


def read_yaml_file(path: str | Path) -> YamlDocument:
    """Read and parse a YAML file, turning every way it can fail into a ScenarioError."""
    shown = str(path)
    p = Path(path)
    if not p.exists():
        raise ScenarioError(f"{shown}: no such file")
    if p.is_dir():
        raise ScenarioError(f"{shown}: is a directory, expected a YAML file")
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{shown}: cannot read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark (as some editors write) is fine
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"{shown}: not a text file (invalid UTF-8 at byte {exc.start}); expected YAML"
        ) from None
    if "\x00" in text:
        raise ScenarioError(f"{shown}: not a text file (contains NUL bytes); expected YAML")
    return parse_yaml(text, shown)
