"""``python -m simulator`` is the ``waitsim`` command."""

from simulator.entry import console

console()
