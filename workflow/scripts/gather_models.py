import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.models.run import gather_models  # noqa: E402

gather_models([Path(p) for p in snakemake.input], Path(snakemake.output[0]))
