import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.plan.rounds import run_round  # noqa: E402

run_round(int(snakemake.wildcards.round), Path(snakemake.input.structures),
          {int(j): [Path(p) for p in paths]
           for j, paths in snakemake.params.descriptor_paths.items()},
          [Path(p) for p in snakemake.input.labels], snakemake.params.config,
          snakemake.params.adaptive, snakemake.params.reference_level, Path(snakemake.output[0]))
