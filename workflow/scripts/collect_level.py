import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.dft.stage import run_collect_level  # noqa: E402

run_collect_level(Path(snakemake.input.structures), [Path(p) for p in snakemake.input.chunks],
                  snakemake.params.max_failed_fraction, Path(snakemake.output.h5),
                  Path(snakemake.output.xyz))
