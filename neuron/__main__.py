"""``python -m neuron``: the same as the ``neuron`` command."""

import sys

from neuron.cli import main

sys.exit(main())
