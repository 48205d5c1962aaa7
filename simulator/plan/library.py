"""The bundled scenario library as starting points: ``waitsim init FILE --template NAME``.

The templates are the commented scenarios of the repository's ``scenarios/`` folder (a wheel
carries them inside the package, as ``simulator/scenarios``). A new file is a copy of one,
comments included, whose editor hint (the ``# yaml-language-server: $schema=...`` first line)
points at the shipped JSON Schema from the new file's folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from simulator.errors import InputError
from simulator.plan.loader import LoadedScenario, load_scenario

_PACKAGE = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATE = "bank_branch"
SCHEMA_HINT = re.compile(r"^# yaml-language-server: \$schema=\S+[ \t]*\n")
"""The first line that tells VS Code's YAML extension (and other editors using the YAML
language server) which JSON Schema the file follows."""


def _shipped(name: str) -> Path:
    """A folder the repository holds at its top (``scenarios``, ``schema``), found beside the
    package in a source checkout, or inside it in an installed wheel."""
    inside = _PACKAGE / name
    return inside if inside.is_dir() else _PACKAGE.parent / name


def schema_file() -> Path:
    """The shipped JSON Schema of scenario files."""
    return _shipped("schema") / "scenario.schema.json"


def templates() -> dict[str, Path]:
    """The bundled scenarios by name (file name without ``.yaml``), in name order."""
    folder = _shipped("scenarios")
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def schema_hint(folder: Path) -> str:
    """The editor's schema line for a scenario file in ``folder``: the shipped schema by a
    relative path when one exists (same drive), else by its absolute path."""
    target = schema_file().resolve()
    try:
        where = Path(os.path.relpath(target, folder.resolve())).as_posix()
    except ValueError:  # Windows: another drive has no relative path
        where = target.as_uri()
    return f"# yaml-language-server: $schema={where}\n"


def write_template(target: Path, name: str = DEFAULT_TEMPLATE) -> LoadedScenario:
    """Write template ``name`` to ``target`` (refused when ``target`` exists) and load it back:
    the file written validates. Raises :class:`InputError` for an unknown template, an
    existing file or a folder that does not exist."""
    known = templates()
    if name not in known:
        raise InputError(f"--template {name}: no such template (templates: "
                         f"{', '.join(known)})")
    if target.exists() or target.is_symlink():
        raise InputError(f"{target}: already exists; waitsim init never overwrites a file "
                         "(choose another name, or remove it first)")
    if not target.parent.is_dir():
        raise InputError(f"{target.parent}: no such folder")
    text = SCHEMA_HINT.sub("", known[name].read_text(encoding="utf-8"), count=1)
    try:
        with target.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(schema_hint(target.parent) + text)
    except OSError as exc:
        raise InputError(f"{target}: cannot write: {exc.strerror}") from None
    return load_scenario(target)
