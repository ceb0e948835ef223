import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.models.run import run_models_report  # noqa: E402

inp, out, params = snakemake.input, snakemake.output, snakemake.params
run_models_report([Path(p) for p in inp.models], [Path(p) for p in inp.md],
                  [Path(p) for p in inp.qsnap_md], Path(inp.summary),
                  [Path(p) for p in inp.whole_half], Path(inp.dft_rmsd),
                  reference_level=params.reference_level, levels=list(params.levels),
                  table_weights=dict(params.table_weights), store=Path(params.store),
                  front_stem=Path(out.front[0]).with_suffix(""),
                  whole_half_stem=Path(out.whole_half[0]).with_suffix(""),
                  sensitivity_stem=Path(out.sensitivity[0]).with_suffix(""),
                  claims_stem=Path(out.claims[0]).with_suffix(""),
                  front_plot=Path(out.front_plot), curves_plot=Path(out.curves_plot),
                  training_plot=Path(out.training_plot))
