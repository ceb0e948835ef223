import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.analysis.stage import run_paper_comparison  # noqa: E402

out = snakemake.output
stem = lambda table: Path(table[0]).with_suffix("")  # noqa: E731  (a table's files share it)
run_paper_comparison(Path(snakemake.input[0]), front_plot=Path(out.front),
                     pareto_2d_plot=Path(out.pareto_2d), learning_plot=Path(out.learning),
                     table4_stem=stem(out.table4), table5_stem=stem(out.table5))
