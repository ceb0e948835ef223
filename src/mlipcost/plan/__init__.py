"""Plan, then label: learning curves from a pilot (``curves``), the pilot and production
modes of the workflow (``pilot``, ``production``), and adaptive labelling in rounds
(``adaptive``).

The names of ``curves`` are re-exported here, where users import them.
"""

from .curves import *  # noqa: F403
from .curves import __all__  # noqa: F401

