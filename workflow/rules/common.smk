import sys
from pathlib import Path

# The package lives in src/; an installed copy (pip install -e .) is used first when present.
sys.path.append(str(Path(workflow.basedir) / "src"))

from mlipcost.config import check_config, level_names
from mlipcost.dft.labels import n_chunks

check_config(config)

LEVELS = level_names(config)
TWOJMAX = [int(j) for j in config["descriptors"]["twojmax"]]
N_CHUNKS = n_chunks(config["structures"]["n_configs"], config["dft"].get("chunk_size", 10))


wildcard_constraints:
    level="|".join(LEVELS),
    chunk=r"\d+",
    twojmax=r"\d+",


def label_files():
    return expand("results/labels/level{level}.h5", level=LEVELS)
