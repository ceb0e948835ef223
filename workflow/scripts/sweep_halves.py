import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.models.linalg import blas_threads  # noqa: E402
from mlipcost.models.stage import run_sweep_halves  # noqa: E402

with blas_threads(snakemake.threads):
    run_sweep_halves(Path(snakemake.input.structures), [Path(p) for p in snakemake.input.descriptors],
                     [Path(p) for p in snakemake.input.labels], Path(snakemake.input.leverage),
                     snakemake.params.config, Path(snakemake.output[0]))
