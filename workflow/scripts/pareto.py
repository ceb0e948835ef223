import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.analysis.stage import run_pareto  # noqa: E402

out = snakemake.output
paths = lambda files: [Path(p) for p in files]  # noqa: E731
stem = lambda table: Path(table[0]).with_suffix("")  # noqa: E731  (a table's files share it)
run_pareto(paths(snakemake.input.sweeps), snakemake.params.reference_level,
           summary_csv=Path(out.summary[0]), front_stem=stem(out.front),
           bands_stem=stem(out.bands),
           front_plots=dict(zip(snakemake.params.twojmax, paths(out.plots))),
           learning_plot=Path(out.learning), md_paths=paths(snakemake.input.md),
           front_samplers=snakemake.params.front_samplers,
           sampler_weight=snakemake.params.sampler_weight,
           whole_half_paths=paths(snakemake.input.whole_half),
           pareto_2d_plot=Path(out.pareto_2d), error_vs_level_plot=Path(out.error_vs_level),
           residual_paths=paths(snakemake.input.residuals),
           correlation_paths=paths(snakemake.input.correlation),
           residual_stem=stem(out.residual_table), residual_plot=Path(out.residual_plot),
           table_weights=snakemake.params.table_weights)
