import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.axes.stage import run_mixed_comparison  # noqa: E402

out = snakemake.output
run_mixed_comparison([Path(p) for p in snakemake.input.sweeps],
                     [Path(p) for p in snakemake.input.mixed],
                     front_samplers=snakemake.params.front_samplers,
                     points_csv=Path(out.points[0]), table_stem=Path(out.table[0]).with_suffix(""),
                     plot=Path(out.plot))
