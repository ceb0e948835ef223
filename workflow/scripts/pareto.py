import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.stages import run_pareto  # noqa: E402

run_pareto([Path(p) for p in snakemake.input.sweeps], Path(snakemake.output.front).parent,
           snakemake.params.reference_level, md_paths=[Path(p) for p in snakemake.input.md])
