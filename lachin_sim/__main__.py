"""``python -m lachin_sim`` is the same as the ``lachin-sim`` command."""

import sys

from .cli import main

sys.exit(main())
