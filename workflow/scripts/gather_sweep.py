import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.models.stage import gather_sweep  # noqa: E402

gather_sweep([Path(p) for p in snakemake.input], Path(snakemake.output[0]))
