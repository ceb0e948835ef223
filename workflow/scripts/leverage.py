import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.models.linalg import blas_threads  # noqa: E402
from mlipcost.models.stage import run_leverage  # noqa: E402

with blas_threads(snakemake.threads):
    run_leverage(Path(snakemake.input.structures), [Path(p) for p in snakemake.input.descriptors],
                 [Path(p) for p in snakemake.input.labels], snakemake.params.energy_weight,
                 Path(snakemake.output[0]))
