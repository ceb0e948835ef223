import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.plan.pilot import run_pool_order  # noqa: E402

run_pool_order(Path(snakemake.input.structures), Path(snakemake.input.descriptors),
               float(snakemake.params.energy_weight), snakemake.params.score,
               int(snakemake.params.seed), Path(snakemake.output[0]))
