"""Keep pytest's doctest collection (``--doctest-modules``) away from modules that cannot import.

The modules here are targets for ``neuron verify``, loaded by path in the tests; they have no
doctests. broken_import.py raises at import by design, and expit_based.py needs scipy.
"""

from __future__ import annotations

import importlib.util

collect_ignore = ["broken_import.py"]
if importlib.util.find_spec("scipy") is None:
    collect_ignore.append("expit_based.py")
