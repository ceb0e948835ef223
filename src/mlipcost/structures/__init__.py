"""Configurations: generated (crystals, diverse sets), imported from a file or from
another element (rescaled), checked, split into training and test halves, stored in
structures.h5 (``configurations``); ``stage`` is the workflow's glue.

The names of ``configurations`` are re-exported here, where users import them.
"""

from .configurations import *  # noqa: F403
from .configurations import __all__  # noqa: F401

