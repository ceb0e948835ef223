import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.stages import run_pareto  # noqa: E402

paths = lambda files: [Path(p) for p in files]  # noqa: E731
run_pareto(paths(snakemake.input.sweeps), Path(snakemake.output.front).parent,
           snakemake.params.reference_level, md_paths=paths(snakemake.input.md),
           front_samplers=snakemake.params.front_samplers,
           sampler_weight=snakemake.params.sampler_weight,
           whole_half_paths=paths(snakemake.input.whole_half),
           residual_paths=paths(snakemake.input.residuals),
           correlation_paths=paths(snakemake.input.correlation),
           table_weights=snakemake.params.table_weights)
