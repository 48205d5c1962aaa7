"""``python -m simulator`` is the ``waitsim`` command."""

import sys

from simulator.cli import main

sys.exit(main())
