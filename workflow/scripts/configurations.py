import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.structures.stage import make_configurations  # noqa: E402

make_configurations(snakemake.params.element, snakemake.params.settings, Path(snakemake.output[0]))
