"""The lock of a results folder: one command (and one thread) writes a folder at a time."""

from __future__ import annotations

import errno
import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from simulator.errors import FolderConflict
from simulator.spec.inputfiles import kind_problem

LOCK = ".waitsim.lock"
"""The file locked (flock) by the command writing the folder."""

_held: dict[tuple[int, Path], int] = {}
"""Folders locked in this process, by (thread, folder), and how many :func:`hold` blocks of
that thread hold each: only the thread holding a folder may enter it again."""
_holding = threading.Lock()
"""Guards :data:`_held`."""


def not_its_own(path: Path, what: str = "a symbolic link") -> FolderConflict:
    """The refusal of ``path``, ``what`` stands where waitsim keeps a file of its own."""
    return FolderConflict(f"{path}: {what} where waitsim keeps a file of its own; "
                          "nothing was changed. Remove it, or choose another --out")


def _in_use(out: Path) -> FolderConflict:
    return FolderConflict(f"{out}: in use by another waitsim command (it holds {out / LOCK}); "
                          "wait for it to finish, or choose another --out")


@contextmanager
def hold(out: Path, create: bool = False) -> Iterator[None]:
    """Hold the lock of the folder ``out`` (made first if ``create``) for the block: refused
    (:class:`FolderConflict`) while another command, or another thread of this process, holds
    it; the same thread may hold it again (nested blocks). The lock file is never a symbolic
    link (refused); on a read-only folder there is no lock."""
    where = (threading.get_ident(), out.resolve())
    with _holding:
        if where not in _held and any(path == where[1] for _, path in _held):
            raise _in_use(out)  # another thread of this process
        if where in _held:
            _held[where] += 1
            again = True
        else:
            again = False
    if again:
        try:
            yield
        finally:
            with _holding:
                _held[where] -= 1
        return
    if create:
        out.mkdir(parents=True, exist_ok=True)
    if (out / LOCK).is_symlink():
        raise not_its_own(out / LOCK)
    try:
        # O_NONBLOCK: a named pipe put there does not block the open (it is refused below).
        fd: int | None = os.open(out / LOCK, os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW
                                 | os.O_NONBLOCK, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise not_its_own(out / LOCK) from None
        if exc.errno not in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise
        fd = None
    try:
        if fd is not None:
            problem = kind_problem(os.fstat(fd).st_mode)
            if problem is not None:
                raise not_its_own(out / LOCK, f"something that {problem}")
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise _in_use(out) from None
        with _holding:
            if any(path == where[1] for _, path in _held):  # a thread came first
                raise _in_use(out)
            _held[where] = 1
        try:
            yield
        finally:
            with _holding:
                del _held[where]
    finally:
        if fd is not None:
            os.close(fd)  # closing releases the lock


