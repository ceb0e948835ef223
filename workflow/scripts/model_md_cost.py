import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.models.run import run_model_md_cost  # noqa: E402

run_model_md_cost(Path(snakemake.input[0]), snakemake.params.settings, Path(snakemake.params.store),
                  snakemake.params.offline, Path(snakemake.output[0]),
                  work=Path(snakemake.params.work))
