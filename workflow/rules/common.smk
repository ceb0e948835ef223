import sys
from pathlib import Path

# The package lives in src/; an installed copy (pip install -e .) is used first when present.
sys.path.append(str(Path(workflow.basedir) / "src"))

from mlipcost.config import (check_config, computed_levels, imported_levels, level_entry,
                             level_names)
from mlipcost.dft.labels import n_chunks

check_config(config)

LEVELS = level_names(config)
COMPUTED_LEVELS = computed_levels(config)
IMPORTED_LEVELS = imported_levels(config)
TWOJMAX = [int(j) for j in config["descriptors"]["twojmax"]]


def n_configurations():
    if "n_configs" in config["structures"]:
        return config["structures"]["n_configs"]
    if not COMPUTED_LEVELS:
        return 0  # every level is imported: no DFT chunks to plan
    from mlipcost.importers import count_configurations

    return count_configurations(config["structures"])


N_CHUNKS = n_chunks(n_configurations(), config["dft"].get("chunk_size", 10)) if COMPUTED_LEVELS else 0


def one_of(names):
    """A wildcard regex matching exactly these names (none: matches nothing)."""
    import re

    return "|".join(re.escape(n) for n in names) if names else "(?!)"


wildcard_constraints:
    level="|".join(LEVELS),
    chunk=r"\d+",
    twojmax=r"\d+",


def label_files():
    return expand("results/labels/level{level}.h5", level=LEVELS)
