import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.models.linalg import blas_threads  # noqa: E402
from mlipcost.models.stage import run_fit_sweep  # noqa: E402

block = None
if "sampler" in snakemake.wildcards.keys():
    block = (snakemake.wildcards.sampler, int(snakemake.wildcards.lo), int(snakemake.wildcards.hi))
with blas_threads(snakemake.threads):
    run_fit_sweep(Path(snakemake.input.structures), [Path(p) for p in snakemake.input.descriptors],
                  [Path(p) for p in snakemake.input.labels], Path(snakemake.input.leverage),
                  snakemake.params.config, Path(snakemake.output[0]), block=block,
                  halves_path=Path(snakemake.input.halves) if "halves" in snakemake.input.keys()
                  else None)
