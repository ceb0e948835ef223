import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.models.run import run_multifidelity_report  # noqa: E402

inp, out = snakemake.input, snakemake.output
run_multifidelity_report([Path(p) for p in inp.multifidelity], [Path(p) for p in inp.models],
                         Path(inp.qsnap_mixed[0]) if inp.qsnap_mixed else None,
                         levels=list(snakemake.params.levels), points_out=Path(out.points[0]),
                         table_stem=Path(out.table[0]).with_suffix(""), plot=Path(out.plot))
