import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.stages import run_fit_sweep  # noqa: E402

run_fit_sweep(Path(snakemake.input.structures), Path(snakemake.input.descriptors),
              [Path(p) for p in snakemake.input.labels], Path(snakemake.input.leverage),
              snakemake.params.config, Path(snakemake.output[0]))
