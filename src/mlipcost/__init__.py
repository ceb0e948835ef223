"""mlipcost: how much DFT, at which convergence, for which qSNAP model, buys which accuracy at which cost."""

__version__ = "0.1.0"
SCHEMA_VERSION = 1
