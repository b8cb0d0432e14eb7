"""``python -m lachin_sim`` is the same as the ``lachin-sim`` command."""

import sys

from lachin_sim.cli import main

sys.exit(main())
