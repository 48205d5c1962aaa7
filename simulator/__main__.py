"""``python -m simulator`` is the ``waitsim`` command."""

import sys

from .cli import main

sys.exit(main())
