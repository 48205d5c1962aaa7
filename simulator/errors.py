"""The one error hierarchy of waitsim.

Every error the command line expects is a :class:`WaitsimError`; its ``exit_code`` is the
process's exit code. :class:`InputError` and its subclasses (a bad scenario, sweep or survey
file, a bad option, a results folder that cannot be used, a missing optional dependency) exit
with 2; anything else exits with 1. ``str(error)`` is the whole message shown to the user.
"""

from __future__ import annotations

EXIT_INTERRUPTED = 130
"""The exit code after Ctrl-C (128 + SIGINT, as shells report it)."""
INTERRUPTED = ("waitsim: interrupted; finished replications are saved, and running the same "
               "command again resumes from them")
"""The one line printed on Ctrl-C."""

FieldPath = tuple[str | int | float, ...]
"""A path into a YAML document: mapping keys and sequence indices."""


class WaitsimError(Exception):
    """A failure waitsim reports in one line (exit code 1)."""

    exit_code = 1


class InputError(WaitsimError):
    """Invalid input: the message names the file, line and field, or the option, and says what
    was expected (exit code 2)."""

    exit_code = 2


class ScenarioError(InputError):
    """A scenario, sweep or data file that cannot be used as it is."""


class ResultsError(InputError):
    """A folder that is not a complete waitsim results folder, or a file missing from it."""


class FolderConflict(InputError):
    """A results folder that a run may not write into as asked: it holds files waitsim did not
    write, another run's results that the run would remove (without ``--replace``), or it is in
    use by another run."""


class PlanError(WaitsimError):
    """A scenario whose parts do not fit together; ``path`` is the YAML field at fault. The
    loader turns it into a :class:`ScenarioError` at that field's line."""

    def __init__(self, path: FieldPath, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
