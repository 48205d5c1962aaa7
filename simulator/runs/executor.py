"""Where tasks run: this process, a local process pool, or a Dask cluster (``--dask``).

Dask is optional (``pip install 'waitsim[dask]'``). Its client's ``get_executor()`` is a
``concurrent.futures.Executor``, so tasks take the same path as with the local pool
(:func:`simulator.runs.experiment.execute`), with the same seeds and results.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from typing import Any

from simulator.errors import InputError, WaitsimError
from simulator.version import __version__

CONNECT_SECONDS = 30
"""How long to wait for a Dask scheduler to answer."""


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


def check_dask(dask: str | None) -> None:
    """Refuse ``dask`` (:class:`InputError`) if it is asked for and not installed: checked
    before anything is written."""
    if dask is None:
        return
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise InputError("--dask needs dask.distributed, which is not installed: "
                         "pip install 'waitsim[dask]'") from None


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
    from distributed import Client, LocalCluster
    cluster = None
    if dask == "local":
        # The workers start with Ctrl-C ignored (inherited): Ctrl-C stops this process, which
        # then closes the cluster, instead of printing a traceback from every worker.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.ERROR)
        finally:
            signal.signal(signal.SIGINT, previous)
        client = Client(cluster)
    else:
        try:
            client = Client(dask, timeout=CONNECT_SECONDS)
        except (OSError, TimeoutError) as exc:
            raise WaitsimError(f"cannot reach the Dask scheduler at {dask}: {exc}") from None
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
