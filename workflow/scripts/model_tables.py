import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.stages import run_model_tables  # noqa: E402

run_model_tables(Path(snakemake.input.summary), [Path(p) for p in snakemake.input.md],
                 snakemake.params.config, Path(snakemake.output.table2).parent)
