import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.structures.stage import make_structures  # noqa: E402

make_structures(snakemake.params.element, snakemake.params.settings, snakemake.params.split,
                Path(snakemake.output[0]))
