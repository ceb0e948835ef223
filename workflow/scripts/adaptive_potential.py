import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.plan.rounds import write_adaptive_potential  # noqa: E402

write_adaptive_potential(Path(snakemake.input.final), Path(snakemake.input.structures),
                         {int(j): [Path(p) for p in paths]
                          for j, paths in snakemake.params.descriptor_paths.items()},
                         [Path(p) for p in snakemake.input.labels], snakemake.params.config,
                         snakemake.params.adaptive,
                         Path(snakemake.output.coeff).with_suffix(""))
