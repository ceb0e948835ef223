import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.axes.stage import run_noise_summary  # noqa: E402

out = snakemake.output
run_noise_summary([Path(p) for p in snakemake.input], curves_csv=Path(out.curves[0]),
                  table_stem=Path(out.table[0]).with_suffix(""), plot=Path(out.plot))
