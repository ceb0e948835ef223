import sys
from pathlib import Path

sys.stdout = sys.stderr = open(snakemake.log[0], "w", buffering=1)
from mlipcost.stages import run_tables  # noqa: E402

run_tables(Path(snakemake.input.structures), [Path(p) for p in snakemake.input.labels],
           snakemake.params.config, Path(snakemake.output.ladder).parent,
           chunk_benchmarks=[Path(p) for p in snakemake.input.chunk_benchmarks])
