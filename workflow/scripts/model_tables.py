import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.stages import run_model_tables  # noqa: E402

run_model_tables([Path(p) for p in snakemake.input.whole_half],
                 [Path(p) for p in snakemake.input.md], snakemake.params.table_weights,
                 Path(snakemake.output.table2).parent)
