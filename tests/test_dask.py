"""``--dask``: a malformed address is a bad option (exit 2, nothing written); ``--dask local``
is closed to the other processes of the machine (TLS with temporary credentials, no HTTP
page). Tests that start a cluster skip where the ``dask`` extra is not installed."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from bad_scenarios import BASE

import simulator
from simulator.cli import main
from simulator.errors import InputError
from simulator.runs.executor import address_problem, open_executor


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(BASE, encoding="utf-8")
    return path


@pytest.mark.parametrize(("address", "problem"), [
    ("localhost:99999", "has a port outside 1-65535"),
    ("http://127.0.0.1:8787", "unknown protocol 'http'"),
    ("tcp://", "is not a scheduler address"),
    ("tcp://host name:8786", "is not a scheduler address"),
    ("127.0.0.1:8786/status", "is not a scheduler address"),
    ("", "is not a scheduler address"),
])
def test_a_malformed_address_is_a_bad_option(address: str, problem: str, scenario: Path,
                                             tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--dask", address, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"argument --dask: {address!r} " in err and problem in err, err
    assert "give 'local' or a scheduler's address, e.g. tcp://10.0.0.5:8786" in err, err
    assert "Traceback" not in err and not out.exists()
    with pytest.raises(InputError, match=f"^--dask {re.escape(address)}: .*{re.escape(problem)}"):
        simulator.run(scenario, dask=address, out=out)  # the Python API says the same
    assert not out.exists()


@pytest.mark.parametrize("address", ["tcp://10.0.0.5:8786", "tls://sched.example.org:8786",
                                     "sched-1:8786", "[::1]:8786", "ws://127.0.0.1:8786",
                                     "localhost"])
def test_well_formed_addresses(address: str) -> None:
    assert address_problem(address) is None


def test_a_local_cluster_is_closed_to_other_processes() -> None:
    pytest.importorskip("distributed")
    pytest.importorskip("cryptography")
    from distributed import Client

    with open_executor("local", 1) as (executor, workers):
        client = executor._client  # type: ignore[attr-defined]
        address = client.scheduler.address
        assert address.startswith("tls://127.0.0.1:"), address
        # Another process knows the address but not the credentials held in memory here.
        with pytest.raises((OSError, TypeError, ValueError)):
            Client(address, timeout=3)
        # The HTTP servers (scheduler and workers) serve no page: no dashboard, no /info.
        http = [client.cluster.scheduler.http_server]
        ports = [sock.getsockname()[1] for server in http for sock in server._sockets.values()]
        ports += [port for sockets in client.run(
            lambda dask_worker: [s.getsockname()[1]
                                 for s in dask_worker.http_server._sockets.values()]).values()
                  for port in sockets]
        assert ports
        for port in ports:
            for page in ("/", "/info/main/workers.html", "/health", "/metrics", "/status"):
                with pytest.raises(urllib.error.HTTPError, match="404"):
                    urllib.request.urlopen(f"http://127.0.0.1:{port}{page}", timeout=5)
        assert workers == 1
        assert executor.submit(sum, [1, 2]).result(timeout=30) == 3
