"""``python -m proofs.checks``: run the checks, one line per check (see machinery.main)."""

import sys

from . import main

sys.exit(main())
