"""qSNAP descriptors from LAMMPS (``snap``: the descriptor file, its parts, the reference
potential's rows); ``stage`` computes them and the leverage scores.

The names of ``snap`` are re-exported here, where users import them.
"""

from .snap import *  # noqa: F403
from .snap import __all__  # noqa: F401

