import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.models.stage import run_model_tables  # noqa: E402

out = snakemake.output
stem = lambda table: Path(table[0]).with_suffix("")  # noqa: E731  (a table's files share it)
run_model_tables([Path(p) for p in snakemake.input.whole_half],
                 [Path(p) for p in snakemake.input.md], snakemake.params.table_weights,
                 table2_stem=stem(out.table2), table4_stem=stem(out.table4),
                 table5_stem=stem(out.table5))
