"""The ``waitsim`` command's entry point (also ``python -m simulator``).

Importing this module takes Ctrl-C in hand, before anything else loads: a Ctrl-C while
Python loads the command (argparse, then numpy, scipy and pandas: over a second) or while it
exits ends the process with exit code 130 and one line, never a traceback. While a command
runs, :func:`simulator.cli.main` handles Ctrl-C (as ``KeyboardInterrupt``, so that what is
under way is cleaned up). Only the command's process imports this module.
"""

from __future__ import annotations

import _thread
import atexit
import functools
import os
import signal
import sys
from contextlib import suppress

from simulator.errors import EXIT_INTERRUPTED, INTERRUPTED

TYPE_CHECKING = False  # typing is not loaded yet: the less before Ctrl-C is handled, the better
if TYPE_CHECKING:
    from typing import Any, NoReturn


def _say_and_exit(signum: int = signal.SIGINT, frame: object = None) -> None:
    os.write(2, (INTERRUPTED + "\n").encode())  # not print: it may be writing already
    os._exit(EXIT_INTERRUPTED)


def _exit_at_once(signum: int, frame: object) -> None:
    os._exit(EXIT_INTERRUPTED)  # the one line is printed already


_TAKEN = signal.getsignal(signal.SIGINT) is signal.default_int_handler
"""Whether Ctrl-C is ours to handle (not when it is ignored, as in a background job)."""
if _TAKEN:  # from now until the command runs: the console script's own lines included
    signal.signal(signal.SIGINT, _say_and_exit)


def _unraisable(unraisable: Any) -> None:
    """A Ctrl-C that Python delivered inside a finalizer (``__del__``, a weak-reference
    callback) would be printed with a traceback and otherwise ignored: it is raised again,
    in the command's own code."""
    if issubclass(unraisable.exc_type, KeyboardInterrupt):
        import threading  # loaded long ago by now

        # From another thread, a moment later: not inside this finalizer, nor this hook. A
        # signal to the main thread wakes it from a wait (interrupt_main would not).
        main = threading.main_thread().ident
        again = (functools.partial(signal.pthread_kill, main, signal.SIGINT)
                 if hasattr(signal, "pthread_kill") and main is not None
                 else _thread.interrupt_main)
        threading.Timer(0.05, again).start()
    else:
        sys.__unraisablehook__(unraisable)


def console() -> NoReturn:
    """Run the ``waitsim`` command line and exit with its code."""
    from simulator.cli import main

    if _TAKEN:
        sys.unraisablehook = _unraisable
        signal.signal(signal.SIGINT, signal.default_int_handler)
    code = main()  # handles Ctrl-C while the command runs
    if _TAKEN:  # a Ctrl-C from here on ends at once
        signal.signal(signal.SIGINT,
                      _exit_at_once if code == EXIT_INTERRUPTED else _say_and_exit)
    # main() has cleaned up (pools shut down, clusters closed, files in place). Python's own
    # exit would set Ctrl-C back to its default before a long teardown of the modules (a
    # Ctrl-C then ends the process by the signal, without the line): the exit functions run
    # here, Ctrl-C still handled, and the process ends without the teardown.
    with suppress(Exception):
        atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
