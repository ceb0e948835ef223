import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.analysis.stage import run_tables  # noqa: E402

out = snakemake.output
stem = lambda table: Path(table[0]).with_suffix("")  # noqa: E731  (a table's files share it)
run_tables(Path(snakemake.input.structures), [Path(p) for p in snakemake.input.labels],
           snakemake.params.config, ladder_stem=stem(out.ladder), rmsd_stem=stem(out.rmsd),
           metrics_stem=stem(out.metrics), bayerl_stem=stem(out.bayerl),
           failures_stem=stem(out.failures), parity_plot_path=Path(out.parity))
