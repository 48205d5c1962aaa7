"""Seeded random streams, one per random source and replication.

Stream ``name`` of replication ``r`` under root seed ``S`` is seeded by
``SeedSequence(S, spawn_key=(r, key(name)))``: the ``r``-th child that ``SeedSequence(S).spawn``
would give, spawned once more by a stable 64-bit key of the name. Nothing depends on the
variant, the order streams are created in, or the worker that runs the replication, so:

* the same seed gives the same results on any number of workers;
* variants share random numbers (common random numbers): a customer of a class draws its
  arrival, service times, patience and balking from the same streams in every variant,
  whatever the number of servers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from itertools import chain

import numpy as np

BLOCK = 1024
"""Values drawn from numpy at a time; handing them out one by one is then cheap."""


def mean_one_lognormal(normals: np.ndarray, sd: float | np.ndarray) -> np.ndarray:
    """Multipliers with mean 1 and log-sd ``sd`` from standard normal draws (customers' own
    time sense and expectation): ``exp(sd x z - sd^2 / 2)``."""
    return np.exp(sd * normals - sd * sd / 2)


def stream_key(name: str) -> int:
    """A stable 64-bit key of a stream name (Python's ``hash`` is salted per process)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")


def stream_seed(root_seed: int, replication: int, name: str) -> np.random.SeedSequence:
    return np.random.SeedSequence(root_seed, spawn_key=(replication, stream_key(name)))


class Streams:
    """The random streams of one replication, created on first use, by name."""

    def __init__(self, root_seed: int, replication: int) -> None:
        self.root_seed = root_seed
        self.replication = replication

    def generator(self, name: str) -> np.random.Generator:
        return np.random.Generator(np.random.PCG64(stream_seed(self.root_seed, self.replication,
                                                               name)))

    def draws(self, name: str, sample: Callable[[np.random.Generator, int], np.ndarray]
              ) -> Iterator[float]:
        """An endless iterator of Python floats from ``sample(rng, n)``, drawn in blocks."""
        rng = self.generator(name)
        blocks = iter(lambda: sample(rng, BLOCK).tolist(), None)
        return chain.from_iterable(blocks)

    def uniforms(self, name: str) -> Iterator[float]:
        """Endless U(0, 1) draws."""
        return self.draws(name, lambda rng, n: rng.random(n))
