"""Where tasks run: this process, a local process pool, or a Dask cluster (``--dask``).

Dask is optional (``pip install 'waitsim[dask]'``). Its client's ``get_executor()`` is a
``concurrent.futures.Executor``, so tasks take the same path as with the local pool
(:func:`simulator.runs.experiment.execute`), with the same seeds and results.

A Dask scheduler runs whatever code its clients send, on every worker, and what comes back
from it is unpickled here: waitsim connects only to the address it is given (connect only
to a scheduler you trust), and its own ``--dask local`` cluster takes no code from other
processes on the machine: it talks TLS with temporary credentials held in memory (a process
without them cannot connect), and its HTTP servers serve no page (no dashboard, no
``/info`` page naming the scheduler).
"""

from __future__ import annotations

import logging
import re
import signal
import warnings
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from typing import Any

from simulator.errors import InputError, WaitsimError
from simulator.version import __version__

CONNECT_SECONDS = 5
"""How long to wait for a Dask scheduler to answer (a scheduler on a network answers in
well under a second; an address nobody listens on fails after this)."""
SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")
"""The protocols of a scheduler address Dask knows (``tcp://`` when none is written)."""
_ADDRESS = re.compile(r"(?:(?P<scheme>[a-z]+)://)?"
                      r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*)"
                      r"(?::(?P<port>[0-9]{1,5}))?")


def _waitsim_version() -> str:
    """Run on each worker: import what a task needs (once, before any task) and say which
    waitsim it has."""
    import simulator.runs.experiment  # noqa: F401

    return __version__


def _check_workers(client: Any, where: str) -> None:
    """Every worker imports waitsim now (its start-up cost is not paid by the first tasks)
    and has this version: a worker without it fails here, clearly, not in every task."""
    try:
        versions = client.run(_waitsim_version)
    except Exception as exc:
        raise WaitsimError(f"the Dask workers at {where} cannot import waitsim ({exc}); "
                           "install the same waitsim on every worker") from None
    other = {v for v in versions.values() if v != __version__}
    if other:
        raise WaitsimError(f"the Dask workers at {where} have waitsim {', '.join(sorted(other))}"
                           f", this is {__version__}: install the same version everywhere")


def address_problem(address: str) -> str | None:
    """Why ``address`` is neither ``local`` nor a scheduler address (``tcp://host:8786``,
    ``tls://host:port``, ``host:port``), or None."""
    match = _ADDRESS.fullmatch(address)
    if address == "local":
        return None
    if match is None:
        problem = "is not a scheduler address"
    elif match["scheme"] is not None and match["scheme"] not in SCHEMES:
        problem = f"has an unknown protocol '{match['scheme']}' (known: {', '.join(SCHEMES)})"
    elif match["port"] is not None and not 0 < int(match["port"]) < 65536:
        problem = "has a port outside 1-65535"
    else:
        return None
    return f"{problem}; give 'local' or a scheduler's address, e.g. tcp://10.0.0.5:8786"


def check_dask(dask: str | None) -> None:
    """Refuse ``dask`` (:class:`InputError`) if it is asked for and not installed, or is
    not ``local`` nor a scheduler address: checked before anything is written."""
    if dask is None:
        return
    problem = address_problem(dask)
    if problem is not None:
        raise InputError(f"--dask {dask[:100]}: {problem}")
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise InputError("--dask needs dask.distributed, which is not installed: "
                         "pip install 'waitsim[dask]'") from None


def _local_cluster(workers: int) -> Any:
    """A ``LocalCluster`` of ``workers`` processes of one thread each (simulation is pure
    Python: threads would share one core), closed to other processes (see the module's
    docstring)."""
    import dask
    from distributed import LocalCluster

    no_pages: dict[str, list[str]] = {"distributed.scheduler.http.routes": [],
                                      "distributed.worker.http.routes": []}
    # The workers start with Ctrl-C ignored (inherited): Ctrl-C stops this process, which
    # then closes the cluster, instead of printing a traceback from every worker.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with dask.config.set(no_pages), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "port 8787 is in use": no page is served anyway
            return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                dashboard_address=None, security=True,
                                silence_logs=logging.ERROR)
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def open_executor(dask: str | None, workers: int) -> Iterator[tuple[Executor | None, int]]:
    """``(executor, workers)`` to run tasks with, closed on leaving.

    ``dask`` None: no executor (the runner uses ``workers`` local processes, or this
    process for one). ``"local"``: a Dask ``LocalCluster`` of ``workers`` processes with one
    thread each (simulation is pure Python: threads would share one core). Anything else: the
    address of a running Dask scheduler (``tcp://host:8786``); ``workers`` is then the number
    of threads its workers have.
    """
    if dask is None:
        yield None, workers
        return
    check_dask(dask)
    from distributed import Client

    cluster = None
    if dask == "local":
        cluster = _local_cluster(workers)
        client = Client(cluster)  # with the cluster's credentials
    else:
        try:
            client = Client(dask, timeout=CONNECT_SECONDS)
        except (OSError, TimeoutError) as exc:
            raise InputError(f"--dask {dask}: no Dask scheduler answered within "
                             f"{CONNECT_SECONDS} s ({type(exc).__name__}); is it running, and "
                             "is the address right?") from None
        except (ValueError, TypeError) as exc:  # e.g. tls:// without credentials configured
            raise InputError(f"--dask {dask}: cannot connect ({exc})") from None
    try:
        threads = sum(client.nthreads().values())
        if threads == 0:
            raise WaitsimError(f"the Dask scheduler at {dask} has no workers")
        _check_workers(client, dask)
        yield client.get_executor(), threads
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
